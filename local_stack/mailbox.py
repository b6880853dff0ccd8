"""The mails the emulated SES accepted, parsed for people (GET /_local/mail).

moto keeps sent mail as raw MIME in its SES backend (shared by v1 and v2);
a watcher notes each new one with the time it was seen.
"""
from __future__ import annotations

import email
import threading
import time
from email.policy import default as default_policy
from typing import Any, Callable

from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib.platform.clock import iso_time

Listener = Callable[[dict[str, Any]], None]


def _unix(content: str) -> str:
    return content.replace("\r\n", "\n")


def _parse(raw: Any) -> dict[str, Any]:
    data = getattr(raw, "raw_data", None)
    if data is None:  # a non-raw send: moto keeps only the HTML body
        return {"to": ", ".join(raw.destinations.get("ToAddresses", [])), "from": raw.source,
                "subject": raw.subject, "html": raw.body, "text": "", "headers": {},
                "ses_message_id": raw.id}
    message = email.message_from_string(data, policy=default_policy)
    html = message.get_body(("html",))
    text = message.get_body(("plain",))
    return {
        "to": str(message["To"] or ""), "from": str(message["From"] or ""),
        "subject": str(message["Subject"] or ""),
        "html": _unix(html.get_content()) if html else "",
        "text": _unix(text.get_content()) if text else "",
        "headers": {key: str(value) for key, value in message.items()},
        "ses_message_id": raw.id,
    }


class Mailbox(threading.Thread):
    def __init__(self, region: str, interval_s: float = 0.1) -> None:
        super().__init__(name="herald-mailbox", daemon=True)
        self.region = region
        self.interval_s = interval_s
        self.mail: list[dict[str, Any]] = []
        self.listeners: list[Listener] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()

    def _sent(self) -> list[Any]:
        return list(ses_backends[DEFAULT_ACCOUNT_ID][self.region].sent_messages)

    def run(self) -> None:
        while not self.stopping.wait(self.interval_s):
            self.collect()

    def collect(self) -> None:
        sent = self._sent()
        with self._lock:
            new = sent[len(self.mail):]
            sent_at = iso_time(time.time(), millis=False)
            parsed = [{**_parse(raw), "sent_at": sent_at} for raw in new]
            self.mail.extend(parsed)
        for entry in parsed:
            for listener in self.listeners:
                listener(entry)

    def newest_first(self) -> list[dict[str, Any]]:
        self.collect()
        with self._lock:
            return list(reversed(self.mail))

    def stop(self) -> None:
        self.stopping.set()
