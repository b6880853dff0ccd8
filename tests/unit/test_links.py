"""Scanner-safe links without AWS: tokens and their digests, the pages (never a redirect
but for a follow), the scanner hint, the consumer's substitution and the gateway's
records, with fakes for the links table and the message log."""
from __future__ import annotations

import base64
import hashlib
import re

import pytest

from chalicelib.api.link_pages import link_response
from chalicelib.errors import BadRequest, ServiceUnavailable, Unprocessable
from chalicelib.links import tokens
from chalicelib.links.gateway import LinkGateway, scanner_hint
from chalicelib.links.issuer import CannotMakeLinks, LinkIssuer
from chalicelib.links.outcomes import EXPIRED, GONE_TO, OFFER, UNKNOWN, USED, Outcome
from chalicelib.links.store import FOLLOWED, Link
from chalicelib.templating.model import check_link_target, parse_template

NOW = 1_800_000_000
TARGET = "https://app.example.com/magic?token=abc"
SEED = tokens.new_seed()


class FakeStore:
    """The links table's behaviour: a put keeps the first, a follow is conditional."""

    def __init__(self) -> None:
        self.items: dict[str, Link] = {}
        self.reads = 0

    def put(self, link: Link) -> None:
        self.items.setdefault(link.digest, link)

    def get(self, digest: str) -> Link | None:
        self.reads += 1
        return self.items.get(digest)

    def follow(self, digest: str) -> Link | str:
        link = self.items.get(digest)
        if link is None:
            return UNKNOWN
        if link.expires_at <= NOW:
            return EXPIRED
        if link.single_use and link.state == FOLLOWED:
            return USED
        self.items[digest] = Link(**{**link.__dict__, "state": FOLLOWED})
        return link


class FakeLog:
    def __init__(self, status: str = "sent") -> None:
        self.status = status
        self.notes: list[tuple[str, str, dict]] = []

    def get(self, message_id: str) -> dict:
        return {"message_id": message_id, "status": self.status}

    def note(self, message_id: str, status: str, detail: str, *, event: str | None = None,
             extra: dict | None = None) -> bool:
        self.notes.append((status, event, extra or {}))
        return True


def _issuer(store, base="https://mail.example.com", local=False):
    return LinkIssuer(store, base, local, default_ttl_s=3600, clock=lambda: NOW)


def _issued(store, single_use=False, expires_at=None):
    variables = _issuer(store).substitute("m-1", {"link": TARGET, "code": "123456"}, ["link"],
                                          SEED, expires_at, single_use=single_use)
    return variables["link"].rsplit("/", 1)[1]


# -- tokens -----------------------------------------------------------------------


def test_a_token_carries_256_bits_and_only_its_digest_is_a_key():
    token = tokens.token_for(SEED, "m-1", "link")
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
    assert len(base64.urlsafe_b64decode(token + "=")) == 32
    assert tokens.token_digest(token) == hashlib.sha256(token.encode()).hexdigest() != token


def test_a_retry_of_the_mail_makes_the_same_token_and_nothing_else_does():
    token = tokens.token_for(SEED, "m-1", "link")
    assert tokens.token_for(SEED, "m-1", "link") == token
    others = {tokens.token_for(SEED, "m-2", "link"), tokens.token_for(SEED, "m-1", "other"),
              tokens.token_for(tokens.new_seed(), "m-1", "link")}
    assert token not in others and len(others) == 3


def test_seeds_come_from_secrets_and_differ():
    seeds = {tokens.new_seed() for _ in range(50)}
    assert len(seeds) == 50
    assert all(len(base64.urlsafe_b64decode(s + "=")) == tokens.SEED_BYTES for s in seeds)


@pytest.mark.parametrize("bad", ["", "abc", "A" * 42, "A" * 44, "A" * 42 + "=",
                                 "A" * 42 + "/", "A" * 42 + "\n", None])
def test_a_string_that_cannot_be_a_token_is_refused_unread(bad):
    assert tokens.token_digest(bad) is None


