"""Faults at Herald's AWS calls, through botocore event hooks on its shared session.

Each Herald "process" (one API request, one consumer or feedback invocation,
one reconciler run) runs inside `running(Process(...))`; a rule picks calls by
`service.Operation`, process kind and a predicate on the request, and injects:

- `throttle` / `error`: an error response (botocore's retry logic sees it);
- `connect`: EndpointConnectionError before the request is sent;
- `lost_response`: the request is performed for real against the emulator,
  then ReadTimeoutError: the call took effect, its answer was lost, and the
  SDK resends it as it would;
- `slow`: the answer takes `seconds` (beyond the client's read timeout it
  took effect and then times out, as the SDK would see it);
- `crash`: after the call succeeded, the process dies (`Crash`, a
  BaseException no handler catches); every later call of that process raises
  `Crash` too, so a crash is as abrupt as a dead Lambda.

Hooks are registered before Herald builds its clients (each client copies the
session's handlers). Worker threads of an invocation belong to it when they
run in a copy of its context (the consumer's pool uses contextvars.copy_context).
"""
from __future__ import annotations

import contextlib
import contextvars
import json
import random
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import urllib3
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError, ReadTimeoutError

FAULTS = ("throttle", "error", "connect", "lost_response", "slow", "crash")


class Crash(BaseException):  # noqa: N818 - it is not an error: the process is gone
    """The process died here; nothing of Herald may catch it."""


@dataclass
class Process:
    """One invocation of a Herald function (or one API request)."""

    kind: str  # api, consumer, feedback, reconciler
    dead: bool = False
    crashed_at: str = ""
    sent: list[str] = field(default_factory=list)  # Herald ids SES accepted from it


_current: contextvars.ContextVar[Process | None] = contextvars.ContextVar(
    "herald_fault_process", default=None)


@contextlib.contextmanager
def running(process: Process) -> Iterator[Process]:
    token = _current.set(process)
    try:
        yield process
    finally:
        _current.reset(token)


@dataclass(frozen=True)
class Call:
    """What a rule's predicate sees of one AWS call."""

    service: str
    operation: str
    body: Any  # the request's JSON as a dict (None for non-JSON protocols)
    process: Process | None

    @property
    def name(self) -> str:
        return f"{self.service}.{self.operation}"


Predicate = Callable[[Call], bool]


@dataclass
class Rule:
    fault: str
    operation: str = "*"  # "dynamodb.TransactWriteItems", "sesv2.*", "*"
    process: str = "*"  # a Process.kind or "*"
    when: Predicate | None = None
    probability: float = 1.0
    times: int | None = None  # at most this many injections
    seconds: float = 0.0  # for `slow`
    injected: int = 0

    def __post_init__(self) -> None:
        if self.fault not in FAULTS:
            raise ValueError(f"unknown fault {self.fault!r}; one of {FAULTS}")

    def matches(self, call: Call) -> bool:
        service, _, operation = self.operation.partition(".")
        return ((service in ("*", call.service)) and (operation in ("", "*", call.operation))
                and (self.process == "*" or (call.process is not None
                                             and call.process.kind == self.process))
                and (self.times is None or self.injected < self.times)
                and (self.when is None or self.when(call)))


# -- predicates on the request --------------------------------------------------

_ASSIGNMENT = re.compile(r"(#\w+|\bstatus\b)\s*=\s*(:\w+)")


