"""The one timestamp format Herald writes: ISO 8601, UTC, with a Z.

Message logs, suppression entries, template history, log lines and the
local SES emulation all print times through here, so they sort and compare
as text and read the same everywhere.
"""
from __future__ import annotations

import time
from datetime import datetime
from typing import Any

LATEST_EPOCH_S = 253_402_300_799  # 9999-12-31T23:59:59Z, the last second ISO 8601 can print


def iso_time(moment: float | datetime, millis: bool = True) -> str:
    """`moment` (epoch seconds or an aware datetime) as `YYYY-MM-DDTHH:MM:SS[.mmm]Z`."""
    epoch_s = moment.timestamp() if isinstance(moment, datetime) else moment
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch_s))
    if millis:
        text += f".{int(epoch_s * 1000) % 1000:03d}"
    return text + "Z"


def epoch_s(text: Any) -> float | None:
    """Epoch seconds of an ISO 8601 time with a zone (as Herald and SES write them);
    None for anything else."""
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.timestamp() if moment.tzinfo is not None else None
