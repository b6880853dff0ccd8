"""Outbound webhooks without AWS: the Standard Webhooks signature, where Herald
may connect, which status change is which event, and an endpoint disabled after
N failed attempts (fake store, fake poster)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from chalicelib.errors import BadRequest
from chalicelib.platform.sqs_batch import BatchRunner, Retry
from chalicelib.webhooks import events, signing
from chalicelib.webhooks.sender import WebhookSender
from chalicelib.webhooks.targets import Target, UrlPolicy

SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_signature_matches_the_standard_webhooks_test_vector():
    assert signing.signature(SPEC_SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                             b'{"test": 2432232314}') == (
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")


def test_a_new_secret_is_whsec_and_32_random_bytes():
    first, second = signing.new_secret(), signing.new_secret()
    assert first.startswith("whsec_") and first != second
    assert len(base64.b64decode(first.removeprefix("whsec_"))) == 32


def _resolver(table):
    return lambda host, port: table[host]


PUBLIC = _resolver({"hooks.example.com": ["93.184.216.34"],
                    "rebind.example.com": ["93.184.216.34", "169.254.169.254"],
                    "v6.example.com": ["2606:4700::1111"],
                    "inside.example.com": ["10.0.0.7"]})


def test_a_public_https_url_is_taken_and_pinned_to_its_address():
    target = UrlPolicy(local_mode=False, resolve=PUBLIC).check(
        "https://hooks.example.com:8443/in?x=1")
    assert target == Target("https", "hooks.example.com", 8443, "/in?x=1", "93.184.216.34")
    assert UrlPolicy(False, PUBLIC).check("https://v6.example.com").address == "2606:4700::1111"


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/", "https://2130706433/", "https://0x7f000001/", "https://0177.0.0.1/",
    "https://127.1/", "https://10.1.2.3/", "https://192.168.0.1/", "https://172.16.0.1/",
    "https://169.254.169.254/latest/meta-data", "https://100.64.0.1/", "https://0.0.0.0/",
    "https://224.0.0.1/", "https://240.0.0.1/", "https://[::1]/", "https://[fe80::1]/",
    "https://[fc00::1]/", "https://[::ffff:127.0.0.1]/", "https://[::ffff:a9fe:a9fe]/",
    "https://[2002:7f00:1::]/", "https://[64:ff9b::a00:1]/", "https://[ff02::1]/",
    "https://inside.example.com/", "https://rebind.example.com/"])
def test_private_loopback_link_local_and_reserved_hosts_are_refused(url):
    with pytest.raises(BadRequest) as refused:
        UrlPolicy(local_mode=False, resolve=PUBLIC).check(url)
    assert refused.value.field == "url"


@pytest.mark.parametrize("url", [
    "http://hooks.example.com/", "ftp://hooks.example.com/", "https://user:pw@hooks.example.com/",
    "https:///nohost", "https://hooks.example.com:99999/", "", None, 42, "https://x" * 700])
def test_malformed_or_plain_http_urls_are_refused(url):
    with pytest.raises(BadRequest) as refused:
        UrlPolicy(local_mode=False, resolve=PUBLIC).check(url)
    assert refused.value.field == "url"


def test_a_host_that_does_not_resolve_is_refused():
    def nowhere(host, port):
        raise OSError("Name or service not known")
    with pytest.raises(BadRequest, match="does not resolve"):
        UrlPolicy(False, nowhere).check("https://nowhere.invalid/")


def test_local_mode_takes_http_on_loopback_only():
    local = UrlPolicy(local_mode=True, resolve=PUBLIC)
    assert local.check("http://127.0.0.1:9000/hook").address == "127.0.0.1"
    with pytest.raises(BadRequest, match="http only on loopback"):
        local.check("http://hooks.example.com/")
    with pytest.raises(BadRequest, match="private"):
        local.check("https://10.0.0.1/")


def _image(status, **extra):
    return {"message_id": "m-1", "to": "u@example.com", "template": "otp", "status": status,
            "updated_at": "2026-01-01T00:00:00.000Z", "variables": '{"code": "[redacted]"}',
            **extra}


@pytest.mark.parametrize("status", ["sent", "delivered", "bounced", "complained", "failed",
                                    "expired", "suppressed", "superseded"])
def test_each_final_status_is_its_event_with_heralds_message_id(status):
    event = events.status_event(_image("sending"), _image(status))
    assert event == {"type": f"email.{status}", "timestamp": "2026-01-01T00:00:00.000Z",
                     "data": {"message_id": "m-1", "to": "u@example.com", "template": "otp",
                              "status": status, "at": "2026-01-01T00:00:00.000Z"}}
    assert "variables" not in json.dumps(event)


def test_queued_sending_unchanged_status_and_removals_are_no_event():
    assert events.status_event(None, _image("queued")) is None
    assert events.status_event(_image("queued"), _image("sending")) is None
    assert events.status_event(_image("sent"), _image("sent", ses_message_id="x")) is None
    assert events.status_event(_image("sent"), None) is None
    assert set(events.EVENT_TYPES) == {f"email.{s}" for s in (
        "sent", "delivered", "bounced", "complained", "failed", "expired", "suppressed",
        "superseded")}


def test_a_delivery_survives_the_queue_and_garbage_is_refused():
    item = events.delivery("crm", "evt_1", {"type": "email.sent", "data": {"message_id": "m"}})
    assert events.decode(events.encode(item)) == item
    for body in ("nope", "[]", '{"v": 2}', '{"v": 1, "endpoint": "x"}'):
        with pytest.raises(ValueError):
            events.decode(body)


class FakeStore:
    """The endpoints table in memory, as the sender uses it."""

    def __init__(self, **item):
        self.item = {"name": "crm", "url": "https://hooks.example.com/in", "enabled": True,
                     "secret": SPEC_SECRET, "failures": 0, "deliveries": {}, **item}

    def get(self, name):
        return json.loads(json.dumps(self.item)) if name == self.item["name"] else None

    def record(self, item, entry, delivered):
        self.item["deliveries"][entry["id"]] = entry
        self.item["failures"] = 0 if delivered else self.item["failures"] + 1
        return self.item["failures"]

    def disable(self, name, reason):
        was = self.item["enabled"]
        self.item.update(enabled=False, disabled_reason=reason)
        return was


class FakePoster:
    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = []

    def __call__(self, target, body, headers):
        self.calls.append((target, body, headers))
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def _sender(store, poster, disable_after=3, max_attempts=8):
    return WebhookSender(store, UrlPolicy(False, PUBLIC), poster,
                         BatchRunner(events.decode, report_partial=True), max_attempts,
                         disable_after, clock=lambda: 1_700_000_000.0)


def _delivery(webhook_id="evt_a", kind="email.sent"):
    return events.delivery("crm", webhook_id, {"type": kind, "data": {"message_id": "m-1"}})


def test_a_2xx_is_delivered_with_headers_that_verify():
    store, poster = FakeStore(), FakePoster(204)
    _sender(store, poster).deliver(_delivery())
    [(target, body, headers)] = poster.calls
    assert target.address == "93.184.216.34" and headers["webhook-id"] == "evt_a"
    key = base64.b64decode(SPEC_SECRET.removeprefix("whsec_"))
    signed = f"evt_a.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == f"v1,{expected}"
    assert store.item["deliveries"]["evt_a"]["status"] == "delivered"


def test_failed_attempts_retry_then_disable_the_endpoint_and_a_success_resets_the_count():
    store = FakeStore()
    sender = _sender(store, FakePoster(500, OSError("timed out"), 503), disable_after=3)
    for webhook_id in ("evt_a", "evt_b"):
        with pytest.raises(Retry):
            sender.deliver(_delivery(webhook_id))
    assert store.item["enabled"] is True and store.item["failures"] == 2
    assert store.item["deliveries"]["evt_b"]["status"] == "retrying"
    _sender(store, FakePoster(200)).deliver(_delivery("evt_c"))
    assert store.item["failures"] == 0
    for webhook_id in ("evt_d", "evt_e", "evt_f"):
        with pytest.raises(Retry):
            sender.deliver(_delivery(webhook_id))
    assert store.item["enabled"] is False
    assert "3 consecutive failed attempts" in store.item["disabled_reason"]
    # a delivery reaching the disabled endpoint is dropped; a test event still goes
    poster = FakePoster(200)
    _sender(store, poster).deliver(_delivery("evt_g"))
    assert poster.calls == [] and store.item["deliveries"]["evt_g"]["status"] == "failed"
    _sender(store, poster).deliver(_delivery("evt_t", kind=events.TEST_EVENT))
    assert len(poster.calls) == 1


def test_the_last_attempt_is_failed_and_a_refused_address_is_a_failed_attempt():
    store = FakeStore(url="https://rebind.example.com/")
    poster = FakePoster(200)
    sender = _sender(store, poster, disable_after=100, max_attempts=2)
    for status in ("retrying", "failed"):
        with pytest.raises(Retry, match="169.254.169.254"):
            sender.deliver(_delivery())
        assert store.item["deliveries"]["evt_a"]["status"] == status
    assert poster.calls == [] and store.item["deliveries"]["evt_a"]["attempts"] == 2
