"""An alarm notice fits what SNS accepts; the forwarding window itself is checked against
moto in tests/functional/test_alerts.py."""
from __future__ import annotations

from helpers import alarm_change as _change

from chalicelib.operations import alerts


def test_subject_fits_sns_limits():
    change = alerts.AlarmChange.from_message(_change("ALARM", "é" * 300))
    subject = change.subject("prod")
    assert len(subject) <= 100 and subject.isascii() and subject.startswith("Herald prod ALARM")
