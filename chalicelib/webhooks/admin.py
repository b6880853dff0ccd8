"""What the /webhooks routes do: register, show, delete and test endpoints,
and list their recent deliveries. A secret is shown once: when the endpoint
is created or its secret rotated."""
from __future__ import annotations

import re
import time
from typing import Any, Callable, Protocol

from chalicelib.errors import BadRequest, NotFound
from chalicelib.platform import logs
from chalicelib.platform.clock import iso_time
from chalicelib.webhooks import events, signing
from chalicelib.webhooks.endpoints import EndpointStore, public_view
from chalicelib.webhooks.targets import UrlPolicy

NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_FIELDS = {"url", "events", "enabled", "rotate_secret"}


class Enqueue(Protocol):
    """The webhooks queue as the admin and the fan-out use it."""

    def send(self, body: str) -> str: ...


def _name(name: str) -> str:
    if not NAME.fullmatch(name or ""):
        raise BadRequest("name must be 1-64 of a-z, 0-9, - and _, starting with a letter or "
                         "digit", field="name")
    return name


def _events(value: object) -> list[str]:
    if not isinstance(value, list) or not value:
        raise BadRequest("events must be a non-empty list of event types", field="events")
    unknown = [e for e in value if e not in events.EVENT_TYPES]
    if unknown:
        raise BadRequest(f"events: unknown type {unknown[0]!r}; one of "
                         f"{', '.join(events.EVENT_TYPES)}", field="events")
    return sorted(set(value))


def _flag(body: dict[str, Any], field: str, default: bool) -> bool:
    value = body.get(field, default)
    if not isinstance(value, bool):
        raise BadRequest(f"{field} must be true or false", field=field)
    return value


class WebhookAdmin:
    def __init__(self, store: EndpointStore, policy: UrlPolicy, queue: Enqueue,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.policy = policy
        self.queue = queue
        self.clock = clock

    def put(self, name: str, body: object) -> dict[str, Any]:
        """PUT /webhooks/{name}: the endpoint, with `secret` when new or rotated."""
        _name(name)
        if not isinstance(body, dict):
            raise BadRequest("the body must be a JSON object", field="body")
        extra = sorted(set(body) - _FIELDS)
        if extra:
            raise BadRequest(f"unknown field {extra[0]!r}", field=extra[0])
        url = body.get("url")
        self.policy.check(url)
        subscribed = _events(body.get("events"))
        enabled = _flag(body, "enabled", True)
        rotate = _flag(body, "rotate_secret", False)
        secret = signing.new_secret() if rotate else None
        item = self.store.update(name, url, subscribed, enabled, secret)
        if item is None:
            secret = signing.new_secret()
            item = self.store.create(name, url, subscribed, enabled, secret)
        logs.info("webhook endpoint saved", webhook=name, secret_issued=secret is not None)
        view = public_view(item)
        return {**view, "secret": secret} if secret else view

    def get(self, name: str) -> dict[str, Any]:
        return public_view(self._item(name))

    def list(self) -> list[dict[str, Any]]:
        return self.store.list()

    def delete(self, name: str) -> None:
        if not self.store.delete(_name(name)):
            raise NotFound(f"webhook {name!r} not found", field="name")

    def test(self, name: str) -> dict[str, Any]:
        """POST /webhooks/{name}/test: queue a `webhook.test` event for it."""
        self._item(name)
        now = iso_time(self.clock())
        webhook_id = events.event_id(name, events.TEST_EVENT, now)
        event = {"type": events.TEST_EVENT, "timestamp": now, "data": {"webhook": name}}
        self.queue.send(events.encode(events.delivery(name, webhook_id, event)))
        return {"id": webhook_id}

    def deliveries(self, name: str) -> list[dict[str, Any]]:
        return self.store.recent(self._item(name))

    def _item(self, name: str) -> dict[str, Any]:
        item = self.store.get(_name(name))
        if item is None:
            raise NotFound(f"webhook {name!r} not found", field="name")
        return item
