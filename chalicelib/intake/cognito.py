"""Cognito's custom email sender: the `CustomEmailSender_*` triggers as Herald mail.

Cognito hands the mail over with the code (or temporary password) encrypted
by the AWS Encryption SDK under the stage's KMS key (not KMS Decrypt's own
format: aws-sdk-js-v3 #4768). The code is decrypted with the SDK, the
trigger picks a template by the stage's mapping, and the mail goes through
the accept path of POST /emails, so rate limits, suppression, idempotency
and the message log apply unchanged. Cognito may invoke the sender again for
the same mail (re-encrypted: new ciphertext, same code); the idempotency key
is a KMS MAC over the event's stable fields and the code, so a retry answers
like the first call and the code never sits in a key, a log line or an error.

The Encryption SDK and `cryptography` are imported inside the cipher's
methods: the API's cold start never loads them.
"""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Protocol

from chalicelib.errors import TooManyRequests, UndecryptableCode, Unprocessable
from chalicelib.platform import logs, redaction
from chalicelib.templating.model import LOCALE_PATTERN

TRIGGER_PREFIX = "CustomEmailSender_"
ACCOUNT_TAKE_OVER = "AccountTakeOverNotification"
ADMIN_CREATE_USER = "AdminCreateUser"
# trigger (without the prefix) -> starter template; a stage's mapping overrides any of them
DEFAULT_TEMPLATES: dict[str, str] = {
    "SignUp": "verify-email",
    "ResendCode": "verify-email",
    "VerifyUserAttribute": "verify-email",
    "UpdateUserAttribute": "verify-email",
    "Authentication": "otp-code",
    "ForgotPassword": "password-reset-code",
    ADMIN_CREATE_USER: "account-invite",
    ACCOUNT_TAKE_OVER: "login-alert",
}


def cognito_templates(overrides_json: str) -> dict[str, str]:
    """The stage's trigger -> template mapping: the defaults, then the JSON object
    of `HERALD_COGNITO_TEMPLATES` (keys with or without `CustomEmailSender_`)."""
    overrides = json.loads(overrides_json) if overrides_json.strip() else {}
    if not isinstance(overrides, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in overrides.items()):
        raise ValueError("HERALD_COGNITO_TEMPLATES must be a JSON object of trigger: template")
    return {**DEFAULT_TEMPLATES,
            **{key.removeprefix(TRIGGER_PREFIX): value for key, value in overrides.items()}}


class Acceptor(Protocol):
    def accept(self, raw_body: bytes, raw_key: str | None) -> dict[str, Any]: ...


class CodeCipher(Protocol):
    def decrypt(self, ciphertext_b64: str) -> str: ...


@dataclass(frozen=True)
class CognitoEvent:
    """The fields of a custom email sender event Herald reads."""

    trigger: str  # without the prefix
    pool_id: str
    user_name: str
    attributes: Mapping[str, str]
    code_ciphertext: str | None

    @classmethod
    def read(cls, event: Mapping[str, Any]) -> CognitoEvent:
        request = event.get("request") or {}
        attributes = request.get("userAttributes") or {}
        return cls(trigger=str(event.get("triggerSource", "")).removeprefix(TRIGGER_PREFIX),
                   pool_id=str(event.get("userPoolId", "")),
                   user_name=str(event.get("userName", "")),
                   attributes={str(k): str(v) for k, v in attributes.items()},
                   code_ciphertext=request.get("code"))


class CognitoEmailSender:
    """Turns one custom email sender invocation into one accepted mail."""

    def __init__(self, producer: Acceptor, cipher: CodeCipher, mac: Callable[[bytes], str],
                 templates: Mapping[str, str]) -> None:
        self.producer = producer
        self.cipher = cipher
        self.mac = mac
        self.templates = templates

    def handle(self, raw_event: Mapping[str, Any]) -> dict[str, Any] | None:
        """The accept answer, or None when there is nothing to send. Raises when
        the code cannot be decrypted (the invocation fails and Cognito reports it)."""
        event = CognitoEvent.read(raw_event)
        with logs.bind(cognito_trigger=event.trigger, user_pool=event.pool_id):
            template = self.templates.get(event.trigger)
            if template is None:
                # a new trigger Cognito may add: retrying cannot help, failing would
                # break the user's sign-in flow; the operator sees it in the log
                logs.warning("cognito trigger not mapped to a template; nothing sent")
                return None
            to = event.attributes.get("email")
            if not to:
                logs.warning("cognito event without an email attribute; nothing sent")
                return None
            code = self._code(event)
            with redaction.guarding({code} if code else set()):
                return self._send(event, template, to, code)

    def _code(self, event: CognitoEvent) -> str | None:
        if event.trigger == ACCOUNT_TAKE_OVER:
            return None  # a notice: Cognito sends no code
        if not event.code_ciphertext:
            logs.error("cognito code not decrypted", reason="request.code is missing")
            raise UndecryptableCode("request.code is missing", field="request.code")
        return self.cipher.decrypt(event.code_ciphertext)

    def _send(self, event: CognitoEvent, template: str, to: str,
              code: str | None) -> dict[str, Any] | None:
        body: dict[str, Any] = {"to": to, "template": template,
                                "variables": variables(event, code)}
        locale = event.attributes.get("locale", "").replace("_", "-")
        if LOCALE_PATTERN.match(locale):
            body["locale"] = locale
        raw = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        try:
            accepted = self.producer.accept(raw, self.idempotency_key(event, code))
        except (TooManyRequests, Unprocessable) as refused:
            if isinstance(refused, Unprocessable) and refused.code != "suppressed":
                raise  # a template that does not fit the mapping: the operator must see it
            # refused by policy (suppressed, or over the hourly limit): a retry changes nothing
            logs.warning("cognito mail refused", template=template, reason=refused.code)
            return None
        logs.info("cognito mail accepted", template=template,
                  message_id=accepted["message_id"], replayed=bool(accepted.get("replayed")))
        return accepted

    def idempotency_key(self, event: CognitoEvent, code: str | None) -> str | None:
        """Stable across Cognito's retries of one mail; a new code is a new mail.
        The code enters only the KMS MAC, never the key itself."""
        secret = code if code is not None else event.attributes.get("EVENT_ID")
        if not secret:
            return None
        fields = "\n".join((event.pool_id, event.user_name, event.trigger, secret))
        return "cognito:" + self.mac(fields.encode())


