"""What Herald remembers in DynamoDB: table definitions (used by infra/ and the
local stack too), message statuses and their allowed moves, the message log,
the suppression list, the outbox, user profiles with their notification
preferences, and the notification types. Knows nothing of the paths using them.
"""
from chalicelib.platform.exports import exported, lazy_exports

_WHERE = exported({
    "message_log": ("MessageLog", "public_view"),
    "suppression": ("SuppressionList",),
    "outbox": ("Outbox",),
    "tables": ("TABLES", "TTL_ATTRIBUTE", "index_name"),
    "users": ("UserStore",),
    "preferences": ("PreferenceStore",),
    "notification_types": ("NotificationTypes",),
})
_SUBMODULES = ("states",)
__all__ = [*_WHERE, *_SUBMODULES]
__getattr__ = lazy_exports(__name__, _WHERE, _SUBMODULES)
