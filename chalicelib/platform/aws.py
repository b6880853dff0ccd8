"""Lazily created AWS clients sharing one botocore session.

Every client has explicit timeouts (botocore's 60 s + 60 s defaults outlast
a 10 s Lambda) and, except SES and the SMS sender's SNS, botocore's standard
retries.

Creating clients costs cold-start time (botocore import ~100 ms, each client
~20-50 ms), so nothing is created at import; each client is built on first
use and then reused by every later invocation of the container. The clients
come from botocore directly: boto3 adds only resources and S3 transfers,
which Herald does not use, and importing it (s3transfer, boto3.resources)
costs another ~20 ms of the first request.
"""
from __future__ import annotations

import contextlib
import gc
import threading
from typing import Any, Iterator

from chalicelib.platform.dynamo import error_code

CONNECT_TIMEOUT_S = 1
READ_TIMEOUT_S = 3
# SendEmail has no idempotency key: a resend after a read timeout sends the mail
# twice, so SES calls are tried once (and retried through SQS instead), with a
# short read timeout (SES answers in well under a second).
NOT_RETRIED = frozenset({"sesv2"})
SES_READ_TIMEOUT_S = 2
# The longest one SES call may take: a send starts only if it ends within its lease.
SES_CALL_BUDGET_S = CONNECT_TIMEOUT_S + SES_READ_TIMEOUT_S
# Publish to a phone number has no idempotency key either: the SMS channel's SNS
# client (`client("sns", region, tried_once=True)`) is tried once, with SES's timeouts.
SMS_CALL_BUDGET_S = SES_CALL_BUDGET_S

_lock = threading.RLock()
_session: Any = None
_clients: dict[str, Any] = {}


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Building a client loads its service model: ~100k small objects, none of
    them garbage. The cyclic collector would scan them over and over (measured:
    a third of each client's creation time), so it waits until the client exists.
    The same holds for the modules a service imports on first use (cold start).
    They are then frozen (moved out of the collector's generations): otherwise
    the first collection after this scans them all at once (25-55 ms of the
    first request) and every full collection of the container again."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.enable()


def session() -> Any:
    """The shared botocore session (benchmarks and the fault suite hook its
    `events` before clients exist)."""
    global _session
    with _lock:
        if _session is None:
            import botocore.session

            _session = botocore.session.get_session()
            _session.events = _session.get_component("event_emitter")  # boto3's name for it
        return _session


def client(service: str, region: str, tried_once: bool = False) -> Any:
    """Return the cached client for `service` (thread safe: the consumer sends from threads);
    `tried_once`: a client of its own without retries (a call that must not repeat)."""
    once = tried_once or service in NOT_RETRIED
    key = f"{service}:{region}" + (":once" if tried_once else "")
    cached = _clients.get(key)
    if cached is not None:
        return cached
    with _lock:
        if key not in _clients:
            from botocore.config import Config

            config = Config(retries={"total_max_attempts": 1 if once else 3, "mode": "standard"},
                            connect_timeout=CONNECT_TIMEOUT_S,
                            read_timeout=SES_READ_TIMEOUT_S if once else READ_TIMEOUT_S,
                            max_pool_connections=32)
            with collector_paused():
                _clients[key] = session().create_client(service, region_name=region,
                                                             config=config)
        return _clients[key]


def reset() -> None:
    """Forget every client (tests switch between emulated accounts); what was
    frozen with them becomes collectable again."""
    global _session
    with _lock:
        _clients.clear()
        _session = None
    gc.unfreeze()


# Errors about the request itself: retrying the same call cannot help.
_PERMANENT_CODES = frozenset({"ValidationException", "NoSuchKey", "NoSuchVersion",
                              "InvalidArgument", "InvalidParameterValue", "MessageRejected",
                              "BadRequestException", "SerializationException"})


def is_transient(exc: BaseException) -> bool:
    """AWS trouble worth retrying later (throttling, 5xx, timeouts, lost connections),
    told apart from everything else by the error's kind."""
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(exc, BotoCoreError):
        return True
    if isinstance(exc, ClientError):
        return error_code(exc) not in _PERMANENT_CODES
    return False


def describe(exc: BaseException) -> str:
    """An AWS error in a few words (its code or class), for events and logs."""
    return error_code(exc) or type(exc).__name__
