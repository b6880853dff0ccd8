"""The SMS the emulated SNS accepted, for people (GET /_local/sms).

moto keeps every Publish to a phone number in its SNS backend, in order,
without a time; the inbox notes when it first saw each one. It looks after
every batch of the SMS consumer (the only publisher) and on every request.
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable

from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends

from chalicelib.platform.clock import iso_time

Handler = Callable[[dict[str, Any], Any], Any]


class SmsInbox:
    def __init__(self, region: str) -> None:
        self.region = region
        self._seen: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()

    def collect(self) -> None:
        published = list(sns_backends[DEFAULT_ACCOUNT_ID][self.region].sms_messages.items())
        sent_at = iso_time(time.time(), millis=False)
        with self._lock:
            for sns_message_id, (number, text) in published:
                self._seen.setdefault(sns_message_id, {
                    "to": number, "text": text, "sent_at": sent_at,
                    "sns_message_id": sns_message_id})

    def newest_first(self) -> list[dict[str, str]]:
        self.collect()
        with self._lock:
            return list(reversed(self._seen.values()))

    def watching(self, handler: Handler) -> Handler:
        """`handler`, noting what it published as soon as each batch ends."""
        def handled(event: dict[str, Any], context: Any) -> Any:
            try:
                return handler(event, context)
            finally:
                self.collect()
        return handled
