"""What the consumer needs of a delivery channel (email through SES, SMS through SNS).

The consumer claims, records and retries; a channel knows its provider: how
a message is built, how long a send may take, and what a failed send means. A
new channel is a module here implementing `Channel`, a name the envelope
accepts (chalicelib/messages/envelope.py) and an entry in the consumer's
channels (chalicelib/wiring.py); the batch runner does not change.
"""
from __future__ import annotations

from typing import Collection, Protocol, TypeVar

from chalicelib.addresses import Address, Phone
from chalicelib.messages.envelope import Envelope
from chalicelib.platform.dynamo import error_code

# What a failed send means for the message.
PERMANENT = "permanent"  # the provider refused this message: retrying cannot help
TRANSIENT = "transient"  # the provider did not take it (throttled, 5xx, unreachable): retry
IN_DOUBT = "in_doubt"  # the provider may have taken it, but its answer was lost


class SendFailed(Exception):
    """A send that did not (certainly) happen; `kind` says what a retry risks."""

    def __init__(self, reason: str, kind: str, throttled: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind
        self.throttled = throttled


def classify_send_error(exc: Exception, provider: str, permanent: Collection[str],
                        throttling: Collection[str]) -> SendFailed:
    """What a provider's failed send means: by the error's kind (its code, or the
    connection's fate), never by guessing from its text."""
    from botocore.exceptions import ConnectionError as NotConnected

    code = error_code(exc)
    if code:
        if code in permanent:
            return SendFailed(f"{provider} {code}", PERMANENT)
        return SendFailed(f"{provider} {code}", TRANSIENT, throttled=code in throttling)
    name = type(exc).__name__
    if isinstance(exc, NotConnected):  # never reached the provider (connect failed or timed out)
        return SendFailed(f"{provider} unreachable ({name})", TRANSIENT)
    return SendFailed(f"{provider} did not answer ({name})", IN_DOUBT)


P = TypeVar("P")  # what a channel's `prepare` builds and its `send` sends


class Channel(Protocol[P]):
    name: str  # the envelope's `channel`
    call_budget_s: float  # the longest one send may take (its timeouts)
    provider_id_field: str  # the message-log field keeping the provider's message id

    def recipient(self, to: str) -> Address | Phone:
        """The envelope's `to` in its normal form (suppression's key); raises
        BadRequest when this code refuses it."""
        ...

    def prepare(self, message: Envelope) -> P:
        """Build what `send` sends. Raises transient AWS errors or retryable HeraldErrors
        when it may work later; any other error is about the message (permanent)."""
        ...

    def send(self, prepared: P, message_id: str) -> str:
        """Send once; return the provider's message id, or raise SendFailed."""
        ...
