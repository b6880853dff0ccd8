"""Small builders shared by the tests."""
from __future__ import annotations

import json
from typing import Any

from chalicelib.templating.model import parse_template
from chalicelib.templating.renderer import CompiledTemplate, RenderLimits
from infra import users
from infra.outputs import EXTRA_OUTPUTS, STAGE_ENV

ALARM = "herald-dev-DeadLetterAlarm"
# A stack's outputs as CloudFormation returns them, each value naming its output.
STACK_OUTPUTS = {name: f"value-of-{name}" for name in
                 [row.output for row in STAGE_ENV] + list(EXTRA_OUTPUTS)
                 + [users.STREAM_OUTPUT, users.FAILURE_QUEUE_OUTPUT, users.TABLE_OUTPUT]}
OTP = {
    "subject": "Your code for {{ product }}",
    "html": "<p>Hello {{ name }}, your code is <b>{{ code }}</b></p>",
    "category": "auth",
    "description": "one-time code",
    "variables": {"code": {"required": True, "secret": True, "sample": "123456"},
                  "name": {"required": True, "sample": "Ana"},
                  "product": {"required": False, "default": "Herald"}},
}


def compiled_html(html: str, limits: RenderLimits | None = None) -> CompiledTemplate:
    """A template of `html` alone, compiled as the renderer holds it."""
    return CompiledTemplate(parse_template("t", {"subject": "s", "html": html}), "v1", {},
                            limits or RenderLimits())


def herald_app() -> Any:
    """Herald's Chalice app, imported on first use (that builds every route)."""
    import app

    return app.app


def routes() -> list[tuple[str, str, Any]]:
    """(path, method, route entry) of every route of Herald's app."""
    return [(path, method, entry) for path, methods in herald_app().routes.items()
            for method, entry in methods.items()]


def alarm_change(state: str, name: str = ALARM) -> str:
    """A CloudWatch alarm's state change, as SNS hands it to forward_alarm."""
    return json.dumps({"AlarmName": name, "NewStateValue": state,
                       "NewStateReason": "Threshold Crossed: 1 datapoint [2.0] >= 1.0",
                       "AlarmDescription": "Mail waits in the DLQ",
                       "StateChangeTime": "2026-11-29T10:00:00.000+0000"})


def herald_send_body(**changes: Any) -> str:
    """A queued send message as a DLQ holds it (secret `code`), with `changes` on top."""
    send_body = {"v": 1, "message_id": "m-odd", "to": "u@example.com", "template": "otp",
                 "version": "v1", "locale": "en", "variables": {"code": "SECRET-4242"},
                 "secret": ["code"], "enqueued_at": 1_700_000_000_000, "expires_at": None}
    return json.dumps({**send_body, **changes})


def put_template(client: Any, name: str, body: dict[str, Any]) -> Any:
    return client.http.put(f"/templates/{name}", body=json.dumps(body),
                           headers={"Content-Type": "application/json"})


def post(client: Any, path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
    raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.http.post(path, body=raw,
                            headers={"Content-Type": "application/json", **(headers or {})})


def send(client: Any, to: str = "user@example.com", template: str = "otp",
         variables: dict[str, Any] | None = None, **extra: Any) -> Any:
    headers = extra.pop("headers", None)
    body = {"to": to, "template": template,
            "variables": variables if variables is not None else {"code": "987654", "name": "Bo"},
            **extra}
    return post(client, "/emails", body, headers)


def body(response: Any) -> Any:
    return json.loads(response.body) if response.body else None


def receive_event(sqs: Any, queue_url: str, max_messages: int = 10) -> dict[str, Any]:
    """Receive from the emulated queue and shape it as Lambda's SQS event."""
    from local_stack.sqs_events import lambda_event

    response = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=max_messages,
                                   AttributeNames=["All"], WaitTimeSeconds=0)
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    return lambda_event(response.get("Messages", []), arn, "us-east-1")


def consume(client: Any, event: dict[str, Any]) -> Any:
    """Run the real SQS handler on `event`; returns the handler's payload."""
    return client.lambda_.invoke("consume_send_queue", event).payload


def sent_mail() -> list:
    """Raw messages the emulated SES (moto) accepted, oldest first."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return list(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages)


USERS_STREAM_ARN = ("arn:aws:dynamodb:us-east-1:123456789012:table/herald-dev-users/"
                    "stream/2026-01-01T00:00:00.000")


def stream_record(event_name: str, item: dict[str, Any], sequence: str = "100",
                  old: dict[str, Any] | None = None,
                  stream_arn: str = USERS_STREAM_ARN) -> dict[str, Any]:
    """One record of Lambda's DynamoDB stream event for the users table (key `user_id`):
    `item` is the new image (the old one for a REMOVE), plain values."""
    from chalicelib.platform.dynamo import to_item

    change: dict[str, Any] = {
        "ApproximateCreationDateTime": 1767225600, "Keys": to_item({"user_id": item["user_id"]}),
        "SequenceNumber": sequence, "SizeBytes": 100, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    if event_name == "REMOVE":
        change["OldImage"] = to_item(item)
    else:
        change["NewImage"] = to_item(item)
        if old is not None:
            change["OldImage"] = to_item(old)
    return {"eventID": f"event-{sequence}", "eventName": event_name, "eventVersion": "1.1",
            "eventSource": "aws:dynamodb", "awsRegion": "us-east-1", "dynamodb": change,
            "eventSourceARN": stream_arn}


# A starter's stand-in for hook tests: a code alone (otp-code, verification-code)
CODE_ONLY = {"subject": "Your code", "html": "<p>Your code is <b>{{ code }}</b></p>",
             "category": "auth",
             "variables": {"code": {"required": True, "secret": True, "sample": "123456"}}}
HOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # Standard Webhooks' test vector key


def put_hook_secret(source: str, value: str = HOOK_SECRET, stage: str = "dev") -> None:
    """The source's signing secret where the API reads it (emulated SSM)."""
    import boto3

    boto3.client("ssm").put_parameter(Name=f"/herald/{stage}/hooks/{source}", Value=value,
                                      Type="SecureString", Overwrite=True)


def post_hook(client: Any, source: str, event: Any, webhook_id: str = "msg_1",
              secret: str = HOOK_SECRET, at: int | None = None,
              prefix: str = "webhook-") -> Any:
    """POST /hooks/{source} signed as Standard Webhooks (prefix `svix-` for Clerk)."""
    import time

    from chalicelib.intake.signatures import decode_secret, sign

    raw = json.dumps(event).encode()
    at = int(time.time()) if at is None else at
    return client.http.post(f"/hooks/{source}", body=raw, headers={
        "Content-Type": "application/json", f"{prefix}id": webhook_id,
        f"{prefix}timestamp": str(at),
        f"{prefix}signature": sign(decode_secret(secret), webhook_id, at, raw)})
