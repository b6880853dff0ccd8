"""Lazily created boto3 clients sharing one session.

Creating clients costs cold-start time (boto3 import ~300 ms, each client
~50 ms), so nothing is created at import; each client is built on first use
and then reused by every later invocation of the container.
"""
from __future__ import annotations

import contextlib
import gc
import threading
from typing import Any, Iterator

_lock = threading.RLock()
_session: Any = None
_clients: dict[str, Any] = {}


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Building a client loads its service model: ~100k small objects, none of
    them garbage. The cyclic collector would scan them over and over (measured:
    a third of each client's creation time), so it waits until the client exists."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def session() -> Any:
    """The shared boto3 session (benchmarks hook its events before clients exist)."""
    global _session
    with _lock:
        if _session is None:
            import boto3.session

            _session = boto3.session.Session()
        return _session


def client(service: str, region: str) -> Any:
    """Return the cached client for `service` (thread safe: the consumer sends from threads)."""
    key = f"{service}:{region}"
    cached = _clients.get(key)
    if cached is not None:
        return cached
    with _lock:
        if key not in _clients:
            from botocore.config import Config

            config = Config(retries={"max_attempts": 3, "mode": "standard"},
                            max_pool_connections=32)
            with _collector_paused():
                _clients[key] = session().client(service, region_name=region, config=config)
        return _clients[key]


def reset() -> None:
    """Forget every client (tests switch between emulated accounts)."""
    global _session
    with _lock:
        _clients.clear()
        _session = None
