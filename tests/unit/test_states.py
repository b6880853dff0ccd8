"""The status moves a user sees the effect of: a mail SES accepted is never sent again,
SES's evidence overrules Herald's guesses and never the other way round, and a late
event never undoes an outcome."""
from __future__ import annotations

import pytest

from chalicelib.records.states import (
    BOUNCED,
    COMPLAINED,
    DELIVERED,
    EXPIRED,
    FAILED,
    FINAL,
    QUEUED,
    SENDING,
    SENT,
    IllegalMove,
    sources,
)


def test_no_final_status_is_ever_claimed_or_queued_again():
    for target in (SENDING, QUEUED):
        assert not FINAL & set(sources(target)), target


@pytest.mark.parametrize("evidence", [SENT, DELIVERED, BOUNCED, COMPLAINED])
def test_ses_evidence_corrects_a_guess_of_expired_or_failed(evidence):
    assert {EXPIRED, FAILED} <= set(sources(evidence))


@pytest.mark.parametrize("guess", [EXPIRED, FAILED])
def test_a_guess_never_overwrites_what_ses_said(guess):
    assert not {DELIVERED, BOUNCED, COMPLAINED} & set(sources(guess))


def test_a_late_delivery_never_undoes_a_bounce_but_a_complaint_follows_either():
    assert BOUNCED not in sources(DELIVERED)
    assert {DELIVERED, BOUNCED} <= set(sources(COMPLAINED))
    assert COMPLAINED not in sources(BOUNCED)


def test_a_writer_may_narrow_the_sources_but_never_widen_them():
    assert sources(SENT, only=(SENDING,)) == (SENDING,)
    with pytest.raises(IllegalMove, match=r"sending cannot follow \['sent'\]"):
        sources(SENDING, only=(QUEUED, SENT))
    with pytest.raises(IllegalMove, match="unknown status 'lost'"):
        sources("lost")
