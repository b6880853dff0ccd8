"""Unsubscribe and preference links: signed, bound to a user and a type, refused when
tampered or expired; only notification mail for a user carries them; what the pages do."""
from __future__ import annotations

import pytest
from contract_doubles import FakePreferences
from mime_corpus import parsed

from chalicelib.delivery.channels.email import EmailChannel
from chalicelib.errors import BadLink, Gone, NotFound, ServiceUnavailable
from chalicelib.messages import envelope
from chalicelib.messages.envelope import Audience
from chalicelib.templating.model import parse_template
from chalicelib.templating.renderer import CompiledTemplate
from chalicelib.unsubscribe.links import LinkMaker
from chalicelib.unsubscribe.self_service import SelfService
from chalicelib.unsubscribe.tokens import PREFERENCES, UNSUBSCRIBE, LinkSigner, parse_keys

KEY = b"k" * 40
OLD_KEY = b"o" * 40
DAY = 86400.0
BASE = "https://mail.example.com/api"


class FakeKeys:
    """The SSM parameter's keys; `fresh` is what a reread finds (a rotation)."""

    def __init__(self, *keys: bytes) -> None:
        self.current = keys
        self.fresh: tuple[bytes, ...] | None = None

    def keys(self) -> tuple[bytes, ...]:
        return self.current

    def reread(self) -> tuple[bytes, ...] | None:
        if self.fresh is not None:
            self.current = self.fresh
        return self.fresh


def signer(*keys: bytes, now: float = 1000 * DAY, max_age_days: int = 400) -> LinkSigner:
    return LinkSigner(FakeKeys(*(keys or (KEY,))), max_age_days, clock=lambda: now)


def tampered(token: str) -> str:
    payload, tag = token.split(".")
    flipped = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    return f"{flipped}.{tag}"


# tokens

def test_a_token_gives_back_its_user_and_type():
    token = signer().token_for(UNSUBSCRIBE, "user-1", "weekly-digest")
    assert signer().audience_of(token, UNSUBSCRIBE) == Audience("user-1", "weekly-digest")


def test_tokens_are_url_safe_and_differ_per_user_and_type():
    links = signer()
    tokens = {links.token_for(UNSUBSCRIBE, user, kind)
              for user in ("user-1", "user-2") for kind in ("digest", "alerts")}
    assert len(tokens) == 4
    assert all(set(t) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
               for t in tokens)


@pytest.mark.parametrize("change", [
    tampered,
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # the tag
    lambda t: t.split(".")[0],  # no tag
    lambda t: t + "!",  # a stray character
    lambda t: t[:20],  # cut short
    lambda t: "x" * 2000,
])
def test_a_tampered_or_malformed_token_is_refused(change):
    token = signer().token_for(UNSUBSCRIBE, "user-1", "digest")
    with pytest.raises(BadLink):
        signer().audience_of(change(token), UNSUBSCRIBE)


def test_a_token_made_with_another_key_is_refused():
    token = signer(OLD_KEY).token_for(UNSUBSCRIBE, "user-1", "digest")
    with pytest.raises(BadLink):
        signer(KEY).audience_of(token, UNSUBSCRIBE)


def test_a_preference_link_is_no_unsubscribe_link():
    token = signer().token_for(PREFERENCES, "user-1")
    with pytest.raises(BadLink, match="not valid here"):
        signer().audience_of(token, UNSUBSCRIBE)


def test_a_token_expires_after_max_age_days():
    token = signer(now=1000 * DAY).token_for(UNSUBSCRIBE, "user-1", "digest")
    assert signer(now=1400 * DAY).audience_of(token, UNSUBSCRIBE).user_id == "user-1"
    with pytest.raises(Gone):
        signer(now=1401 * DAY).audience_of(token, UNSUBSCRIBE)


def test_after_a_rotation_old_links_still_work_and_new_ones_use_the_new_key():
    old_token = signer(OLD_KEY).token_for(UNSUBSCRIBE, "user-1", "digest")
    rotated = signer(KEY, OLD_KEY)
    assert rotated.audience_of(old_token, UNSUBSCRIBE).user_id == "user-1"
    assert signer(KEY).audience_of(rotated.token_for(UNSUBSCRIBE, "u", "d"), UNSUBSCRIBE)


def test_a_key_put_in_ssm_after_the_cache_was_filled_is_found_by_a_reread():
    keys = FakeKeys(OLD_KEY)
    links = LinkSigner(keys, 400, clock=lambda: 1000 * DAY)
    keys.fresh = (KEY,)
    token = signer(KEY).token_for(UNSUBSCRIBE, "user-1", "digest")
    assert links.audience_of(token, UNSUBSCRIBE).user_id == "user-1"


def test_without_a_key_nothing_is_signed_or_accepted():
    with pytest.raises(ServiceUnavailable, match="unsubscribe-key"):
        LinkSigner(FakeKeys(), 400).token_for(UNSUBSCRIBE, "user-1", "digest")
    with pytest.raises(ServiceUnavailable):
        LinkSigner(FakeKeys(), 400).audience_of(signer().token_for(UNSUBSCRIBE, "u", "d"),
                                                UNSUBSCRIBE)


def test_short_key_entries_are_skipped():
    assert parse_keys("short " + "x" * 32) == (b"x" * 32,)


# links in mail

def test_links_are_made_under_the_public_base():
    links = LinkMaker(signer(), BASE + "/", local_mode=False).for_audience(
        Audience("user-1", "digest"))
    assert links.unsubscribe_url.startswith(BASE + "/u/")
    assert links.preferences_url.startswith(BASE + "/preferences/")
    assert links.variables({"preferences_url", "name"}) == {
        "preferences_url": links.preferences_url}


