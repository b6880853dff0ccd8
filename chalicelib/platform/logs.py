"""Structured JSON logs, one object per line, scrubbed of active secrets.

CloudWatch Logs Insights queries these fields directly; the scrubbing is
the last line of defence after redaction at the source.
"""
from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
from typing import Any, Iterator

from chalicelib.platform import redaction
from chalicelib.platform.clock import iso_time

_LOGGER_NAME = "herald-events"  # not "herald": Chalice owns the logger named after the app

_bound: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar(
    "herald_log_fields", default={})  # noqa: B039 - never mutated, only replaced


class JsonFormatter(logging.Formatter):
    """Render a record as JSON and scrub it of the secrets in play."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "level": record.levelname,
            "time": iso_time(record.created),
            "event": record.getMessage(),
        }
        entry.update(_bound.get())
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return redaction.scrub(json.dumps(entry, default=str))


class _StdoutHandler(logging.Handler):
    """Writes to whatever sys.stdout is now (Lambda ships stdout to CloudWatch)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stdout.write(self.format(record) + "\n")
        except Exception:  # noqa: BLE001 - logging must never break a send
            self.handleError(record)


def _logger() -> logging.Logger:
    logger = logging.getLogger(_LOGGER_NAME)
    if not logger.handlers:
        handler = _StdoutHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


@contextlib.contextmanager
def bind(**fields: Any) -> Iterator[None]:
    """Within this block every line carries `fields` too (e.g. the message id)."""
    token = _bound.set({**_bound.get(), **fields})
    try:
        yield
    finally:
        _bound.reset(token)


def info(event: str, **fields: Any) -> None:
    _logger().info(event, extra={"fields": fields})


def warning(event: str, **fields: Any) -> None:
    _logger().warning(event, extra={"fields": fields})


def error(event: str, exc_info: bool = False, **fields: Any) -> None:
    _logger().error(event, exc_info=exc_info, extra={"fields": fields})
