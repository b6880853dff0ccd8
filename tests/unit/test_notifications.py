"""Which channels of a notification go out: preferences on, off or absent (the type's
default), auth never blocked, no address or template skipped; and the notifier hands each
remaining channel to the accept path with its own key and the topic's dispatch, with fakes."""
from __future__ import annotations

import json

import pytest

from chalicelib.errors import BadRequest, NotFound, Unprocessable
from chalicelib.notifications.channels import Delivery, channel_enabled, plan_deliveries
from chalicelib.notifications.notifier import Notifier, channel_key
from chalicelib.notifications.profiles import parse_user

NEWS = {"name": "news", "category": "notification",
        "channels": {"email": {"template": "news"}, "sms": {"template": "news-sms"}},
        "defaults": {"email": True, "sms": False}}
CODE = {**NEWS, "name": "code", "category": "auth"}
ANA = {"user_id": "u-1", "email": "ana@example.com", "phone": "+14155550100", "locale": "pt"}


@pytest.mark.parametrize("stored, channel, enabled", [
    ({}, "email", True),                              # absent: the default (on)
    ({}, "sms", False),                               # absent: the default (off)
    ({"news": {"email": False}}, "email", False),     # turned off
    ({"news": {"sms": True}}, "sms", True),           # turned on against the default
    ({"other": {"email": False}}, "email", True),     # another type's choice
])
def test_a_stored_state_wins_over_the_types_default(stored, channel, enabled):
    assert channel_enabled(NEWS, stored, channel) is enabled


def test_auth_is_never_blocked_by_preferences_or_defaults():
    stored = {"code": {"email": False, "sms": False}}
    assert channel_enabled(CODE, stored, "email") and channel_enabled(CODE, stored, "sms")


def test_a_type_without_defaults_is_on():
    assert channel_enabled({"name": "x", "category": "notification"}, {}, "sms")


def test_each_requested_channel_is_planned_or_skipped_with_its_reason():
    email_only = {**NEWS, "channels": {"email": {"template": "news"}}}
    assert plan_deliveries(ANA, email_only, {}, ["email", "sms"]) == [
        Delivery("email", "ana@example.com", "news"), Delivery("sms", skipped="no_template")]
    no_phone = {**ANA, "phone": None}
    assert plan_deliveries(no_phone, NEWS, {"news": {"sms": True}}, ["sms"]) == [
        Delivery("sms", skipped="no_address")]
    assert plan_deliveries(ANA, NEWS, {"news": {"email": False}}, ["email", "sms"]) == [
        Delivery("email", skipped="turned_off"), Delivery("sms", skipped="turned_off")]


class _Record:
    def __init__(self, found):
        self.found = found

    def get(self, key):
        return self.found.get(key)


class _Preferences:
    def __init__(self, stored):
        self.stored = stored

    def get_all(self, user_id):
        return self.stored.get(user_id, {})


class _Accept:
    """The accept path: remembers each call; `refuse` raises for a channel."""

    def __init__(self, refuse=None):
        self.calls = []
        self.audiences = []
        self.refuse = refuse or {}

    def __call__(self, raw_body, key, channel, dispatch, audience):
        if channel in self.refuse:
            raise self.refuse[channel]
        self.calls.append((json.loads(raw_body), key, channel, dispatch))
        self.audiences.append(audience)
        return {"message_id": f"m-{channel}", "status": "queued"}


def _notifier(accept, stored=None, dispatch=print):
    return Notifier(_Record({"u-1": ANA}), _Preferences(stored or {}),
                    _Record({"news": NEWS, "code": CODE}), accept, dispatch, 10_000)


def _raw(**body):
    return json.dumps({"user_id": "u-1", "notification": "news", "variables": {"n": 1},
                       **body}).encode()


def test_each_channel_goes_through_the_accept_path_with_its_key_and_the_dispatch():
    accept = _Accept()
    answer = _notifier(accept, {"u-1": {"news": {"sms": True}}}).send(_raw(), "k-1")
    assert answer["deliveries"] == [
        {"channel": "email", "status": "queued", "message_id": "m-email"},
        {"channel": "sms", "status": "queued", "message_id": "m-sms"}]
    (email, email_key, _, dispatch), (sms, sms_key, _, _) = accept.calls
    assert email == {"to": "ana@example.com", "template": "news", "variables": {"n": 1},
                     "locale": "pt"}
    assert sms["to"] == "+14155550100" and sms["template"] == "news-sms"
    assert email_key == channel_key("k-1", "email") != sms_key == channel_key("k-1", "sms")
    assert dispatch is print
    again = _notifier(_Accept()).send(_raw(), "k-1")
    assert again["notification_id"] == answer["notification_id"]


def test_a_suppressed_address_is_skipped_other_refusals_are_the_callers():
    suppressed = Unprocessable("suppressed", field="to", code="suppressed")
    answer = _notifier(_Accept({"email": suppressed})).send(_raw(channels=["email"]), None)
    assert answer["deliveries"] == [{"channel": "email", "status": "skipped",
                                     "reason": "suppressed"}]
    with pytest.raises(Unprocessable):
        _notifier(_Accept({"email": Unprocessable("render", field="variables")})).send(
            _raw(channels=["email"]), None)


@pytest.mark.parametrize("raw, error, field", [
    (_raw(user_id="nobody"), NotFound, "user_id"),
    (_raw(notification="nope"), NotFound, "notification"),
    (_raw(channels=["email", "email"]), BadRequest, "channels"),
    (_raw(channels="email"), BadRequest, "channels"),
    (_raw(user_id="a b"), BadRequest, "user_id"),
    (b"[]", BadRequest, "body"),
])
def test_bad_input_names_the_field_before_anything_is_accepted(raw, error, field):
    accept = _Accept()
    with pytest.raises(error) as raised:
        _notifier(accept).send(raw, None)
    assert raised.value.field == field and accept.calls == []


@pytest.mark.parametrize("phone", ["+14155550100", "+4930123456", "+861012345678901"])
def test_e164_phones_are_accepted(phone):
    assert parse_user({"phone": phone}) == {"phone": phone}


@pytest.mark.parametrize("phone", ["14155550100", "+0415555010", "+1415555", "+1234567890123456",
                                   "+1 415 555 0100", 14155550100])
def test_other_phones_are_refused_naming_the_field(phone):
    with pytest.raises(BadRequest) as raised:
        parse_user({"phone": phone})
    assert raised.value.field == "phone"