@pytest.mark.parametrize("base, local", [("", False), ("http://mail.example.com", False),
                                          ("http://127.0.0.1:8000", False),
                                          ("https://a b.example.com", False)])
def test_no_links_without_an_https_public_base(base, local):
    with pytest.raises(ServiceUnavailable, match="PUBLIC_BASE_URL"):
        LinkMaker(signer(), base, local_mode=local).for_audience(Audience("u", "d"))


def test_the_local_stack_links_to_itself_over_http():
    links = LinkMaker(signer(), "http://127.0.0.1:8000", local_mode=True)
    assert links.for_audience(Audience("u", "d")).unsubscribe_url.startswith(
        "http://127.0.0.1:8000/u/")


class FakeCache:
    def __init__(self, template: CompiledTemplate) -> None:
        self.template = template

    def pinned(self, name, version, pins):
        return self.template


def channel_for(category: str, html: str = "<p>Hi</p>",
                variables: dict | None = None) -> EmailChannel:
    doc = parse_template("news", {"subject": "News", "html": html, "category": category,
                                  "variables": variables or {}})
    return EmailChannel(FakeCache(CompiledTemplate(doc, "v1", {})), transport=None,
                        default_sender="Herald <no-reply@example.com>",
                        links=LinkMaker(signer(), BASE, local_mode=False))


def message(audience: Audience | None) -> envelope.Envelope:
    body = envelope.send_body("m-1", "ana@example.com", "news", "v1", {}, "en", {}, [], None,
                              0, audience)
    return envelope.decode(envelope.encode(body))


def test_notification_mail_for_a_user_carries_one_click_unsubscribe():
    raw = channel_for("notification").prepare(message(Audience("user-1", "digest"))).raw
    mail = parsed(raw)
    url = str(mail["List-Unsubscribe"])
    assert url.startswith(f"<{BASE}/u/") and url.endswith(">")
    assert str(mail["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    token = url[len(f"<{BASE}/u/"):-1]
    assert signer().audience_of(token, UNSUBSCRIBE) == Audience("user-1", "digest")
    # one unfolded line each (a folded List-Unsubscribe fails some DKIM checks)
    assert f"List-Unsubscribe: {url}\r\n".encode() in raw


@pytest.mark.parametrize("category, audience", [
    ("auth", Audience("user-1", "sign-in")),  # auth mail never
    ("notification", None),  # mail to an address, not for a user's notification type
])
def test_other_mail_carries_no_unsubscribe_headers(category, audience):
    mail = parsed(channel_for(category).prepare(message(audience)).raw)
    assert "List-Unsubscribe" not in mail and "List-Unsubscribe-Post" not in mail


def test_a_template_that_declares_preferences_url_gets_the_signed_link():
    channel = channel_for(
        "notification", html='<p><a href="{{ preferences_url }}">Preferences</a></p>',
        variables={"preferences_url": {"required": False, "sample": "https://x.test/p"}})
    html = parsed(channel.prepare(message(Audience("user-1", "digest"))).raw).get_body(
        ("html",)).get_content()
    token = html.split(f'href="{BASE}/preferences/')[1].split('"')[0]
    assert signer().audience_of(token, PREFERENCES).user_id == "user-1"


# pages

class FakeTypes:
    TYPES = {
        "digest": {"name": "digest", "category": "notification",
                   "channels": {"email": {"template": "digest"}, "sms": {"template": "d"}},
                   "defaults": {"email": True, "sms": False}},
        "sign-in": {"name": "sign-in", "category": "auth",
                    "channels": {"email": {"template": "otp"}}, "defaults": {"email": True}},
    }

    def get(self, name):
        return self.TYPES.get(name)

    def list(self):
        return list(self.TYPES.values())


def service(stored: dict | None = None) -> tuple[SelfService, FakePreferences]:
    preferences = FakePreferences(stored)
    return SelfService(signer(), preferences, FakeTypes()), preferences


def test_the_offer_changes_nothing_and_the_unsubscribe_turns_email_off():
    pages, preferences = service()
    token = signer().token_for(UNSUBSCRIBE, "user-1", "digest")
    assert pages.offer(token).notification_type == "digest"
    assert preferences.writes == []
    pages.unsubscribe(token)
    assert preferences.writes == [("user-1", "digest", "email", False, "unsubscribe")]


def test_unsubscribing_from_a_type_that_no_longer_exists_changes_nothing():
    pages, preferences = service()
    with pytest.raises(NotFound):
        pages.unsubscribe(signer().token_for(UNSUBSCRIBE, "user-1", "gone-type"))
    assert preferences.writes == []


def test_the_preference_page_shows_defaults_and_overrides_but_never_auth_types():
    pages, _ = service({"user-1": {"digest": {"sms": True}}})
    [toggle] = pages.toggles(signer().token_for(PREFERENCES, "user-1"))
    assert (toggle.notification_type, toggle.channels) == ("digest", {"email": True,
                                                                      "sms": True})


def test_saving_the_page_stores_every_box_shown_unticked_ones_off():
    pages, preferences = service()
    [toggle] = pages.save(signer().token_for(PREFERENCES, "user-1"), {"digest:sms": ["on"]})
    assert toggle.channels == {"email": False, "sms": True}
    assert preferences.writes == [("user-1", {"digest": {"email": False, "sms": True}},
                                    "preference-page")]
