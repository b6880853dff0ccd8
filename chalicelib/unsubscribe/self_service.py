"""What a user does from a notification mail without signing in: unsubscribe from one
notification type's mail (one click, RFC 8058) and set their channels per type.

A valid signed link is the only credential (chalicelib/unsubscribe/tokens.py). Reading
a page never changes anything: mail scanners and link previews fetch GETs.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Protocol

from chalicelib.errors import NotFound
from chalicelib.messages.envelope import Audience
from chalicelib.unsubscribe.tokens import PREFERENCES, UNSUBSCRIBE, LinkSigner

CHANNELS = ("email", "sms")
UNSUBSCRIBE_AUTHOR = "unsubscribe"
PREFERENCE_PAGE_AUTHOR = "preference-page"


class Preferences(Protocol):
    """chalicelib/records/preferences.py's PreferenceStore, as used here."""

    def get_all(self, user_id: str) -> dict[str, dict[str, bool]]: ...

    def set_channel(self, user_id: str, notification_type: str, channel: str, enabled: bool,
                    author: str) -> None: ...

    def put_all(self, user_id: str, preferences: dict[str, dict[str, bool]],
                author: str) -> None: ...


class NotificationTypes(Protocol):
    """chalicelib/records/notification_types.py's NotificationTypes, as used here."""

    def get(self, name: str) -> dict[str, Any] | None: ...

    def list(self) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class Offer:
    """What an unsubscribe link turns off, and the user's preference page."""

    notification_type: str
    description: str
    preferences_token: str


@dataclass(frozen=True)
class Toggle:
    notification_type: str
    description: str
    channels: dict[str, bool]  # the type's channels: on or off for this user


class SelfService:
    def __init__(self, signer: LinkSigner, preferences: Preferences,
                 notification_types: NotificationTypes) -> None:
        self.signer = signer
        self.preferences = preferences
        self.types = notification_types

    def offer(self, token: str) -> Offer:
        """What the link would unsubscribe from (GET: changes nothing)."""
        return self._offer(self.signer.audience_of(token, UNSUBSCRIBE))

    def unsubscribe(self, token: str) -> Offer:
        """Turn the link's notification type's email off for its user (POST, one click)."""
        audience = self.signer.audience_of(token, UNSUBSCRIBE)
        offer = self._offer(audience)
        self.preferences.set_channel(audience.user_id, audience.notification_type, "email",
                                     False, author=UNSUBSCRIBE_AUTHOR)
        return offer

    def toggles(self, token: str) -> list[Toggle]:
        """The user's channels per notification type (auth mail is never switched off)."""
        return self._toggles(self.signer.audience_of(token, PREFERENCES).user_id)

    def save(self, token: str, checked: Mapping[str, Any]) -> list[Toggle]:
        """Store the page's form: a box named `<type>:<channel>` present means on."""
        user_id = self.signer.audience_of(token, PREFERENCES).user_id
        chosen = {toggle.notification_type: {channel: f"{toggle.notification_type}:{channel}"
                                             in checked for channel in toggle.channels}
                  for toggle in self._toggles(user_id)}
        if chosen:
            self.preferences.put_all(user_id, chosen, author=PREFERENCE_PAGE_AUTHOR)
        return self._toggles(user_id)

    def _offer(self, audience: Audience) -> Offer:
        kind = self.types.get(audience.notification_type)
        if kind is None:
            raise NotFound("this notification no longer exists: there is nothing to "
                           "unsubscribe from", field="token")
        return Offer(audience.notification_type, _description(kind),
                     self.signer.token_for(PREFERENCES, audience.user_id))

    def _toggles(self, user_id: str) -> list[Toggle]:
        stored = self.preferences.get_all(user_id)
        toggles = []
        for kind in sorted(self.types.list(), key=lambda k: k["name"]):
            if kind.get("category") != "notification":
                continue
            defaults = kind.get("defaults") or {}
            states = stored.get(kind["name"], {})
            channels = {channel: bool(states.get(channel, defaults.get(channel, True)))
                        for channel in CHANNELS if channel in (kind.get("channels") or {})}
            if channels:
                toggles.append(Toggle(kind["name"], _description(kind), channels))
        return toggles


def _description(kind: Mapping[str, Any]) -> str:
    return str(kind.get("description") or kind["name"])
