"""POST /notifications: a notification type for a user, fanned out per channel.

The user and the type are resolved first (unknown: 404 naming the field, nothing
published); each requested channel is then skipped with its reason (no
template, no address, turned off, suppressed) or run through the accept path
(`accept(body, key, channel=..., dispatch=...)`), so idempotency, rate limits,
suppression, expiry and the message log apply as to POST /emails; the accept
path's dispatch publishes the queue message to the notifications topic with
its `channel` attribute, and the topic's subscriptions put it in the channel's
queue. A retry with the same Idempotency-Key gets the same notification id and
messages: each channel's key is derived from the caller's key and the channel.
"""
from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any, Callable

from chalicelib.errors import BadRequest, NotFound, Unprocessable
from chalicelib.notifications.channels import CHANNELS, SUPPRESSED, Delivery, plan_deliveries
from chalicelib.notifications.profiles import type_name_of, user_id_of
from chalicelib.platform import logs
from chalicelib.platform.untrusted_json import load_request_object
from chalicelib.records.notification_types import NotificationTypes
from chalicelib.records.preferences import PreferenceStore
from chalicelib.records.users import UserStore
from chalicelib.sending.accept import Audience, Dispatch
from chalicelib.sending.request import idempotency_key

_FIELDS = {"user_id", "notification", "variables", "channels"}
_IDS = uuid.UUID("5b1d0c8e-6f0e-4a53-9d9a-6b8f1f0e2c11")  # namespace of derived ids
Accept = Callable[..., dict[str, Any]]  # Producer.accept


def channel_key(key: str | None, channel: str) -> str | None:
    """The accept path's Idempotency-Key for one channel of a notification (at most
    95 characters whatever the caller's key, and apart from keys of POST /emails)."""
    if key is None:
        return None
    return f"notification:{channel}:{hashlib.sha256(key.encode()).hexdigest()}"


class Notifier:
    def __init__(self, users: UserStore, preferences: PreferenceStore,
                 types: NotificationTypes, accept: Accept, dispatch: Dispatch,
                 max_bytes: int) -> None:
        self.users = users
        self.preferences = preferences
        self.types = types
        self.accept = accept
        self.dispatch = dispatch
        self.max_bytes = max_bytes

    def send(self, raw_body: bytes, raw_key: str | None) -> dict[str, Any]:
        key = idempotency_key(raw_key)
        user_id, name, variables, requested = self._parse(raw_body)
        kind = self.types.get(name)
        if kind is None:
            raise NotFound(f"no notification type {name!r}", field="notification")
        user = self.users.get(user_id)
        if user is None:
            raise NotFound(f"no user {user_id!r}", field="user_id")
        requested = requested or [c for c in CHANNELS if c in kind["channels"]]
        planned = plan_deliveries(user, kind, self.preferences.get_all(user_id), requested)
        notification_id = (str(uuid.uuid5(_IDS, key)) if key else str(uuid.uuid4()))
        with logs.bind(notification_id=notification_id):
            audience = Audience(user_id, name)  # for the mail's unsubscribe links
            deliveries = [self._deliver(delivery, user, variables, key, audience)
                          for delivery in planned]
            logs.info("notification accepted", notification=name,
                      queued=sum(d["status"] == "queued" for d in deliveries))
        return {"notification_id": notification_id, "deliveries": deliveries}

    def _deliver(self, delivery: Delivery, user: dict[str, Any], variables: dict[str, Any],
                 key: str | None, audience: Audience) -> dict[str, Any]:
        if delivery.skipped:
            return _skipped(delivery.channel, delivery.skipped)
        body = {"to": delivery.address, "template": delivery.template, "variables": variables}
        if user.get("locale"):
            body["locale"] = user["locale"]
        try:
            accepted = self.accept(json.dumps(body).encode(), channel_key(key, delivery.channel),
                                   channel=delivery.channel, dispatch=self.dispatch,
                                   audience=audience)
        except Unprocessable as error:
            if error.code != SUPPRESSED:
                raise
            return _skipped(delivery.channel, SUPPRESSED)
        return {"channel": delivery.channel, "status": "queued",
                "message_id": accepted["message_id"]}

    def _parse(self, raw_body: bytes) -> tuple[str, str, dict[str, Any], list[str]]:
        body = load_request_object(raw_body, self.max_bytes, _FIELDS)
        for required in ("user_id", "notification"):
            if required not in body:
                raise BadRequest(f"{required} is required", field=required)
        variables = body.get("variables", {})
        if not isinstance(variables, dict):
            raise BadRequest("variables must be an object", field="variables")
        return (user_id_of(body["user_id"]), type_name_of(body["notification"]), variables,
                _channels(body.get("channels")))


def _channels(raw: Any) -> list[str]:
    """The requested channels in order; empty: the type's."""
    if raw is None:
        return []
    if not isinstance(raw, list) or not raw:
        raise BadRequest(f"channels is a non-empty list of {', '.join(CHANNELS)}",
                         field="channels")
    for channel in raw:
        if channel not in CHANNELS:
            raise BadRequest(f"unknown channel {channel!r} (channels: {', '.join(CHANNELS)})",
                             field="channels")
    if len(set(raw)) != len(raw):
        raise BadRequest("channels names a channel twice", field="channels")
    return list(raw)


def _skipped(channel: str, reason: str) -> dict[str, Any]:
    return {"channel": channel, "status": "skipped", "reason": reason}
