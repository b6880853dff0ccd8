"""Users, their preferences and the notification types, checked before they are
stored: every field a caller can get wrong is refused with a 4xx naming it.

A user's `email` is validated as POST /emails validates `to`; `phone` is E.164
(`+`, then 8 to 15 digits, the first not 0); `locale` as a template's. A type's
template for a channel must exist and be a template of that channel.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Mapping

from chalicelib.addresses import parse_address
from chalicelib.errors import BadRequest, NotFound, Unprocessable
from chalicelib.notifications.channels import AUTH, CHANNELS, channel_enabled
from chalicelib.records.notification_types import NotificationTypes
from chalicelib.records.preferences import PreferenceStore, channel_states
from chalicelib.records.users import PROFILE_FIELDS, UserStore
from chalicelib.templating.model import LOCALE_PATTERN, validate_name

E164 = re.compile(r"\+[1-9][0-9]{7,14}\Z")
USER_ID = re.compile(r"[A-Za-z0-9_.:@+=-]{1,128}\Z")  # Cognito identity ids have a colon
CATEGORIES = (AUTH, "notification")
_TYPE_FIELDS = {"category", "channels", "defaults"}
# A template saved before templates named their channel is an email template.
_UNNAMED_CHANNEL = "email"


def user_id_of(raw: Any, field: str = "user_id") -> str:
    if not isinstance(raw, str) or not USER_ID.match(raw):
        raise BadRequest(f"{field} is 1-128 letters, digits or _.:@+=-", field=field)
    return raw


def type_name_of(raw: Any, field: str = "notification") -> str:
    try:
        return validate_name(raw)
    except BadRequest:
        raise BadRequest(f"{field} is a notification type name (a-z, 0-9, -)",
                         field=field) from None


def parse_user(body: Any) -> dict[str, Any]:
    """The profile fields of a PUT /users body (null removes a field)."""
    _object(body, "body")
    _no_unknown(body, set(PROFILE_FIELDS))
    fields: dict[str, Any] = {}
    if "email" in body:
        fields["email"] = None if body["email"] is None else parse_address(
            body["email"], field="email").email
    if "phone" in body:
        phone = body["phone"]
        if phone is not None and (not isinstance(phone, str) or not E164.match(phone)):
            raise BadRequest("phone is an E.164 number: + and 8-15 digits, e.g. +14155550100",
                             field="phone")
        fields["phone"] = phone
    if "locale" in body:
        locale = body["locale"]
        if locale is not None and (not isinstance(locale, str) or not LOCALE_PATTERN.match(locale)):
            raise BadRequest("locale looks like en or pt-BR", field="locale")
        fields["locale"] = locale
    return fields


def _is_type_name(raw: Any) -> bool:
    """Whether `raw` could name a type (the store cannot even look up an empty key)."""
    try:
        type_name_of(raw)
    except BadRequest:
        return False
    return True


def _object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadRequest(f"{field} must be a JSON object", field=field)
    return value


def _no_unknown(body: Mapping[str, Any], known: set[str], prefix: str = "") -> None:
    unknown = sorted(set(body) - known)
    if unknown:
        raise BadRequest(f"unknown field {prefix + unknown[0]!r}", field=prefix + unknown[0])


def _channel_states(raw: Any, field: str) -> dict[str, bool]:
    """`{"email": bool, "sms": bool}` (either may be left out)."""
    _object(raw, field)
    for channel, state in raw.items():
        if channel not in CHANNELS:
            raise BadRequest(f"unknown channel {channel!r} (channels: {', '.join(CHANNELS)})",
                             field=f"{field}.{channel}")
        if not isinstance(state, bool):
            raise BadRequest(f"{field}.{channel} must be true or false",
                             field=f"{field}.{channel}")
    return dict(raw)


class Profiles:
    """PUT/GET /users/{id}, its preferences, and the notification types."""

    def __init__(self, users: UserStore, preferences: PreferenceStore,
                 types: NotificationTypes, latest_template: Callable[[str], Any]) -> None:
        self.users = users
        self.preferences = preferences
        self.types = types
        self.latest_template = latest_template

    def get_user(self, user_id: str) -> dict[str, Any]:
        user = self.users.get(user_id_of(user_id))
        if user is None:
            raise NotFound(f"no user {user_id!r}", field="user_id")
        return user

    def put_user(self, user_id: str, body: Any, author: str) -> dict[str, Any]:
        return self.users.put(user_id_of(user_id), parse_user(body), author)

    def get_preferences(self, user_id: str) -> dict[str, Any]:
        """Each type's channel states as they apply to the user (stored or the default;
        auth always on), and who changed the stored ones when."""
        self.get_user(user_id)
        items = self.preferences.items(user_id)
        stored = {item["notification_type"]: channel_states(item) for item in items}
        effective = {kind["name"]: {channel: channel_enabled(kind, stored, channel)
                                    for channel in kind["channels"]}
                     for kind in self.types.list()}
        changed = {item["notification_type"]: {"updated_at": item.get("updated_at"),
                                               "updated_by": item.get("updated_by")}
                   for item in items}
        return {"user_id": user_id, "preferences": effective, "stored": stored,
                "changed": changed}

    def put_preferences(self, user_id: str, body: Any, author: str) -> dict[str, Any]:
        """Store the states given (types and channels not named stay as they were)."""
        self.get_user(user_id)
        _no_unknown(_object(body, "body"), {"preferences"})
        wanted = _object(body.get("preferences"), "preferences")
        checked = {}
        for name, states in wanted.items():
            field = f"preferences.{name}"
            if not _is_type_name(name) or self.types.get(name) is None:
                raise NotFound(f"no notification type {name!r}", field=field)
            checked[name] = _channel_states(states, field)
        self.preferences.put_all(user_id, checked, author)
        return self.get_preferences(user_id)

    def put_type(self, name: str, body: Any, author: str) -> dict[str, Any]:
        name = type_name_of(name, field="name")
        _no_unknown(_object(body, "body"), _TYPE_FIELDS)
        category = body.get("category")
        if category not in CATEGORIES:
            raise BadRequest(f"category is one of {', '.join(CATEGORIES)}", field="category")
        channels = _object(body.get("channels"), "channels")
        if not channels:
            raise BadRequest("channels names a template for at least one channel",
                             field="channels")
        checked = {channel: {"template": self._template(channel, settings)}
                   for channel, settings in channels.items()}
        defaults = _channel_states(body.get("defaults", {}), "defaults")
        return self.types.put(name, {"category": category, "channels": checked,
                                     "defaults": {channel: defaults.get(channel, True)
                                                  for channel in checked}}, author)

    def _template(self, channel: Any, settings: Any) -> str:
        """The template a type names for `channel`: it exists and is that channel's."""
        field = f"channels.{channel}"
        if channel not in CHANNELS:
            raise BadRequest(f"unknown channel {channel!r} (channels: {', '.join(CHANNELS)})",
                             field=field)
        _no_unknown(_object(settings, field), {"template"}, prefix=f"{field}.")
        field += ".template"
        try:
            name = validate_name(settings.get("template"))
            doc = self.latest_template(name).doc
        except BadRequest:
            raise BadRequest("template is a template name", field=field) from None
        except NotFound:
            raise NotFound(f"no template {settings.get('template')!r}", field=field) from None
        if doc.category == "layout":
            raise Unprocessable("a layout cannot be sent; name a template that extends it",
                                field=field, code="not_sendable")
        if getattr(doc, "channel", _UNNAMED_CHANNEL) != channel:
            raise Unprocessable(f"template {name!r} is not a {channel} template",
                                field=field, code="wrong_channel")
        return name

    def get_type(self, name: str) -> dict[str, Any]:
        kind = self.types.get(type_name_of(name, field="name"))
        if kind is None:
            raise NotFound(f"no notification type {name!r}", field="name")
        return kind

    def list_types(self) -> list[dict[str, Any]]:
        return self.types.list()
