"""Keeps secret variables (codes, magic links) out of logs, errors and views.

Two layers: values of variables declared `secret` are replaced wherever
Herald stores or shows variables, and every log line and error message is
scrubbed of the secret values in play (held in a context variable while a
request or an SQS record is handled).
"""
from __future__ import annotations

import contextlib
import contextvars
from typing import Any, Iterable, Iterator, Mapping

REDACTED = "[redacted]"
_MIN_SCRUB_LENGTH = 3

_active_secrets: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar(
    "herald_active_secrets", default=())


def redact_variables(variables: Mapping[str, Any], secret_names: Iterable[str]) -> dict[str, Any]:
    """A copy of `variables` with each secret one replaced by a marker."""
    secret = set(secret_names)
    return {name: (REDACTED if name in secret else value) for name, value in variables.items()}


def secret_values(variables: Mapping[str, Any], secret_names: Iterable[str]) -> tuple[str, ...]:
    """The string forms of the secret variables, longest first (for scrubbing)."""
    values = {str(variables[name]) for name in secret_names if name in variables}
    return tuple(sorted((v for v in values if len(v) >= _MIN_SCRUB_LENGTH), key=len, reverse=True))


def scrub(text: str) -> str:
    """Replace every occurrence of an active secret value in `text`."""
    for value in _active_secrets.get():
        if value in text:
            text = text.replace(value, REDACTED)
    return text


@contextlib.contextmanager
def guarding(secrets: Iterable[str]) -> Iterator[None]:
    """Within this block, logs and errors are scrubbed of `secrets` too."""
    token = _active_secrets.set(tuple(_active_secrets.get()) + tuple(secrets))
    try:
        yield
    finally:
        _active_secrets.reset(token)
