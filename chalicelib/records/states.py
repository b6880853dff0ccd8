"""A mail's statuses and the moves between them: the one place that says
which status may follow which.

Every write of a status (the message log's `move`) is conditional on the
status it leaves, taken from `MOVES`; writers may narrow the sources (and
add the claim's owner) but never widen them. SES's own events are evidence
that a mail left: they may correct Herald's guesses (`expired`, `failed`
after an in-doubt send), never the other way round.
"""
from __future__ import annotations

QUEUED, SENDING, SENT, FAILED = "queued", "sending", "sent", "failed"
SUPPRESSED, EXPIRED, SUPERSEDED = "suppressed", "expired", "superseded"
DELIVERED, BOUNCED, COMPLAINED = "delivered", "bounced", "complained"

# Statuses after which the consumer never sends again.
FINAL = frozenset({SENT, FAILED, SUPPRESSED, EXPIRED, SUPERSEDED, DELIVERED, BOUNCED,
                   COMPLAINED})
# Statuses that say SES accepted the mail.
ACCEPTED_BY_SES = frozenset({SENT, DELIVERED, BOUNCED, COMPLAINED})
# Outcomes a person looks for: the mail did not reach its inbox (or was not meant to).
# Rare next to the ordinary path (queued, sending, sent, delivered), so only mail in one
# of them carries `attention` and sits in the sparse index on it (tables.py).
ATTENTION = frozenset({FAILED, BOUNCED, COMPLAINED, SUPPRESSED, EXPIRED, SUPERSEDED})

_GUESSES = (EXPIRED, FAILED)  # Herald's conclusions that SES evidence may overrule

# target status -> the statuses it may be entered from
MOVES: dict[str, tuple[str, ...]] = {
    # a claim (from queued), a reclaim after the lease and the grace ran out, or the
    # holder noting an in-doubt send
    SENDING: (QUEUED, SENDING),
    QUEUED: (SENDING,),  # the holder gives the mail back for a retry
    SENT: (QUEUED, SENDING, SENT, *_GUESSES),
    DELIVERED: (QUEUED, SENDING, SENT, *_GUESSES),
    BOUNCED: (QUEUED, SENDING, SENT, DELIVERED, *_GUESSES),
    COMPLAINED: (QUEUED, SENDING, SENT, DELIVERED, BOUNCED, *_GUESSES),
    FAILED: (QUEUED, SENDING, SENT),  # SENT only for SES's own Reject
    EXPIRED: (QUEUED, SENDING),
    SUPPRESSED: (QUEUED, SENDING),
    SUPERSEDED: (QUEUED,),
}


class IllegalMove(ValueError):
    """A writer asked for a move `MOVES` does not allow (a bug, never input)."""


def sources(target: str, only: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """The statuses `target` may be written over: all of MOVES[target], or the subset `only`."""
    allowed = MOVES.get(target)
    if allowed is None:
        raise IllegalMove(f"unknown status {target!r}")
    if only is None:
        return allowed
    wider = set(only) - set(allowed)
    if wider:
        raise IllegalMove(f"{target} cannot follow {sorted(wider)}")
    return only
