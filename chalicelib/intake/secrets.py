"""Webhook signing secrets from SSM Parameter Store, never from env vars.

One SecureString per source, `/herald/{stage}/hooks/{source}`, holding one
or more space-separated `whsec_` secrets (two while a key is rotated). The
reading and caching is chalicelib/platform/secrets.py's: a few minutes per
container, and a signature that matches none of the cached keys makes it read
the parameter again (a rotated key works at once), at most once per
`refresh_after_s`.
"""
from __future__ import annotations

import time
from typing import Any, Callable

from chalicelib.intake.signatures import decode_secret
from chalicelib.platform import logs
from chalicelib.platform.secrets import ParameterCache


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
        self.stage = stage
        self.parameters = ParameterCache(ssm, "the webhook secret", ttl_s, refresh_after_s,
                                         clock)

    def keys(self, source: str) -> tuple[bytes, ...]:
        """The source's keys (empty: no parameter, the source is not configured)."""
        return parse_secrets(self.parameters.value(parameter_name(self.stage, source)))

    def reread(self, source: str) -> tuple[bytes, ...] | None:
        """The keys read again after a mismatch; None when they were read too recently."""
        value = self.parameters.reread(parameter_name(self.stage, source))
        return None if value is None else parse_secrets(value)
