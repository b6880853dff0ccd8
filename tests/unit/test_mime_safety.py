"""Header and body injection through MIME building (CVE-2024-6923 and kin), and
internationalised recipients: through the API and the consumer, and build_mime alone."""
from __future__ import annotations

import base64
import email
import re
from email.message import EmailMessage
from email.policy import SMTP
from email.policy import default as default_policy

import boto3
import pytest
from conftest import sent_mail
from helpers import body, consume, put_template, receive_event, send
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import escape

from chalicelib.delivery.channels import mime
from chalicelib.delivery.channels.mime import UnsafeMessage, build_mime, one_line
from chalicelib.errors import HeraldError
from chalicelib.templating.renderer import RenderedMail

WELCOME = {
    "subject": "Welcome, {{ user_name }}",
    "html": "<p>Hello {{ user_name }}</p>",
    "text": "Hello {{ user_name }}",
    "category": "notification",
    "variables": {"user_name": {"required": True, "sample": "Ana"}},
}
HEADERS = ["From", "To", "Subject", "Date", "Message-ID", "X-Herald-Message-Id",
           "MIME-Version", "Content-Type"]
SENDER = "Herald <no-reply@example.com>"


def _b(text: str, codec: str = "utf-8") -> str:
    return base64.b64encode(text.encode(codec)).decode()


BCC = "Ana\r\nBcc: evil@attacker.test"
SWAP = "x\r\nContent-Type: text/html\r\n\r\n<h1>swapped</h1>"
CORPUS = {
    "q": "=?utf-8?q?Ana=0D=0ABcc:_evil@attacker.test?=",
    "Q upper": "=?UTF-8?Q?Ana=0D=0ABcc:_evil@attacker.test?=",
    "b": f"=?utf-8?b?{_b(BCC)}?=",
    "B upper": f"=?UTF-8?B?{_b(BCC)}?=",
    "iso-8859-1": "=?iso-8859-1?q?Ana=0D=0ABcc:_evil@attacker.test?=",
    "utf-16": f"=?utf-16?b?{_b(BCC, 'utf-16')}?=",
    "rfc 2231 language": "=?utf-8*en?q?Ana=0D=0ABcc:_evil@attacker.test?=",
    "rfc 2231 parameter": "x=?utf-8?q?=0D=0AContent-Type:_text/plain;_name*=utf-8''%0D%0ABcc?=",
    "split across words": "=?utf-8?q?Ana=0D?= =?utf-8?q?=0ABcc:_evil@attacker.test?=",
    "folded inside": "=?utf-8?q?Ana=0D=0A=09Bcc:_evil@attacker.test?=",
    "lone CR encoded": "=?utf-8?q?Ana=0DBcc:_evil@attacker.test?=",
    "lone LF encoded": "=?us-ascii?q?Ana=0ABcc:_evil@attacker.test?=",
    "To added": "=?utf-8?q?=0D=0ATo:_other@attacker.test?=",
    "content-type and blank line": f"=?utf-8?b?{_b(SWAP)}?=",
    "raw CRLF": BCC,
    "raw lone CR": "Ana\rBcc: evil@attacker.test",
    "raw lone LF": "Ana\nBcc: evil@attacker.test",
    "folded whitespace": "Ana\r\n Bcc: evil@attacker.test\r\n\tCc: evil@attacker.test",
    "U+2028": "Ana\u2028Bcc: evil@attacker.test",
    "U+2029": "Ana\u2029Bcc: evil@attacker.test",
    "U+0085": "Ana\x85Bcc: evil@attacker.test",
    "VT": "Ana\vBcc: evil@attacker.test",
    "FF": "Ana\fBcc: evil@attacker.test",
}


def _parsed(raw: bytes | str) -> EmailMessage:
    data = raw.encode() if isinstance(raw, str) else raw
    return email.message_from_bytes(data, policy=default_policy)


def _lines(text: str) -> list[str]:
    """Body lines as MIME carries them (CR, LF and CRLF all end a line)."""
    return re.split(r"\r\n|\r|\n", text.rstrip("\r\n"))


def _mailboxes(message: EmailMessage, name: str) -> list[tuple[str, str]]:
    """(display name without white space, address) of each mailbox: CPython's parser keeps
    the space between two encoded-words in a display name, which mail readers drop."""
    return [(_squeezed(a.display_name), a.addr_spec) for a in message[name].addresses]


def _squeezed(name: str) -> str:
    return "".join(name.split())


@pytest.fixture
def welcome(client):
    assert put_template(client, "welcome", WELCOME).status_code == 200
    return client


