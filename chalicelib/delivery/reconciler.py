"""Puts accepted mail that never reached its queue into it.

Runs every minute. An outbox item older than `reconcile_after_s` belongs to
an API request that died, or whose SQS send failed, after its transaction
recorded the mail: it is sent to its channel's queue now (the send queue,
or the SMS queue for an SMS; the consumer's claim makes
a second copy harmless), or dropped when the mail is already claimed or
settled. Bounded per run so one invocation stays inside its timeout.
"""
from __future__ import annotations

from typing import Any, Mapping

from chalicelib.messages import envelope
from chalicelib.messages.queue import SendQueue
from chalicelib.platform import logs, metrics
from chalicelib.records.message_log import MessageLog
from chalicelib.records.outbox import Outbox
from chalicelib.records.states import QUEUED


class Reconciler:
    def __init__(self, outbox: Outbox, log: MessageLog, queues: Mapping[str, SendQueue],
                 older_than_s: float, max_items: int = 500) -> None:
        self.outbox = outbox
        self.log = log
        self.queues = queues  # channel -> its queue
        self.older_than_s = older_than_s
        self.max_items = max_items

    def run(self) -> dict[str, Any]:
        """One pass over the outbox; returns how many mails it queued and dropped."""
        queued = dropped = 0
        for message_id, body in self.outbox.waiting(self.older_than_s, self.max_items):
            with logs.bind(message_id=message_id):
                entry = self.log.get(message_id)
                if entry is not None and entry.get("status") == QUEUED:
                    self.queues[envelope.channel_of(body)].send(body)
                    queued += 1
                    logs.warning("accepted mail was not in the queue; queued it now")
                else:
                    dropped += 1  # claimed or settled since: nothing to queue
                self.outbox.delete(message_id)
        if queued:
            metrics.put({"Requeued": (queued, metrics.COUNT)})
        return {"queued": queued, "dropped": dropped}
