"""What a request to `/l/{token}` comes to: the page with the button, the redirect, or
why there is neither. Kept apart (no imports) so the API's route table loads it at no
cost; the gateway decides, chalicelib/api/link_pages.py answers."""
from __future__ import annotations

from dataclasses import dataclass

OFFER, GONE_TO = "offer", "followed"  # the page with the button; the 303 to the target
UNKNOWN, EXPIRED, USED = "unknown", "expired", "used"  # 404; 410; 410 (single-use)


@dataclass(frozen=True)
class Outcome:
    kind: str
    target: str | None = None
