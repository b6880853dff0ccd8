"""Self-service links in notification mail (RFC 8058 one-click unsubscribe, the
preference page): signed tokens bound to a user and a notification type, the links
the email channel puts in a mail, and what the pages do with them.
"""
from chalicelib.platform.exports import exported, lazy_exports

_WHERE = exported({
    "tokens": ("LinkSigner", "UnsubscribeKeys"),
    "links": ("LinkMaker", "MailLinks"),
    "self_service": ("SelfService",),
})
__all__ = [*_WHERE]
__getattr__ = lazy_exports(__name__, _WHERE)
