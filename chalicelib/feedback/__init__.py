"""What SES tells Herald after a send (Send, Delivery, Bounce, Complaint, ...),
recorded on the message log; permanent bounces and complaints suppress.
"""
from chalicelib.platform.exports import exported, lazy_exports

_WHERE = exported({
    "ses": ("FeedbackHandler", "SesMessageIndex", "read_feedback"),
})
__all__ = [*_WHERE]
__getattr__ = lazy_exports(__name__, _WHERE)
