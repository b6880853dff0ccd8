"""The mails the emulated SES accepted, parsed for people (GET /_local/mail).

moto keeps sent mail as raw MIME in its SES backend (shared by v1 and v2);
a watcher notes each new one with the time it was seen, Herald's message id
(its `X-Herald-Message-Id` header) and the template it was made from (looked up
in the message log, for the admin UI's Mailbox screen).
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
TemplateOf = Callable[[str], "str | None"]  # Herald message id -> template name


def _unix(content: str) -> str:
    return content.replace("\r\n", "\n")


def _parse(raw: Any) -> dict[str, Any]:
    data = getattr(raw, "raw_data", None)
    if data is None:  # a non-raw send: moto keeps only the HTML body
        return {"to": ", ".join(raw.destinations.get("ToAddresses", [])), "from": raw.source,
                "subject": raw.subject, "html": raw.body, "text": "", "headers": {},
                "ses_message_id": raw.id, "herald_message_id": None}
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
        "herald_message_id": str(message["X-Herald-Message-Id"] or "") or None,
    }


def logged_template(herald_id: str) -> str | None:
    """The template the message log names for a mail (the local stack's `template_of`)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from chalicelib.wiring import services

    try:
        entry = services().message_log.get(herald_id)
    except (BotoCoreError, ClientError):  # the emulation stopping: the name is a nicety
        return None
    return entry.get("template") if entry else None


class Mailbox(threading.Thread):
    def __init__(self, region: str, interval_s: float = 0.1,
                 template_of: TemplateOf | None = None) -> None:
        super().__init__(name="herald-mailbox", daemon=True)
        self.region = region
        self.interval_s = interval_s
        self.template_of = template_of
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
            for entry in parsed:
                entry["template"] = self._template(entry["herald_message_id"])
            self.mail.extend(parsed)
        for entry in parsed:
            for listener in self.listeners:
                listener(entry)

    def _template(self, herald_id: str | None) -> str | None:
        """The template a mail came from; None for a mail Herald did not send."""
        if herald_id is None or self.template_of is None:
            return None
        return self.template_of(herald_id)

    def newest_first(self) -> list[dict[str, Any]]:
        self.collect()
        with self._lock:
            return list(reversed(self.mail))

    def stop(self) -> None:
        self.stopping.set()