# -- pages --------------------------------------------------------------------------


@pytest.mark.parametrize("outcome, status", [
    (Outcome(OFFER), 200), (Outcome(UNKNOWN), 404), (Outcome(EXPIRED), 410),
    (Outcome(USED), 410)])
def test_no_page_moves_the_browser_by_itself(outcome, status):
    response = link_response(outcome)
    assert response.status_code == status
    assert "Location" not in response.headers
    assert not re.search(r"http-equiv|refresh|<script|javascript:", response.body, re.I)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_the_offer_is_a_form_that_posts_with_a_real_button():
    page = link_response(Outcome(OFFER)).body
    assert '<form method="post">' in page and '<button type="submit">Continue to sign in' in page
    assert '<html lang="en">' in page and "<h1>" in page


def test_only_a_follow_redirects_and_it_sends_no_referrer():
    response = link_response(Outcome(GONE_TO, TARGET))
    assert (response.status_code, response.headers["Location"]) == (303, TARGET)
    assert response.headers["Referrer-Policy"] == "no-referrer"


# -- scanner hint -------------------------------------------------------------------


@pytest.mark.parametrize("method, agent, hinted", [
    ("HEAD", "Mozilla/5.0 (Windows NT 10.0) Chrome/126.0", "HEAD"),
    ("GET", "", "no User-Agent"),
    ("GET", None, "no User-Agent"),
    ("GET", "Mozilla/5.0 (compatible; MSIE 9.0) BingPreview/1.0b", "preview"),
    ("GET", "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook)", "microsoft office"),
    ("GET", "python-requests/2.31", "python-"),
    ("GET", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5) Mobile/15E148 Safari/604.1", None),
])
def test_the_scanner_hint_says_why_a_request_looks_automated(method, agent, hinted):
    hint = scanner_hint(method, agent)
    assert (hint is None) if hinted is None else (hinted in hint)


# -- the consumer's substitution ----------------------------------------------------


def test_link_variables_become_gateway_links_and_only_the_digest_is_stored():
    store = FakeStore()
    variables = _issuer(store).substitute("m-1", {"link": TARGET, "code": "123456"}, ["link"],
                                          SEED, None, ttl_s=900, single_use=True)
    token = tokens.token_for(SEED, "m-1", "link")
    assert variables == {"link": f"https://mail.example.com/l/{token}", "code": "123456"}
    [(digest, link)] = store.items.items()
    assert digest == tokens.token_digest(token) and token not in repr(link)
    assert (link.target, link.expires_at, link.single_use) == (TARGET, NOW + 900, True)


def test_a_resend_reuses_the_first_link_and_the_mails_expiry_wins():
    store = FakeStore()
    first = _issued(store, expires_at=NOW + 120)
    assert _issued(store, expires_at=NOW + 120) == first and len(store.items) == 1
    assert next(iter(store.items.values())).expires_at == NOW + 120


@pytest.mark.parametrize("base, local", [("", False), ("http://mail.example.com", False),
                                         ("http://127.0.0.1:8000", False),
                                         ("http://mail.example.com", True)])
def test_no_links_without_an_https_public_base(base, local):
    with pytest.raises(ServiceUnavailable, match="PUBLIC_BASE_URL"):
        _issuer(FakeStore(), base, local).substitute("m-1", {"link": TARGET}, ["link"], SEED,
                                                     None)


def test_the_local_stack_links_to_itself_over_http():
    variables = _issuer(FakeStore(), "http://127.0.0.1:8000/", True).substitute(
        "m-1", {"link": TARGET}, ["link"], SEED, None)
    assert variables["link"].startswith("http://127.0.0.1:8000/l/")


def test_a_mail_with_links_but_no_seed_cannot_be_built():
    with pytest.raises(CannotMakeLinks):
        _issuer(FakeStore()).substitute("m-1", {"link": TARGET}, ["link"], None, None)


