"""Outbound delivery webhooks: staff register endpoints, Herald POSTs each mail's
status changes to them, signed as Standard Webhooks.

The message log's DynamoDB stream feeds `fanout` (one queued delivery per
subscribed endpoint), so the send and feedback paths know nothing of webhooks;
`sender` works the webhooks queue (retries with backoff, a DLQ, disabling an
endpoint that keeps failing); `targets` says where Herald may connect.
"""
from chalicelib.platform.exports import exported, lazy_exports

_WHERE = exported({
    "admin": ("WebhookAdmin",),
    "endpoints": ("EndpointStore",),
    "fanout": ("FanOut",),
    "sender": ("WebhookSender",),
    "targets": ("UrlPolicy",),
})
_SUBMODULES = ("events", "signing", "transport")
__all__ = [*_WHERE, *_SUBMODULES]
__getattr__ = lazy_exports(__name__, _WHERE, _SUBMODULES)
