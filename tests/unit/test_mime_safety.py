"""Header and body injection through MIME building (CVE-2024-6923 and kin), and
internationalised recipients: through the API and the consumer, and build_mime alone."""
from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mime_corpus import CORPUS, HEADERS, SENDER, b64, mailboxes, parsed, squeezed

from chalicelib.delivery.channels import mime
from chalicelib.delivery.channels.mime import UnsafeMessage, build_mime, one_line
from chalicelib.errors import HeraldError
from chalicelib.templating.renderer import RenderedMail


def _mail(subject: str = "Hi", text: str = "Hello", html: str = "<p>Hello</p>") -> RenderedMail:
    return RenderedMail(subject=subject, html=html, text=text, locale="en")


def test_the_check_refuses_a_message_with_an_injected_header():
    """What the unpatched interpreter would have produced is caught before it is returned."""
    message = EmailMessage(policy=SMTP)
    for name, value in (("From", SENDER), ("To", "user@example.com"),
                        ("Subject", "Ana"), ("Bcc", "evil@attacker.test")):
        message[name] = value
    message.set_content("Hello")
    message.add_alternative("<p>Hello</p>", subtype="html")
    intent = mime._Intent(("From", "To", "Subject", "MIME-Version", "Content-Type"),
                          {"From": ("Herald", "no-reply@example.com"),
                           "To": ("", "user@example.com")}, "Ana", "Hello", "<p>Hello</p>")
    with pytest.raises(UnsafeMessage, match="headers are not the ones Herald set"):
        mime._verify(message.as_bytes(), intent)
    del message["Bcc"]
    mime._verify(message.as_bytes(), intent)  # the same message without it passes


@pytest.mark.parametrize("sender, reply_to", [
    ("=?utf-8?q?H=0D=0ABcc:_evil@attacker.test?= <no-reply@example.com>", None),
    (SENDER, "=?utf-8?b?" + b64("x\r\nBcc: evil@attacker.test") + "?= <help@example.com>"),
    ('"Herald\u2028Bcc: evil@attacker.test" <no-reply@example.com>', "help@example.com"),
])
def test_template_sender_and_reply_to_are_encoded_not_reparsed(sender, reply_to):
    mail = parsed(build_mime(_mail(), "user@example.com", sender, reply_to, "m-1"))
    assert "Bcc" not in mail and "Cc" not in mail
    assert mailboxes(mail, "From")[0][1] == "no-reply@example.com"
    assert "\n" not in mailboxes(mail, "From")[0][0]
    if reply_to:
        assert len(mailboxes(mail, "Reply-To")) == 1


@pytest.mark.parametrize("sender, to, reply_to, herald_id, problem", [
    ("no-reply@example.com\r\nBcc: evil@attacker.test", "user@example.com", None, "m-1",
     "sender"),
    (SENDER, "user@example.com, evil@attacker.test", None, "m-1", "to"),
    (SENDER, "user@example.com", "a@example.com, evil@attacker.test", "m-1", "reply_to"),
    (SENDER, "ñoño@example.com", None, "m-1", "SMTPUTF8"),
    (SENDER, "user@example.com", None, "m-1\r\nBcc: evil@attacker.test", "message id"),
])
def test_addresses_and_ids_that_cannot_be_one_mailbox_are_refused(sender, to, reply_to,
                                                                  herald_id, problem):
    with pytest.raises(UnsafeMessage, match=problem):
        build_mime(_mail(), to, sender, reply_to, herald_id)


def test_unsafe_message_is_a_permanent_domain_error():
    error = UnsafeMessage("x")
    assert isinstance(error, ValueError) and isinstance(error, HeraldError)
    assert error.message == "x" and error.code == "unsafe_message"


def test_lone_surrogate_is_refused_not_crashed():
    for mail in (_mail(subject="a\ud800"), _mail(text="a\ud800"), _mail(html="a\udfff")):
        with pytest.raises(UnsafeMessage, match="not valid Unicode"):
            build_mime(mail, "user@example.com", SENDER, None, "m-1")


def test_idn_domain_is_sent_in_ascii_never_as_an_encoded_word():
    raw = build_mime(_mail(), "user@exämple.com", "Équipe <no-reply@exämple.com>", None, "m-1")
    head = raw.partition(b"\r\n\r\n")[0].decode("ascii")
    assert "To: user@xn--exmple-cua.com\r\n" in head
    mail = parsed(raw)
    assert mailboxes(mail, "From") == [("Équipe", "no-reply@xn--exmple-cua.com")]
    assert mail["Message-ID"].endswith("@xn--exmple-cua.com>")


def test_long_subjects_fold_to_short_lines_and_read_back_whole():
    subject = "word " * 60 + "é" * 100 + " " + "x" * 200
    raw = build_mime(_mail(subject=subject), "user@example.com", SENDER, None, "m-1")
    head = raw.partition(b"\r\n\r\n")[0]
    assert max(len(line) for line in head.split(b"\r\n") if b"Message-ID" not in line) <= 78
    assert str(parsed(raw)["Subject"]) == subject.strip()


def test_one_line_turns_every_line_separator_into_one_space():
    assert one_line(" a\r\nb\rc\nd\ve\ff\x85g\u2028h\u2029i\x1cj\x00k\t\tl ") == \
        "a b c d e f g h i j k l"


_FRAGMENTS = st.sampled_from([*CORPUS.values(), "=?", "?=", "\r\n", '"', "\\", "<", ">",
                              ",", "@", ";", ":", "(", ")", "é", "😀"])
_TEXT = st.lists(st.one_of(st.text(st.characters(exclude_categories=("Cs",))), _FRAGMENTS),
                 max_size=8).map("".join)
_NAME = _TEXT.map(lambda s: s.translate({ord(c): None for c in '<>"'}))


@settings(max_examples=150, deadline=None)
@given(subject=_TEXT, name=_NAME, reply_name=_NAME)
def test_any_subject_and_display_name_keep_the_header_set_and_recipients(subject, name,
                                                                         reply_name):
    raw = build_mime(_mail(subject=subject), "user@example.com",
                     f"{name} <no-reply@example.com>", f"{reply_name} <help@example.com>",
                     "m-1")
    mail = parsed(raw)
    assert sorted(mail.keys()) == sorted([*HEADERS, "Reply-To"])
    assert mailboxes(mail, "To") == [("", "user@example.com")]
    assert mailboxes(mail, "From") == [(squeezed(one_line(name)), "no-reply@example.com")]
    assert mailboxes(mail, "Reply-To") == [(squeezed(one_line(reply_name)), "help@example.com")]
    assert str(mail["Subject"]) == one_line(subject)
    assert all(line.isascii() and len(line) <= 998
               for line in raw.partition(b"\r\n\r\n")[0].split(b"\r\n"))
