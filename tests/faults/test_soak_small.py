"""A few hundred mails with every fault mixed in: nothing lost, nothing sent twice
outside the unrecorded-send window, the log agrees with SES."""
from __future__ import annotations

from .soak import soak


def test_mixed_faults_lose_nothing_and_duplicate_only_in_the_crash_window(emulator):
    # GIVEN 300 mails, with throttling, 5xx, connection errors, lost answers, slow
    # calls, duplicate deliveries, lost Send events and crashes at the chosen points
    # WHEN they are all requested and the system settles
    report = soak(emulator, mails=300, seed=11, scale=2.0)
    # THEN every accepted mail is accounted for
    print(report.table())
    assert report.lost == 0, report.table()
    assert report.duplicates_outside_window == 0, report.table()
    assert not report.stale, report.table()
