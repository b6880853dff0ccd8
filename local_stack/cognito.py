"""`POST /_local/cognito`: what Cognito does before it invokes the custom email
sender, done locally: the plaintext code is encrypted with the Encryption SDK
under the local KMS key, wrapped in a `CustomEmailSender_*` event, and handed
to the real `cognito_email_sender` handler."""
from __future__ import annotations

import base64
import uuid
from types import SimpleNamespace
from typing import Any, Callable, Mapping

from chalicelib.errors import BadRequest
from chalicelib.intake.cognito import ACCOUNT_TAKE_OVER, TRIGGER_PREFIX
from chalicelib.platform.settings import Settings

LOCAL_POOL_ID = "us-east-1_HeraldLocal"


def cognito_event(body: Mapping[str, Any], settings: Settings,
                  encrypt: Callable[[str], str]) -> dict[str, Any]:
    """The event Cognito would send for `{"triggerSource", "userAttributes", "code",
    "userName"?, "clientMetadata"?}`; BadRequest naming a missing or wrong field."""
    trigger = body.get("triggerSource")
    if not isinstance(trigger, str) or not trigger:
        raise BadRequest("triggerSource is required (e.g. CustomEmailSender_SignUp)",
                         field="triggerSource")
    attributes = body.get("userAttributes")
    if not isinstance(attributes, dict):
        raise BadRequest('userAttributes must be an object (e.g. {"email": ...})',
                         field="userAttributes")
    trigger = TRIGGER_PREFIX + trigger.removeprefix(TRIGGER_PREFIX)
    code = body.get("code")
    if code is None and trigger != TRIGGER_PREFIX + ACCOUNT_TAKE_OVER:
        raise BadRequest("code is required for this trigger", field="code")
    return {
        "version": "1", "triggerSource": trigger, "region": settings.region,
        "userPoolId": LOCAL_POOL_ID, "userName": str(body.get("userName") or uuid.uuid4()),
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown",
                          "clientId": "CLIENT_ID_NOT_APPLICABLE"},
        "request": {"type": "customEmailSenderRequestV1",
                    "code": None if code is None else encrypt(str(code)),
                    "clientMetadata": body.get("clientMetadata") or {},
                    "userAttributes": attributes},
        "response": {},
    }


def encrypt_as_cognito(key_arn: str, code: str) -> str:
    """`code` as Cognito sends it: base64 of an Encryption SDK message under `key_arn`,
    with the SDK's default committing, signed suite (Cognito's start `AgV4`)."""
    import aws_encryption_sdk
    from aws_encryption_sdk import CommitmentPolicy

    client = aws_encryption_sdk.EncryptionSDKClient(
        commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)
    provider = aws_encryption_sdk.StrictAwsKmsMasterKeyProvider(key_ids=[key_arn])
    blob, _header = client.encrypt(source=code.encode(), key_provider=provider)
    return base64.b64encode(blob).decode("ascii")


def invoke_sender(body: Mapping[str, Any], settings: Settings,
                  handler: Callable[[dict[str, Any], Any], Any]) -> Any:
    """Encrypt as Cognito does and call `handler` (the Lambda function) with a context."""
    event = cognito_event(body, settings,
                          lambda code: encrypt_as_cognito(settings.cognito_key_arn, code))
    return handler(event, SimpleNamespace(aws_request_id=str(uuid.uuid4())))
