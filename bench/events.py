"""Lambda-shaped events, so handlers are driven exactly as AWS drives them
(no test client in the way, nothing extra imported in a measured process)."""
from __future__ import annotations

import json
from typing import Any

OTP_VARIABLES = {"code": "482913", "user_name": "Ana"}


def send_body(index: int, template: str = "otp-code") -> bytes:
    """A POST /emails body; a distinct recipient each time keeps under the
    per-address auth limit, a distinct code keeps renders honest."""
    return json.dumps({"to": f"user{index}@example.com", "template": template,
                       "variables": {**OTP_VARIABLES, "code": f"{index % 1_000_000:06d}"}},
                      separators=(",", ":")).encode()


def api_event(method: str, path: str, body: bytes | None = None,
              headers: dict[str, str] | None = None) -> dict[str, Any]:
    """An API Gateway (REST, proxy) event for a route without path parameters."""
    return {
        "resource": path, "path": path, "httpMethod": method,
        "headers": {"content-type": "application/json", **(headers or {})},
        "multiValueHeaders": {}, "queryStringParameters": None,
        "multiValueQueryStringParameters": None, "pathParameters": None,
        "stageVariables": None, "isBase64Encoded": False,
        "body": body.decode() if body is not None else None,
        "requestContext": {"resourcePath": path, "httpMethod": method, "stage": "api",
                           "identity": {"sourceIp": "127.0.0.1"}, "requestId": "bench"},
    }


class LambdaContext:
    """The few attributes handlers read from Lambda's context object."""

    function_name = "herald-bench"
    aws_request_id = "bench"
    memory_limit_in_mb = 256

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 10_000