def variables(event: CognitoEvent, code: str | None) -> dict[str, Any]:
    """A trigger's template variables: the code and the user's name; the
    account-takeover notice's sign-in details instead of a code."""
    attributes = event.attributes
    found: dict[str, Any] = {}
    name = attributes.get("given_name") or attributes.get("name")
    if name:
        found["user_name"] = name
    if event.trigger == ACCOUNT_TAKE_OVER:
        where = ", ".join(p for p in (attributes.get("CITY"), attributes.get("COUNTRY")) if p)
        found.update({"device": attributes.get("DEVICE_NAME") or "an unknown device",
                      "ip_address": attributes.get("IP_ADDRESS", ""),
                      "time": attributes.get("LOGIN_TIME", ""),
                      "secure_account_link": attributes.get("ONE_CLICK_LINK_INVALID", "")})
        if where:
            found["location"] = where
        return found
    found["code"] = code
    if event.trigger == ADMIN_CREATE_USER:
        found["username"] = event.user_name
    return found


class KmsCodeCipher:
    """The Encryption SDK with a strict KMS provider for the stage's key only, and
    the commitment policy of AWS's Cognito example (REQUIRE_ENCRYPT_ALLOW_DECRYPT:
    Cognito's messages are key-committing, `AgV4...`; older ones still decrypt)."""

    def __init__(self, key_arn: str, botocore_session: Any = None) -> None:
        self.key_arn = key_arn
        self.botocore_session = botocore_session
        self._parts: tuple[Any, Any] | None = None

    def _sdk(self) -> tuple[Any, Any]:
        """The SDK client and key provider, built on the first code (cold start)."""
        if self._parts is None:
            import aws_encryption_sdk
            from aws_encryption_sdk import CommitmentPolicy

            client = aws_encryption_sdk.EncryptionSDKClient(
                commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT)
            options: dict[str, Any] = {"key_ids": [self.key_arn]}
            if self.botocore_session is not None:
                options["botocore_session"] = self.botocore_session
            self._parts = client, aws_encryption_sdk.StrictAwsKmsMasterKeyProvider(**options)
        return self._parts

    def decrypt(self, ciphertext_b64: str) -> str:
        """The plaintext code; UndecryptableCode (saying why, never the ciphertext)."""
        try:
            blob = base64.b64decode(ciphertext_b64, validate=True)
        except (binascii.Error, ValueError, TypeError):
            raise _undecryptable("request.code is not base64") from None
        client, provider = self._sdk()
        try:
            plaintext, _header = client.decrypt(source=blob, key_provider=provider)
            return plaintext.decode("utf-8")
        except Exception as exc:  # noqa: BLE001 - every SDK, KMS or UTF-8 failure alike
            raise _undecryptable(_reason(exc)) from None


def _reason(exc: Exception) -> str:
    """Why decryption failed, in words that carry no part of the message."""
    from botocore.exceptions import ClientError

    if isinstance(exc, ClientError):
        return f"KMS refused: {exc.response.get('Error', {}).get('Code', 'unknown')}"
    if isinstance(exc, UnicodeDecodeError):
        return "the decrypted code is not UTF-8"
    return (f"the Encryption SDK refused the message ({type(exc).__name__}): not encrypted "
            "for this stage's KMS key, tampered with, or not Cognito's format")


def _undecryptable(reason: str) -> UndecryptableCode:
    logs.error("cognito code not decrypted", reason=reason)
    return UndecryptableCode(f"request.code could not be decrypted: {reason}",
                             field="request.code")


class KmsMac:
    """HMAC-SHA-256 by a KMS HMAC key: the key never leaves KMS, so a stored MAC of
    a 6-digit code cannot be reversed by trying every code."""

    def __init__(self, kms: Any, key_id: str) -> None:
        self.kms = kms
        self.key_id = key_id

    def __call__(self, message: bytes) -> str:
        mac = self.kms.generate_mac(KeyId=self.key_id, Message=message,
                                    MacAlgorithm="HMAC_SHA_256")["Mac"]
        return mac.hex()
