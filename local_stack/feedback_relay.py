"""Plays SES's part after a send: the events it would publish (Send at once,
the outcome a moment later, as delivery takes a while in AWS) go to the
emulated SNS topic, whose subscription delivers them to the feedback queue."""
from __future__ import annotations

import json
import threading
import time
from typing import Any

from chalicelib.platform import logs
from local_stack.ses_feedback import ses_events


class FeedbackRelay(threading.Thread):
    def __init__(self, sns: Any, topic_arn: str, configuration_set: str, region: str,
                 delay_s: float = 1.0) -> None:
        super().__init__(name="herald-ses-feedback", daemon=True)
        self.sns = sns
        self.topic_arn = topic_arn
        self.configuration_set = configuration_set
        self.region = region
        self.delay_s = delay_s
        self.pending: list[tuple[float, dict[str, Any]]] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()

    def on_mail(self, mail: dict[str, Any]) -> None:
        """Mailbox listener: publish the Send event now, the outcome after the delay."""
        send, *outcomes = self._events(mail)
        self._publish(send)
        with self._lock:
            self.pending.extend((time.monotonic() + self.delay_s, event) for event in outcomes)

    def run(self) -> None:
        while not self.stopping.wait(0.1):
            now = time.monotonic()
            with self._lock:
                due = [event for at, event in self.pending if at <= now]
                self.pending = [(at, event) for at, event in self.pending if at > now]
            for event in due:
                self._publish(event)

    def _events(self, mail: dict[str, Any]) -> list[dict[str, Any]]:
        return ses_events(mail["to"], mail["ses_message_id"],
                          mail["headers"].get("X-Herald-Message-Id", ""), mail["from"],
                          mail["subject"], configuration_set=self.configuration_set,
                          region=self.region)

    def _publish(self, event: dict[str, Any]) -> None:
        try:
            self.sns.publish(TopicArn=self.topic_arn,
                             Message=json.dumps(event, separators=(",", ":")))
        except Exception:  # noqa: BLE001 - like SES, a lost event stops nothing
            logs.error("local SES event not published", exc_info=True)

    def stop(self) -> None:
        self.stopping.set()
