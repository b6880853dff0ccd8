"""What operators use: queue counts, the DLQ view with redrive and discard,
the suppression list's admin, alarm notices, and finding any mail.
"""
from chalicelib.platform.exports import exported, lazy_exports

_WHERE = exported({
    "dlq": ("QueueAdmin",),
    "alerts": ("AlarmForwarder",),
    "suppression_admin": ("SuppressionAdmin",),
})
_SUBMODULES = ("alerts",)
__all__ = [*_WHERE, *_SUBMODULES]
__getattr__ = lazy_exports(__name__, _WHERE, _SUBMODULES)
