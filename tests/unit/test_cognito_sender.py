"""Cognito's custom email sender with fakes: which template each trigger sends,
with which variables, and an idempotency key that never holds the code."""
from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from chalicelib.errors import TooManyRequests, UndecryptableCode, Unprocessable
from chalicelib.intake.cognito import DEFAULT_TEMPLATES, CognitoEmailSender, cognito_templates

CODE = "482913"


class FakeProducer:
    def __init__(self, refuse: Exception | None = None) -> None:
        self.accepted: list[tuple[dict, str | None]] = []
        self.refuse = refuse

    def accept(self, raw_body: bytes, raw_key: str | None) -> dict:
        if self.refuse:
            raise self.refuse
        self.accepted.append((json.loads(raw_body), raw_key))
        return {"message_id": f"m-{len(self.accepted)}", "status": "queued"}


class FakeCipher:
    """'enc:<code>' decrypts to <code>; anything else is refused like a tampered message."""

    def decrypt(self, ciphertext_b64: str) -> str:
        if not ciphertext_b64.startswith("enc:"):
            raise UndecryptableCode("request.code could not be decrypted")
        return ciphertext_b64.removeprefix("enc:")


def fake_mac(message: bytes) -> str:
    return hmac.new(b"stage-secret", message, hashlib.sha256).hexdigest()


def event(trigger: str = "SignUp", code: str | None = "enc:" + CODE, **attributes: str) -> dict:
    return {"version": "1", "triggerSource": f"CustomEmailSender_{trigger}",
            "region": "us-east-1", "userPoolId": "us-east-1_pool", "userName": "ana-123",
            "callerContext": {"awsSdkVersion": "aws-sdk-unknown", "clientId": "client"},
            "request": {"type": "customEmailSenderRequestV1", "code": code,
                        "clientMetadata": {},
                        "userAttributes": {"email": "ana@example.com", **attributes}}}


def sender(producer: FakeProducer, templates: dict | None = None) -> CognitoEmailSender:
    return CognitoEmailSender(producer, FakeCipher(), fake_mac, templates or DEFAULT_TEMPLATES)


@pytest.mark.parametrize(("trigger", "template"), [
    ("SignUp", "verify-email"), ("ResendCode", "verify-email"),
    ("VerifyUserAttribute", "verify-email"), ("UpdateUserAttribute", "verify-email"),
    ("Authentication", "otp-code"), ("ForgotPassword", "password-reset-code"),
])
def test_each_code_trigger_sends_its_template_with_the_decrypted_code(trigger, template):
    producer = FakeProducer()
    sender(producer).handle(event(trigger, name="Ana", locale="pt_BR"))
    [(body, _key)] = producer.accepted
    assert body == {"to": "ana@example.com", "template": template, "locale": "pt-BR",
                    "variables": {"code": CODE, "user_name": "Ana"}}


def test_an_invite_carries_the_temporary_password_and_the_sign_in_name():
    producer = FakeProducer()
    sender(producer).handle(event("AdminCreateUser"))
    [(body, _key)] = producer.accepted
    assert body["template"] == "account-invite"
    assert body["variables"] == {"code": CODE, "username": "ana-123"}


def test_an_account_takeover_notice_has_no_code_and_fills_the_login_alert():
    producer = FakeProducer()
    sender(producer).handle(event(
        "AccountTakeOverNotification", code=None, EVENT_ID="ev-1", IP_ADDRESS="203.0.113.7",
        DEVICE_NAME="Firefox", LOGIN_TIME="2026-11-30 10:00 UTC", CITY="Lisbon",
        COUNTRY="Portugal", ONE_CLICK_LINK_INVALID="https://pool.example/ato?no"))
    [(body, key)] = producer.accepted
    assert body["template"] == "login-alert"
    assert body["variables"] == {
        "device": "Firefox", "ip_address": "203.0.113.7", "time": "2026-11-30 10:00 UTC",
        "location": "Lisbon, Portugal", "secure_account_link": "https://pool.example/ato?no"}
    assert key is not None


def test_the_idempotency_key_is_the_same_for_a_retry_and_never_holds_the_code():
    producer = FakeProducer()
    sender(producer).handle(event())
    sender(producer).handle(event())  # Cognito again: re-encrypted, same code
    sender(producer).handle(event(code="enc:777111"))  # a new code is a new mail
    first, retry, new = (key for _body, key in producer.accepted)
    assert first == retry != new
    unkeyed = hashlib.sha256(CODE.encode()).hexdigest()
    assert CODE not in first and unkeyed not in first


def test_the_mapping_in_config_overrides_the_defaults_with_or_without_the_prefix():
    mapping = cognito_templates('{"CustomEmailSender_SignUp": "welcome-code", '
                                '"ForgotPassword": "otp-code"}')
    assert mapping["SignUp"] == "welcome-code" and mapping["ForgotPassword"] == "otp-code"
    assert mapping["Authentication"] == "otp-code"
    with pytest.raises(ValueError, match="JSON object"):
        cognito_templates('["SignUp"]')


def test_an_unmapped_trigger_or_a_user_without_email_sends_nothing_and_does_not_fail():
    producer = FakeProducer()
    assert sender(producer).handle(event("SomethingNew")) is None
    no_email = event()
    no_email["request"]["userAttributes"] = {"phone_number": "+351900000000"}
    assert sender(producer).handle(no_email) is None
    assert producer.accepted == []


def test_an_undecryptable_or_missing_code_fails_the_invocation():
    producer = FakeProducer()
    with pytest.raises(UndecryptableCode):
        sender(producer).handle(event(code="tampered"))
    with pytest.raises(UndecryptableCode):
        sender(producer).handle(event(code=None))
    assert producer.accepted == []


def test_a_suppressed_or_rate_limited_recipient_is_refused_quietly_a_bad_template_is_not():
    for refusal in (Unprocessable("suppressed", code="suppressed"),
                    TooManyRequests("too many", retry_after_s=60)):
        assert sender(FakeProducer(refuse=refusal)).handle(event()) is None
    with pytest.raises(Unprocessable):
        sender(FakeProducer(refuse=Unprocessable("no template", code="unknown_template"))
               ).handle(event())


def test_logs_name_the_trigger_but_never_the_code(capsys):
    sender(FakeProducer()).handle(event(name="Ana"))
    with pytest.raises(UndecryptableCode):
        sender(FakeProducer()).handle(event(code="tampered"))
    out = capsys.readouterr().out
    assert "SignUp" in out and CODE not in out and "tampered" not in out
