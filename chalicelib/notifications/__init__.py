"""Notifications to users (SPEC C8): user profiles, channel preferences and
notification types checked before they are stored, and POST /notifications,
which resolves a user's channels and hands each to the accept path with a
dispatch publishing it to the notifications topic.
"""
from chalicelib.platform.exports import exported, lazy_exports

_WHERE = exported({
    "channels": ("CHANNELS", "Delivery", "plan_deliveries"),
    "profiles": ("Profiles",),
    "notifier": ("Notifier",),
})
__all__ = [*_WHERE]
__getattr__ = lazy_exports(__name__, _WHERE)