# -- the gateway ----------------------------------------------------------------------


def test_a_view_is_noted_at_the_mails_status_and_changes_nothing_else():
    store, log = FakeStore(), FakeLog("delivered")
    token = _issued(store, single_use=True)
    gateway = LinkGateway(store, log, clock=lambda: NOW)
    assert gateway.view(token, "HEAD", "Mozilla/5.0") == Outcome(OFFER)
    assert gateway.view(token, "GET", "Mozilla/5.0 (X11; Linux) Firefox/128.0") == Outcome(OFFER)
    assert [(s, e) for s, e, _ in log.notes] == [("delivered", "link_viewed")] * 2
    assert "HEAD" in log.notes[0][2]["scanner_hint"] and "scanner_hint" not in log.notes[1][2]
    assert next(iter(store.items.values())).state != FOLLOWED


def test_a_follow_redirects_once_when_single_use():
    store, log = FakeStore(), FakeLog()
    token = _issued(store, single_use=True)
    gateway = LinkGateway(store, log, clock=lambda: NOW)
    assert gateway.follow(token) == Outcome(GONE_TO, TARGET)
    assert gateway.follow(token) == Outcome(USED)
    assert gateway.view(token, "GET", "Mozilla/5.0") == Outcome(USED)
    assert [e for _, e, _ in log.notes] == ["link_followed"]


def test_unknown_and_expired_links_are_not_offered_and_not_noted():
    store, log = FakeStore(), FakeLog()
    token = _issued(store, expires_at=NOW)
    gateway = LinkGateway(store, log, clock=lambda: NOW)
    assert gateway.view(token, "GET", "Mozilla/5.0") == Outcome(EXPIRED)
    assert gateway.follow(token) == Outcome(EXPIRED)
    reads = store.reads
    assert gateway.view("not-a-token", "GET", "x") == Outcome(UNKNOWN)
    assert store.reads == reads  # refused before any lookup
    assert gateway.view("B" * 43, "GET", "x") == Outcome(UNKNOWN)
    assert log.notes == []


# -- declarations ---------------------------------------------------------------------


def test_a_link_variable_is_declared_with_an_http_sample_and_counts_as_secret():
    doc = parse_template("t", {"subject": "Hi", "html": "{{ go }}", "link_single_use": True,
                               "variables": {"go": {"link": True, "sample": "https://a.io/x"}}},
                         sending_domain="example.com")
    assert doc.variables["go"].link and doc.secret_names == ["go"]
    assert doc.to_dict()["variables"]["go"]["link"] is True and doc.to_dict()["link_single_use"]
    plain = parse_template("t", {"subject": "Hi", "html": "x"}, sending_domain="example.com")
    assert "link_ttl_s" not in plain.to_dict() and "link_single_use" not in plain.to_dict()
    with pytest.raises(BadRequest) as refused:
        parse_template("t", {"subject": "Hi", "html": "x",
                             "variables": {"go": {"link": True, "sample": "ftp://a.io"}}},
                       sending_domain="example.com")
    assert refused.value.field == "variables.go.sample"


@pytest.mark.parametrize("value, allow_http, ok", [
    ("https://app.example.com/x?y=1#z", False, True),
    ("HTTPS://APP.EXAMPLE.COM", False, True),
    ("http://app.example.com/x", False, False),
    ("http://localhost:3000/cb", True, True),
    ("https://user@evil.example/", False, False),
    ("https://app.example.com/\r\nX: y", False, False),
    ("javascript:alert(1)", True, False),
    ("//app.example.com/x", False, False),
    ("https://" + "a" * 2048, False, False),
    (["https://a.io"], False, False),
])
def test_a_link_target_must_be_an_absolute_https_url(value, allow_http, ok):
    if ok:
        check_link_target("go", value, allow_http)
        return
    with pytest.raises(Unprocessable) as refused:
        check_link_target("go", value, allow_http)
    assert refused.value.field == "variables.go" and "'go'" in refused.value.message
