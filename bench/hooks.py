"""botocore event hooks the benchmarks attach to Herald's shared session:
count calls, slow SES down, or stand in for SES with a sending quota.

Hooks are registered before Herald creates its clients (each client copies
the session's handlers when it is built).
"""
from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from typing import Any


def herald_events() -> Any:
    """The event system of the session every Herald client is created from."""
    from chalicelib.platform import aws

    return aws.session().events


class CallCounter:
    """Counts AWS API calls as `service.Operation` (a `before-call` hook)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def attach(self) -> CallCounter:
        herald_events().register("before-call", self)
        return self

    def __call__(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.counts[f"{model.service_model.service_name}.{model.name}"] += 1

    def take(self) -> Counter[str]:
        """The counts so far; starts counting afresh."""
        with self._lock:
            counts, self.counts = self.counts, Counter()
        return counts


class SlowSes:
    """SES whose every send takes `seconds`, answered in place of the emulator:
    moto's single process would serialise concurrent sends (it parses each MIME
    message), which real SES does not."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def attach(self) -> SlowSes:
        herald_events().register("before-call.sesv2.SendEmail", self)
        return self

    def __call__(self, **_: Any) -> tuple[Any, dict[str, Any]]:
        time.sleep(self.seconds)
        return _response(200), {"MessageId": str(uuid.uuid4())}


def _response(status: int) -> Any:
    from botocore.awsrequest import AWSResponse

    return AWSResponse("https://email.us-east-1.amazonaws.com/", status, {}, None)


class SimulatedSes:
    """SES with a sending quota: a token bucket of `rate` sends/s (one second of
    burst) that answers Throttling above it. Answers in place of the real
    call and records which Herald message each accepted send carried."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.tokens = float(rate)
        self.updated = time.monotonic()
        self.accepted: list[tuple[float, str]] = []  # (time, Herald message id)
        self.throttled = 0
        self._lock = threading.Lock()

    def attach(self) -> SimulatedSes:
        herald_events().register("before-call.sesv2.SendEmail", self)
        return self

    def __call__(self, params: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]]:
        with self._lock:
            now = time.monotonic()
            self.tokens = min(self.rate, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens < 1:
                self.throttled += 1
                return _response(400), {"Error": {"Code": "Throttling",
                                                  "Message": "Maximum sending rate exceeded."}}
            self.tokens -= 1
            self.accepted.append((now, _herald_id(params)))
        return _response(200), {"MessageId": str(uuid.uuid4())}


def _herald_id(params: dict[str, Any]) -> str:
    """The herald_message_id tag of a serialised SendEmail request."""
    body = json.loads(params["body"])
    return next(tag["Value"] for tag in body.get("EmailTags", [])
                if tag["Name"] == "herald_message_id")
