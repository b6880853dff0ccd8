"""Plays SES's part after a send: the events it would publish reach the real
feedback handler, a moment later (as in AWS, where delivery takes a while and
the consumer has recorded the SES message id by then)."""
from __future__ import annotations

import threading
import time
from typing import Any, Callable

from chalicelib import logs
from local_stack.ses_feedback import feedback_events

Handler = Callable[[dict[str, Any], Any], Any]


class FeedbackRelay(threading.Thread):
    def __init__(self, handler: Handler, configuration_set: str, region: str,
                 delay_s: float = 1.0) -> None:
        super().__init__(name="herald-ses-feedback", daemon=True)
        self.handler = handler
        self.configuration_set = configuration_set
        self.region = region
        self.delay_s = delay_s
        self.pending: list[tuple[float, dict[str, Any]]] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()

    def on_mail(self, mail: dict[str, Any]) -> None:
        """Mailbox listener: schedule the events for one accepted mail."""
        with self._lock:
            self.pending.append((time.monotonic() + self.delay_s, mail))

    def run(self) -> None:
        while not self.stopping.wait(0.1):
            now = time.monotonic()
            with self._lock:
                due = [mail for at, mail in self.pending if at <= now]
                self.pending = [(at, mail) for at, mail in self.pending if at > now]
            for mail in due:
                self._publish(mail)

    def _publish(self, mail: dict[str, Any]) -> None:
        events = feedback_events(
            mail["to"], mail["ses_message_id"], mail["headers"].get("X-Herald-Message-Id", ""),
            mail["from"], mail["subject"], configuration_set=self.configuration_set,
            region=self.region)
        for event in events:
            try:
                self.handler(event, None)
            except Exception:  # noqa: BLE001 - like SNS, one failed delivery stops nothing
                logs.error("local feedback delivery failed", exc_info=True)

    def stop(self) -> None:
        self.stopping.set()
