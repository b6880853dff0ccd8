"""The intake's order and outcomes with fakes: refusals (404, 413, 401) record and send
nothing; a verified event is accepted once per mail under a key from the webhook id, so a
redelivery sends nothing new; a rotated secret works at once; refusals after verification
are counted for the admin UI, whose counters never fail an intake."""
from __future__ import annotations

import hashlib
import json
import time
from types import SimpleNamespace

import pytest

from chalicelib.errors import Conflict, NotFound, PayloadTooLarge, Unauthenticated, Unprocessable
from chalicelib.intake.hooks import HookIntake
from chalicelib.intake.signatures import decode_secret, sign
from chalicelib.intake.sources import all_sources
from chalicelib.intake.status import HookStatus

SECRET = decode_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
NOW = 1_800_000_000


class FakeProducer:
    """Same key and body: the stored answer; same key, other body: a Conflict."""

    def __init__(self):
        self.keys = {}
        self.sent = []

    def accept(self, raw, key):
        digest = hashlib.sha256(raw).hexdigest()
        if key in self.keys:
            if self.keys[key][0] != digest:
                raise Conflict("reused", code="idempotency_key_reused")
            return {**self.keys[key][1], "replayed": True}
        answer = {"message_id": f"m-{len(self.sent) + 1}", "status": "queued"}
        self.keys[key] = (digest, answer)
        self.sent.append((json.loads(raw), key))
        return answer


class FakeSecrets:
    def __init__(self, keys):
        self.stored = keys
        self.cached = dict(keys)
        self.rereads = 0

    def keys(self, source):
        return self.cached.get(source, ())

    def reread(self, source):
        self.rereads += 1
        self.cached[source] = self.stored.get(source, ())
        return self.cached[source]


class FakeStatus:
    def __init__(self):
        self.events, self.failures = [], []

    def event(self, source):
        self.events.append(source)

    def failure(self, source, reason):
        self.failures.append((source, reason))


class FakeCache:
    DECLARED = {"confirm-signup": {"link", "code", "user_name"}, "welcome": {"user_name"}}

    def latest(self, name):
        return SimpleNamespace(variables=dict.fromkeys(self.DECLARED.get(name, ())))


MAPPINGS = json.dumps({"acme": {"to": "email", "template": "welcome",
                                "variables": {"user_name": "name"}}})


def intake(keys=None, max_body_bytes=64 * 1024):
    secrets = FakeSecrets(keys if keys is not None else {"supabase": (SECRET,),
                                                         "acme": (SECRET,)})
    parts = SimpleNamespace(producer=FakeProducer(), secrets=secrets, status=FakeStatus())
    parts.intake = HookIntake(all_sources(MAPPINGS), secrets, parts.producer, FakeCache(),
                              parts.status, max_body_bytes, clock=lambda: NOW)
    return parts


def signed(event, webhook_id="msg_1", key=SECRET, at=NOW):
    body = json.dumps(event).encode()
    return {"webhook-id": webhook_id, "webhook-timestamp": str(at),
            "webhook-signature": sign(key, webhook_id, at, body)}, body


SIGNUP = {"user": {"email": "ana@example.com", "user_metadata": {"name": "Ana"}},
          "email_data": {"email_action_type": "signup", "token": "305805",
                         "token_hash": "th-1", "site_url": "https://p.supabase.co",
                         "redirect_to": ""}}


def test_a_signed_supabase_event_is_accepted_once_with_the_declared_variables():
    parts = intake()
    answer = parts.intake.receive("supabase", *signed(SIGNUP))
    assert (answer.body, answer.queued) == ({}, False)
    [(request, key)] = parts.producer.sent
    assert key == "hook:supabase:msg_1"
    assert request == {"to": "ana@example.com", "template": "confirm-signup", "variables": {
        "link": "https://p.supabase.co/auth/v1/verify?token=th-1&type=signup",
        "code": "305805", "user_name": "Ana"}}
    assert parts.status.events == ["supabase"]


def test_a_redelivery_of_the_same_id_sends_nothing_new():
    parts = intake()
    parts.intake.receive("supabase", *signed(SIGNUP))
    again = parts.intake.receive("supabase", *signed(SIGNUP, at=NOW + 60))
    assert again.body == {}
    assert len(parts.producer.sent) == 1


def test_a_redelivery_mapped_differently_is_still_a_replay():
    parts = intake()
    parts.intake.receive("supabase", *signed(SIGNUP))
    FakeCache.DECLARED["confirm-signup"].discard("code")  # the template lost its code meanwhile
    try:
        assert parts.intake.receive("supabase", *signed(SIGNUP)).body == {}
    finally:
        FakeCache.DECLARED["confirm-signup"].add("code")
    assert len(parts.producer.sent) == 1


