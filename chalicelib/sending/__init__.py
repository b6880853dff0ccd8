"""Accepting a mail: the request's checks, idempotency keys, per-recipient
rate limits, the accept transaction, and the staff's test send.
"""
from chalicelib.platform.exports import exported, lazy_exports

_WHERE = exported({
    "accept": ("Producer",),
    "idempotency": ("IdempotencyStore",),
    "rate_limits": ("RateLimiter",),
    "staff_send": ("StaffSend",),
})
__all__ = [*_WHERE]
__getattr__ = lazy_exports(__name__, _WHERE)
