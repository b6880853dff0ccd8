"""Secrets from SSM Parameter Store (SecureString), cached per container.

Secrets never live in env vars. Each container keeps what it read for
`ttl_s`; a caller whose secret did not match (a rotated key) may ask for a
fresh read, granted at most once per `refresh_after_s` so that forged
requests cannot drive SSM into throttling. A missing parameter reads as ""
(not configured); any other failure is a retryable ServiceUnavailable that
names what could not be read, never its value.
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable

from chalicelib.errors import ServiceUnavailable
from chalicelib.platform import logs
from chalicelib.platform.dynamo import error_code


class ParameterCache:
    def __init__(self, ssm: Any, what: str, ttl_s: float = 300, refresh_after_s: float = 30,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ssm = ssm
        self.what = what  # "the webhook secret": named in logs and errors
        self.ttl_s = ttl_s
        self.refresh_after_s = refresh_after_s
        self.clock = clock
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, str]] = {}

    def value(self, name: str) -> str:
        """The parameter's decrypted value ("" when it does not exist)."""
        cached = self._cache.get(name)
        if cached and self.clock() - cached[0] < self.ttl_s:
            return cached[1]
        return self._read(name)

    def reread(self, name: str) -> str | None:
        """The value read again (after a mismatch); None when it was read too recently."""
        cached = self._cache.get(name)
        if cached and self.clock() - cached[0] < self.refresh_after_s:
            return None
        return self._read(name)

    def _read(self, name: str) -> str:
        try:
            value = self.ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
        except Exception as exc:  # noqa: BLE001 - told apart by the AWS error code
            if error_code(exc) != "ParameterNotFound":
                logs.error("secret unreadable", secret=self.what, parameter=name,
                           error=error_code(exc) or type(exc).__name__)
                raise ServiceUnavailable(f"{self.what} could not be read; retry",
                                         code="secret_unavailable") from None
            value = ""
        with self._lock:
            self._cache[name] = (self.clock(), value)
        return value
