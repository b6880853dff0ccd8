"""Sending what was accepted: the consumer (claim, send, record), the send-rate
throttle, the reconciler that queues what an accept left in the outbox, and
the channels (`channels/`: email through SES now, room for more).
"""
from chalicelib.platform.exports import exported, lazy_exports

_WHERE = exported({
    "consumer": ("Consumer",),
    "reconciler": ("Reconciler",),
    "throttle": ("SendRateLimiter",),
})
__all__ = [*_WHERE]
__getattr__ = lazy_exports(__name__, _WHERE)