@pytest.mark.parametrize("payload", CORPUS.values(), ids=CORPUS.keys())
def test_variable_in_subject_cannot_add_headers_or_replace_the_body(welcome, aws, payload):
    # GIVEN a template whose subject holds a caller's variable
    accepted = send(welcome, to="user@example.com", template="welcome",
                    variables={"user_name": payload})
    assert accepted.status_code == 202, accepted.body
    # WHEN the consumer renders and sends it
    assert consume(welcome, receive_event(boto3.client("sqs"), aws.send_queue_url)) == {
        "batchItemFailures": []}
    # THEN the one mail goes to the one recipient, with Herald's headers only
    [sent] = sent_mail()
    assert set(sent.destinations) == {"user@example.com"}  # API destination + raw To/Cc/Bcc
    mail = _parsed(sent.raw_data)
    assert sorted(mail.keys()) == sorted(HEADERS)
    assert _mailboxes(mail, "To") == [("", "user@example.com")]
    # the subject reads as typed, its line breaks as spaces
    assert str(mail["Subject"]) == " ".join(f"Welcome, {payload}".split())
    html, text = mail.get_body(("html",)), mail.get_body(("plain",))
    assert [p.get_content_type() for p in mail.iter_parts()] == ["text/plain", "text/html"]
    assert _lines(html.get_content()) == _lines(f"<p>Hello {escape(payload)}</p>")
    assert _lines(text.get_content()) == _lines(f"Hello {payload}")
    assert body(welcome.http.get(f"/emails/{body(accepted)['message_id']}"))["status"] == "sent"


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
    (SENDER, "=?utf-8?b?" + _b("x\r\nBcc: evil@attacker.test") + "?= <help@example.com>"),
    ('"Herald\u2028Bcc: evil@attacker.test" <no-reply@example.com>', "help@example.com"),
])
def test_template_sender_and_reply_to_are_encoded_not_reparsed(sender, reply_to):
    mail = _parsed(build_mime(_mail(), "user@example.com", sender, reply_to, "m-1"))
    assert "Bcc" not in mail and "Cc" not in mail
    assert _mailboxes(mail, "From")[0][1] == "no-reply@example.com"
    assert "\n" not in _mailboxes(mail, "From")[0][0]
    if reply_to:
        assert len(_mailboxes(mail, "Reply-To")) == 1


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
    mail = _parsed(raw)
    assert _mailboxes(mail, "From") == [("Équipe", "no-reply@xn--exmple-cua.com")]
    assert mail["Message-ID"].endswith("@xn--exmple-cua.com>")


def test_long_subjects_fold_to_short_lines_and_read_back_whole():
    subject = "word " * 60 + "é" * 100 + " " + "x" * 200
    raw = build_mime(_mail(subject=subject), "user@example.com", SENDER, None, "m-1")
    head = raw.partition(b"\r\n\r\n")[0]
    assert max(len(line) for line in head.split(b"\r\n") if b"Message-ID" not in line) <= 78
    assert str(_parsed(raw)["Subject"]) == subject.strip()


def test_one_line_turns_every_line_separator_into_one_space():
    assert one_line(" a\r\nb\rc\nd\ve\ff\x85g\u2028h\u2029i\x1cj\x00k\t\tl ") == \
        "a b c d e f g h i j k l"


def test_non_ascii_local_part_is_refused_at_the_api_and_nothing_is_written(welcome, aws):
    response = send(welcome, to="ñoño@example.com", template="welcome",
                    variables={"user_name": "Ana"})
    assert response.status_code == 400
    error = body(response)["error"]
    assert error["field"] == "to" and "SMTPUTF8" in error["message"]
    sqs = boto3.client("sqs")
    assert sqs.receive_message(QueueUrl=aws.send_queue_url).get("Messages") is None
    log = boto3.client("dynamodb").scan(TableName=aws.message_log_table)
    assert log["Items"] == []


def test_idn_recipient_is_accepted_and_sent_to_its_ascii_form(welcome, aws):
    accepted = send(welcome, to="User@Exämple.com", template="welcome",
                    variables={"user_name": "Ana"})
    assert accepted.status_code == 202, accepted.body
    consume(welcome, receive_event(boto3.client("sqs"), aws.send_queue_url))
    [sent] = sent_mail()
    assert set(sent.destinations) == {"User@xn--exmple-cua.com"}
    assert _mailboxes(_parsed(sent.raw_data), "To") == [("", "User@xn--exmple-cua.com")]


_FRAGMENTS = st.sampled_from([*CORPUS.values(), "=?", "?=", "\r\n", '"', "\\", "<", ">",
                              ",", "@", ";", ":", "(", ")", "é", "😀"])
_TEXT = st.lists(st.one_of(st.text(st.characters(exclude_categories=("Cs",))), _FRAGMENTS),
                 max_size=8).map("".join)
_NAME = _TEXT.map(lambda s: s.translate({ord(c): None for c in '<>"'}))


@settings(max_examples=300, deadline=None)
@given(subject=_TEXT, name=_NAME, reply_name=_NAME)
def test_any_subject_and_display_name_keep_the_header_set_and_recipients(subject, name,
                                                                         reply_name):
    raw = build_mime(_mail(subject=subject), "user@example.com",
                     f"{name} <no-reply@example.com>", f"{reply_name} <help@example.com>",
                     "m-1")
    mail = _parsed(raw)
    assert sorted(mail.keys()) == sorted([*HEADERS, "Reply-To"])
    assert _mailboxes(mail, "To") == [("", "user@example.com")]
    assert _mailboxes(mail, "From") == [(_squeezed(one_line(name)), "no-reply@example.com")]
    assert _mailboxes(mail, "Reply-To") == [(_squeezed(one_line(reply_name)), "help@example.com")]
    assert str(mail["Subject"]) == one_line(subject)
    assert all(line.isascii() and len(line) <= 998
               for line in raw.partition(b"\r\n\r\n")[0].split(b"\r\n"))
