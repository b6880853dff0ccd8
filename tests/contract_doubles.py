"""Test doubles of the issue-15 stores other parts of Herald are written against
(chalicelib/records/preferences.py's PreferenceStore), for tests that need the
contract's behaviour without its table."""
from __future__ import annotations

import json


class FakePreferences:
    """PreferenceStore's contract: stored overrides per user, type and channel; every
    write kept in `writes` as (user_id, type, channel, enabled, author) or
    (user_id, preferences, author)."""

    def __init__(self, stored: dict | None = None) -> None:
        self.stored: dict[str, dict[str, dict[str, bool]]] = stored or {}
        self.writes: list[tuple] = []

    def get_all(self, user_id: str) -> dict[str, dict[str, bool]]:
        return json.loads(json.dumps(self.stored.get(user_id, {})))

    def set_channel(self, user_id, notification_type, channel, enabled, author) -> None:
        self.writes.append((user_id, notification_type, channel, enabled, author))
        self.stored.setdefault(user_id, {}).setdefault(notification_type, {})[channel] = enabled

    def put_all(self, user_id, preferences, author) -> None:
        self.writes.append((user_id, preferences, author))
        for kind, channels in preferences.items():
            self.stored.setdefault(user_id, {}).setdefault(kind, {}).update(channels)
