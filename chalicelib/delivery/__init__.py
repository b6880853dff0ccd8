"""Sending what was accepted: the consumer (claim, send, record), the send-rate
throttle, the reconciler that queues what an accept left in the outbox, and
the channels (`channels/`: the `Channel` protocol, email through SES now, room
for more). Batches run through chalicelib/platform/sqs_batch.py.
"""
from chalicelib.platform.exports import exported, lazy_exports

_WHERE = exported({
    "consumer": ("Consumer", "message_scope"),
    "reconciler": ("Reconciler",),
    "throttle": ("SendRateLimiter",),
})
__all__ = [*_WHERE]
__getattr__ = lazy_exports(__name__, _WHERE)