def test_a_mapped_source_is_answered_accepted_then_replayed():
    parts = intake()
    event = {"email": "cy@example.com", "name": "Cy"}
    first = parts.intake.receive("acme", *signed(event, "evt_9"))
    assert (first.body, first.queued) == ({"message_id": "m-1"}, True)
    again = parts.intake.receive("acme", *signed(event, "evt_9"))
    assert (again.body, again.queued) == ({"message_id": "m-1"}, False)
    assert parts.producer.sent == [({"to": "cy@example.com", "template": "welcome",
                                     "variables": {"user_name": "Cy"}}, "hook:acme:evt_9")]


@pytest.mark.parametrize(("source", "keys", "error", "code"), [
    ("nobody", None, NotFound, "not_found"),
    ("../etc", None, NotFound, "not_found"),
    ("clerk", None, NotFound, "source_not_configured"),
    ("supabase", {"supabase": (b"another key",)}, Unauthenticated, "bad_signature"),
])
def test_refusals_before_verification_record_and_send_nothing(source, keys, error, code):
    parts = intake(keys)
    with pytest.raises(error) as refused:
        parts.intake.receive(source, *signed(SIGNUP))
    assert refused.value.code == code
    assert parts.producer.sent == [] and parts.status.events == [] == parts.status.failures


def test_a_stale_delivery_is_refused_before_any_secret_is_read():
    parts = intake()
    with pytest.raises(Unauthenticated):
        parts.intake.receive("supabase", *signed(SIGNUP, at=NOW - 301))
    assert parts.secrets.rereads == 0 and parts.producer.sent == []


def test_an_oversized_body_is_refused_with_413():
    parts = intake(max_body_bytes=100)
    with pytest.raises(PayloadTooLarge):
        parts.intake.receive("supabase", *signed({**SIGNUP, "pad": "x" * 100}))


def test_a_rotated_secret_works_at_once_through_one_reread():
    rotated = decode_secret("whsec_" + "bmV3LXNlY3JldC1vZi0yNC1ieXRlcyEh")
    parts = intake()
    parts.secrets.stored = {"supabase": (rotated,)}
    parts.intake.receive("supabase", *signed(SIGNUP, key=rotated))
    assert parts.secrets.rereads == 1 and len(parts.producer.sent) == 1


def test_a_verified_event_that_cannot_be_mapped_is_a_422_counted_and_logged_redacted(capsys):
    parts = intake()
    event = {"user": {"email": "ana@example.com"},
             "email_data": {**SIGNUP["email_data"], "token_hash": ""}}
    with pytest.raises(Unprocessable) as refused:
        parts.intake.receive("supabase", *signed(event))
    assert refused.value.field == "email_data.token_hash"
    assert parts.status.failures == [("supabase", "unmappable_event (email_data.token_hash)")]
    logged = capsys.readouterr().out
    assert "email_data" in logged and "token_hash" in logged
    assert "305805" not in logged and "ana@example.com" not in logged


def test_counters_that_cannot_be_written_never_fail_the_intake(capsys):
    class Down:
        def update_item(self, **_):
            raise TimeoutError("dynamodb is away")

    status = HookStatus(Down(), "rate-limits", clock=time.time)
    status.event("supabase")
    status.failure("supabase", "x")
    assert "hook status not recorded" in capsys.readouterr().out


def test_the_overview_lists_every_source_with_its_counters():
    class Table:
        def get_item(self, TableName, Key, ConsistentRead):  # noqa: N803 - boto3's names
            if Key["counter_key"]["S"] != "hook-status#supabase":
                return {}
            return {"Item": {"events": {"N": "3"}, "failures": {"N": "1"},
                             "last_event_at": {"S": "2026-12-01T10:00:00.000Z"},
                             "last_failure_at": {"S": "2026-12-01T09:00:00.000Z"},
                             "last_failure_reason": {"S": "unmappable_event (user.email)"}}}

    parts = intake()
    parts.intake.status = HookStatus(Table(), "rate-limits")
    by_source = {row["source"]: row for row in parts.intake.overview()}
    assert by_source["supabase"] == {
        "source": "supabase", "kind": "builtin", "configured": True, "events": 3,
        "failures": 1, "last_event_at": "2026-12-01T10:00:00.000Z",
        "last_failure": {"at": "2026-12-01T09:00:00.000Z",
                         "reason": "unmappable_event (user.email)"}}
    assert by_source["clerk"] == {"source": "clerk", "kind": "builtin", "configured": False,
                                  "events": 0, "failures": 0, "last_event_at": None,
                                  "last_failure": None}
    assert by_source["acme"]["kind"] == "mapped"
