"""Lazily created boto3 clients sharing one session.

Creating clients costs cold-start time (boto3 import ~300 ms, each client
~50 ms), so nothing is created at import; each client is built on first use
and then reused by every later invocation of the container.
"""
from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_session: Any = None
_clients: dict[str, Any] = {}


def client(service: str, region: str) -> Any:
    """Return the cached client for `service` (thread safe: the consumer sends from threads)."""
    key = f"{service}:{region}"
    cached = _clients.get(key)
    if cached is not None:
        return cached
    with _lock:
        if key not in _clients:
            global _session
            if _session is None:
                import boto3.session

                _session = boto3.session.Session()
            from botocore.config import Config

            config = Config(retries={"max_attempts": 3, "mode": "standard"},
                            max_pool_connections=32)
            _clients[key] = _session.client(service, region_name=region, config=config)
        return _clients[key]


def reset() -> None:
    """Forget every client (tests switch between emulated accounts)."""
    global _session
    with _lock:
        _clients.clear()
        _session = None
