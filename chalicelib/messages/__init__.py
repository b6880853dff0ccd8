"""The queue message: one versioned envelope (what producers write and the
consumer reads back), the send queue it travels on, and the notifications topic
that fans it out to each channel's queue.
"""
from chalicelib.platform.exports import exported, lazy_exports

_WHERE = exported({
    "envelope": ("Envelope", "Audience", "BadEnvelope", "encode", "decode"),
    "queue": ("SendQueue",),
    "topic": ("ChannelTopic",),
})
_SUBMODULES = ("envelope",)
__all__ = [*_WHERE, *_SUBMODULES]
__getattr__ = lazy_exports(__name__, _WHERE, _SUBMODULES)
