"""Which channels of a notification go out, and why the others do not.

Pure decisions over a user, a notification type and the user's stored
preferences, so they are tested with plain dicts: a channel is skipped when
the type has no template for it, when the user has no address for it, or when
the user turned it off (no stored state: the type's default). Category `auth`
(codes, sign-in links) is never blocked by preferences.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

CHANNELS = ("email", "sms")
ADDRESS_FIELDS = {"email": "email", "sms": "phone"}  # channel -> the user's field
AUTH = "auth"

# Why a channel is skipped (the delivery's `reason`)
NO_TEMPLATE = "no_template"
NO_ADDRESS = "no_address"
TURNED_OFF = "turned_off"
SUPPRESSED = "suppressed"


@dataclass(frozen=True)
class Delivery:
    """One requested channel: where it goes with which template, or why not."""

    channel: str
    address: str | None = None
    template: str | None = None
    skipped: str | None = None


def channel_enabled(kind: Mapping[str, Any], stored: Mapping[str, Mapping[str, bool]],
                    channel: str) -> bool:
    """The user's state of `channel` for `kind`: always on for auth, else the stored
    state, else the type's default (on when the type names none)."""
    if kind["category"] == AUTH:
        return True
    override = stored.get(kind["name"], {}).get(channel)
    if override is not None:
        return override
    return bool((kind.get("defaults") or {}).get(channel, True))


def plan_deliveries(user: Mapping[str, Any], kind: Mapping[str, Any],
                    stored: Mapping[str, Mapping[str, bool]],
                    requested: list[str]) -> list[Delivery]:
    """One Delivery per requested channel, in the order requested."""
    found = []
    for channel in requested:
        template = ((kind.get("channels") or {}).get(channel) or {}).get("template")
        address = user.get(ADDRESS_FIELDS[channel])
        if not template:
            found.append(Delivery(channel, skipped=NO_TEMPLATE))
        elif not address:
            found.append(Delivery(channel, skipped=NO_ADDRESS))
        elif not channel_enabled(kind, stored, channel):
            found.append(Delivery(channel, skipped=TURNED_OFF))
        else:
            found.append(Delivery(channel, address, template))
    return found
