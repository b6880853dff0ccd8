"""Webhook signing secrets from SSM Parameter Store, never from env vars.

One SecureString per source, `/herald/{stage}/hooks/{source}`, holding one
or more space-separated `whsec_` secrets (two while a key is rotated). Each
container caches what it read for a few minutes; a signature that matches
none of the cached keys makes it read the parameter again (a rotated key
works at once), at most once per `refresh_after_s` so that forged requests
cannot drive SSM into throttling.
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable

from chalicelib.errors import ServiceUnavailable
from chalicelib.intake.signatures import decode_secret
from chalicelib.platform import logs
from chalicelib.platform.dynamo import error_code


def parameter_name(stage: str, source: str) -> str:
    return f"/herald/{stage}/hooks/{source}"


def parse_secrets(value: str) -> tuple[bytes, ...]:
    """The keys of a parameter's space-separated secrets; malformed entries are skipped."""
    keys = []
    for position, text in enumerate(value.split(), start=1):
        try:
            keys.append(decode_secret(text))
        except ValueError:
            logs.warning("hook secret entry is not a whsec_ secret; skipped", entry=position)
    return tuple(keys)


class HookSecrets:
    def __init__(self, ssm: Any, stage: str, ttl_s: float = 300, refresh_after_s: float = 30,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ssm = ssm
        self.stage = stage
        self.ttl_s = ttl_s
        self.refresh_after_s = refresh_after_s
        self.clock = clock
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, tuple[bytes, ...]]] = {}

    def keys(self, source: str) -> tuple[bytes, ...]:
        """The source's keys (empty: no parameter, the source is not configured)."""
        cached = self._cache.get(source)
        if cached and self.clock() - cached[0] < self.ttl_s:
            return cached[1]
        return self._read(source)

    def reread(self, source: str) -> tuple[bytes, ...] | None:
        """The keys read again after a mismatch; None when they were read too recently."""
        cached = self._cache.get(source)
        if cached and self.clock() - cached[0] < self.refresh_after_s:
            return None
        return self._read(source)

    def _read(self, source: str) -> tuple[bytes, ...]:
        name = parameter_name(self.stage, source)
        try:
            value = self.ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
        except Exception as exc:  # noqa: BLE001 - told apart by the AWS error code
            if error_code(exc) != "ParameterNotFound":
                logs.error("hook secret unreadable", parameter=name, error=error_code(exc)
                           or type(exc).__name__)
                raise ServiceUnavailable("the webhook secret could not be read; retry",
                                         code="secret_unavailable") from None
            value = ""
        keys = parse_secrets(value)
        with self._lock:
            self._cache[source] = (self.clock(), keys)
        return keys
