"""Signed webhook intake (`POST /hooks/{source}`): identity providers and other
services hand Herald an event; it is verified (Standard Webhooks), mapped to a
template send and accepted through the same path as `POST /emails`.
"""
from chalicelib.platform.exports import exported, lazy_exports

_WHERE = exported({
    "hooks": ("HookIntake", "HookAnswer"),
    "secrets": ("HookSecrets",),
    "signatures": ("sign", "decode_secret"),
    "sources": ("all_sources",),
    "status": ("HookStatus",),
})
__all__ = [*_WHERE]
__getattr__ = lazy_exports(__name__, _WHERE)
