"""Small builders shared by the tests."""
from __future__ import annotations

import json
from typing import Any

OTP = {
    "subject": "Your code for {{ product }}",
    "html": "<p>Hello {{ name }}, your code is <b>{{ code }}</b></p>",
    "category": "auth",
    "description": "one-time code",
    "variables": {"code": {"required": True, "secret": True, "sample": "123456"},
                  "name": {"required": True, "sample": "Ana"},
                  "product": {"required": False, "default": "Herald"}},
}


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