def _writes(body: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """(kind, operation) of each write in a DynamoDB request body."""
    if not isinstance(body, dict):
        return
    if "TransactItems" in body:
        for item in body["TransactItems"]:
            yield from item.items()
    elif "Item" in body:
        yield "Put", body
    elif "UpdateExpression" in body:
        yield "Update", body


def sets_status(status: str, table: str | None = None) -> Predicate:
    """A DynamoDB write that moves a message-log item to `status`."""
    def predicate(call: Call) -> bool:
        for kind, op in _writes(call.body):
            if table and op.get("TableName") != table:
                continue
            if kind == "Put" and op.get("Item", {}).get("status") == {"S": status}:
                return True
            if kind == "Update":
                names = op.get("ExpressionAttributeNames", {})
                values = op.get("ExpressionAttributeValues", {})
                sets = op.get("UpdateExpression", "").split(" REMOVE ")[0]
                for name, value in _ASSIGNMENT.findall(sets):
                    if names.get(name, name) == "status" and values.get(value) == {"S": status}:
                        return True
        return False
    return predicate


def puts_into(table: str) -> Predicate:
    """A DynamoDB write that creates an item in `table` (the API's accept)."""
    return lambda call: any(kind == "Put" and op.get("TableName") == table
                            for kind, op in _writes(call.body))


def mentions(text: str) -> Predicate:
    """The request names `text` (a Herald message id) anywhere."""
    return lambda call: call.body is not None and text in json.dumps(call.body)


def both(*predicates: Predicate) -> Predicate:
    return lambda call: all(p(call) for p in predicates)


def herald_id_of_send(body: Any) -> str | None:
    """The herald_message_id tag of a SES v2 SendEmail request."""
    if not isinstance(body, dict):
        return None
    return next((tag["Value"] for tag in body.get("EmailTags", [])
                 if tag.get("Name") == "herald_message_id"), None)


# -- fake answers -----------------------------------------------------------------

class _Raw:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data


_THROTTLE = {"dynamodb": "ThrottlingException", "sqs": "RequestThrottled",
             "sesv2": "Throttling", "s3": "SlowDown"}
_SERVER = {"dynamodb": "InternalServerError", "sqs": "InternalError",
           "sesv2": "ServiceUnavailable", "s3": "InternalError"}


def error_answer(url: str, service: str, status: int, code: str) -> AWSResponse:
    message = f"injected {code}"
    if service == "s3":
        body = (f"<Error><Code>{code}</Code><Message>{message}</Message></Error>").encode()
        headers = {"content-type": "application/xml"}
    else:
        body = json.dumps({"__type": code, "code": code, "message": message}).encode()
        headers = {"content-type": "application/x-amz-json-1.0", "x-amzn-errortype": code}
    return AWSResponse(url, status, headers, _Raw(body))


# -- the injector -------------------------------------------------------------------

class FaultInjector:
    """Applies `rules` (first match wins) to every call of Herald's clients."""

    def __init__(self, rules: list[Rule] | None = None, seed: int = 0) -> None:
        self.rules = list(rules or [])
        self.enabled = True
        self.rng = random.Random(seed)
        self.injected: Counter[str] = Counter()
        self.unattributed: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._local = threading.local()
        self._http = urllib3.PoolManager(maxsize=32)
        # the send->record window, measured: when SES accepted each mail, and how long
        # after that its consumer's `sent` record took effect (seconds)
        self.accepted_at: dict[str, float] = {}
        self.record_gaps: list[float] = []
        self.event_gaps: list[float] = []  # SES accepted -> its Send event recorded it
        # sends SES performed whose answer Herald never got (lost or timed out)
        self.unanswered_sends: set[str] = set()

    def attach(self, events: Any) -> FaultInjector:
        events.register("before-call", self._before_call)
        events.register("before-send", self._before_send)
        events.register("after-call", self._after_call)
        events.register("after-call-error.sesv2.SendEmail", self._send_unanswered)
        return self

    def add(self, *rules: Rule) -> None:
        with self._lock:
            self.rules.extend(rules)

    # hooks

    def _before_call(self, model: Any, params: dict[str, Any], context: dict[str, Any],
                     **_: Any) -> None:
        _die_if_dead()
        self._local.config = context.get("client_config")
        self._local.body = _json(params.get("body"))

    def _before_send(self, request: Any, event_name: str, **_: Any) -> AWSResponse | None:
        _die_if_dead()
        _, service, operation = event_name.split(".", 2)
        call = Call(service, operation, getattr(self._local, "body", None), _current.get())
        rule = self._pick(call, crash=False)
        if rule is None:
            return None
        if rule.fault == "throttle":
            return error_answer(request.url, service, 400, _THROTTLE.get(service, "Throttling"))
        if rule.fault == "error":
            return error_answer(request.url, service, 503 if service == "sesv2" else 500,
                                _SERVER.get(service, "InternalError"))
        if rule.fault == "connect":
            raise EndpointConnectionError(endpoint_url=request.url)
        read_timeout = getattr(getattr(self._local, "config", None), "read_timeout", 60) or 60
        if rule.fault == "lost_response":
            self._perform(request)
            self._note_unanswered(call)
            raise ReadTimeoutError(endpoint_url=request.url)
        # slow: the answer takes `seconds`; past the read timeout the SDK gives up on it
        if rule.seconds > read_timeout:
            self._perform(request)
            self._note_unanswered(call)
            time.sleep(read_timeout)
            raise ReadTimeoutError(endpoint_url=request.url)
        time.sleep(rule.seconds)
        _die_if_dead()
        return None

    def _after_call(self, http_response: Any, model: Any, **_: Any) -> None:
        if http_response is None or http_response.status_code >= 300:
            return
        process = _current.get()
        service = model.service_model.service_id.hyphenize()
        body = getattr(self._local, "body", None)
        if service == "sesv2" and model.name == "SendEmail":
            herald_id = herald_id_of_send(body)
            if herald_id and process is not None:
                process.sent.append(herald_id)
            if herald_id:
                self.accepted_at[herald_id] = time.monotonic()
        elif service == "dynamodb" and model.name == "UpdateItem" and process is not None \
                and process.kind in ("consumer", "feedback") and \
                sets_status("sent")(Call(service, model.name, body, process)):
            accepted = self.accepted_at.get(body.get("Key", {}).get("message_id", {}).get("S"))
            if accepted is not None:
                gaps = self.record_gaps if process.kind == "consumer" else self.event_gaps
                gaps.append(time.monotonic() - accepted)
        call = Call(service, model.name, body, process)
        if process is not None and self._pick(call, crash=True) is not None:
            process.dead = True
            process.crashed_at = call.name
            raise Crash(f"{process.kind} died after {call.name}")

    def _send_unanswered(self, exception: Exception, **_: Any) -> None:
        """A SendEmail whose answer never came (a real read timeout or a dropped
        connection under load, not only an injected one): SES may have taken it."""
        if isinstance(exception, (ReadTimeoutError, ConnectionClosedError)):
            herald_id = herald_id_of_send(getattr(self._local, "body", None))
            if herald_id:
                with self._lock:
                    self.unanswered_sends.add(herald_id)

    # helpers

    def _note_unanswered(self, call: Call) -> None:
        herald_id = herald_id_of_send(call.body) if call.name == "sesv2.SendEmail" else None
        if herald_id:
            with self._lock:
                self.unanswered_sends.add(herald_id)

    def _pick(self, call: Call, crash: bool) -> Rule | None:
        if call.process is None:  # the harness's own setup, or a thread outside any invocation
            self.unattributed[call.name] += 1
            return None
        if not self.enabled:
            return None
        with self._lock:
            for rule in self.rules:
                if (rule.fault == "crash") != crash or not rule.matches(call):
                    continue
                if self.rng.random() >= rule.probability:
                    continue
                rule.injected += 1
                self.injected[f"{rule.fault} {call.name}"] += 1
                return rule
        return None

    def _perform(self, request: Any) -> None:
        """Send the request for real (it takes effect); its answer is dropped."""
        self._http.request(request.method, request.url, body=request.body,
                           headers=dict(request.headers.items()), retries=False)


def _die_if_dead() -> None:
    process = _current.get()
    if process is not None and process.dead:
        raise Crash(f"{process.kind} is dead")


def _json(body: Any) -> Any:
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if not isinstance(body, str) or not body.startswith("{"):
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None
