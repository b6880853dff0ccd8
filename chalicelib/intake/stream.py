"""Welcome mail from a users table's DynamoDB stream (SPEC C9, seed 002).

Lambda's stream mapping hands `WelcomeSender.handle` batches of records. An
INSERT whose new image carries an email address becomes a `welcome` send
through the producer's accept path, with an idempotency key made of the
table and the item's key: a shard retry or a replay gets the first send's
answer instead of a second mail. MODIFY and REMOVE send nothing.

A record Herald cannot use (no address, an unreadable image) and a send the
accept path refuses for good (suppressed, unrenderable) are logged and
skipped; the logs name the record by its sequence number only, since the
image holds personal data. A record that failed in a way that may pass
(a store did not answer) is reported by its SequenceNumber: Lambda resends
from the lowest one reported, and the records after it, already sent, come
back as replays.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from chalicelib.errors import HeraldError
from chalicelib.platform import dynamo, logs
from chalicelib.platform.settings import Settings
from chalicelib.platform.sqs_batch import BatchFailed, BatchResponse
from chalicelib.templating.model import LOCALE_PATTERN

StreamRecord = dict[str, Any]  # one record of Lambda's DynamoDB stream event
Accept = Callable[[bytes, str | None], dict[str, Any]]  # Producer.accept

LOCALE_TARGET = "locale"  # an attribute mapped here sets the mail's locale, not a variable
# Refusals that may pass on a retry although their kind is final (another
# invocation holds the same key right now).
_RETRIED_CODES = frozenset({"idempotency_in_progress"})


class NotSendable(ValueError):
    """The record cannot become a welcome mail; `reason` says why without its data."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class WelcomeMapping:
    """What a new item becomes: the template, the attribute holding the address,
    item attribute -> variable (or `locale`), and variables every welcome carries."""

    template: str = "welcome"
    email_attribute: str = "email"
    attributes: Mapping[str, str] | None = None
    defaults: Mapping[str, Any] | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> WelcomeMapping:
        """From the stage's settings; ValueError names a setting that is not a JSON object."""
        attributes = _json_object(settings.welcome_attributes, "HERALD_WELCOME_ATTRIBUTES")
        if not all(isinstance(target, str) for target in attributes.values()):
            raise ValueError("HERALD_WELCOME_ATTRIBUTES maps attribute names to variable names")
        return cls(settings.welcome_template, settings.welcome_email_attribute, attributes,
                   _json_object(settings.welcome_variables, "HERALD_WELCOME_VARIABLES"))


def _json_object(raw: str, setting: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise ValueError(f"{setting} must be a JSON object")
    return value


@dataclass(frozen=True)
class WelcomeRequest:
    body: bytes  # a POST /emails body
    idempotency_key: str


def table_of(stream_arn: str) -> str:
    """`arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>` -> `<name>`."""
    resource = stream_arn.split(":", 5)[-1]
    kind, _, rest = resource.partition("/")
    name = rest.partition("/")[0]
    if kind != "table" or not name:
        raise NotSendable("eventSourceARN is not a DynamoDB stream ARN")
    return name


def welcome_key(table: str, keys: Mapping[str, Any]) -> str:
    """The same for every delivery of the same item's INSERT (the stream label,
    which changes when a stream is re-enabled, is left out)."""
    item = json.dumps(keys, sort_keys=True, separators=(",", ":"), default=str)
    return "welcome:" + hashlib.sha256(f"{table}\n{item}".encode()).hexdigest()


def _image(change: Mapping[str, Any], name: str) -> dict[str, Any]:
    raw = change.get(name)
    if not isinstance(raw, dict) or not raw:
        raise NotSendable(f"the record has no {name}")
    try:
        return dynamo.from_item(raw)
    except (TypeError, ValueError, AttributeError):
        raise NotSendable(f"{name} is not a DynamoDB item") from None


def welcome_request(record: StreamRecord, mapping: WelcomeMapping) -> WelcomeRequest | None:
    """The send one stream record asks for: None when it asks for none (not an
    INSERT); NotSendable when an INSERT cannot be sent."""
    if record.get("eventName") != "INSERT":
        return None
    change = record.get("dynamodb")
    if not isinstance(change, dict):
        raise NotSendable("the record has no dynamodb change")
    keys, image = _image(change, "Keys"), _image(change, "NewImage")
    email = image.get(mapping.email_attribute)
    if not isinstance(email, str) or not email.strip():
        raise NotSendable(f"the new item has no {mapping.email_attribute!r} string attribute")
    variables = dict(mapping.defaults or {})
    locale = None
    for attribute, target in (mapping.attributes or {}).items():
        value = image.get(attribute)
        if value is None:
            continue
        if target != LOCALE_TARGET:
            variables[target] = value
        elif isinstance(value, str) and LOCALE_PATTERN.match(value):
            locale = value
        else:
            logs.warning("welcome locale ignored: not a locale like en or pt-BR",
                         attribute=attribute)
    body = {"template": mapping.template, "to": email, "variables": variables}
    if locale:
        body["locale"] = locale
    try:
        raw = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    except (TypeError, ValueError):
        raise NotSendable("a mapped attribute is not a JSON value (a set or binary)") from None
    return WelcomeRequest(raw, welcome_key(table_of(str(record.get("eventSourceARN", ""))), keys))


class WelcomeSender:
    """The stream handler: each batch's records in order, failures reported by
    SequenceNumber (or the whole batch raised when the mapping cannot take them)."""

    def __init__(self, accept: Accept, mapping: WelcomeMapping, report_partial: bool) -> None:
        self.accept = accept
        self.mapping = mapping
        self.report_partial = report_partial

    def handle(self, records: Sequence[StreamRecord]) -> BatchResponse:
        failed = [_sequence_number(record) for record in records if not self._one(record)]
        if failed and not self.report_partial:
            raise BatchFailed(f"{len(failed)} of {len(records)} stream records failed")
        return {"batchItemFailures": [{"itemIdentifier": number} for number in failed]}

    def _one(self, record: StreamRecord) -> bool:
        """Settle one record; False when it should come again."""
        with logs.bind(sequence_number=_sequence_number(record)):
            try:
                request = welcome_request(record, self.mapping)
            except NotSendable as skipped:
                logs.warning("users stream record skipped", reason=skipped.reason)
                return True
            if request is None:
                return True
            try:
                answer = self.accept(request.body, request.idempotency_key)
            except HeraldError as refused:
                again = refused.retryable or refused.code in _RETRIED_CODES
                logs.warning("welcome mail not accepted", code=refused.code,
                             field=refused.field, retried=again)
                return not again
            except Exception:  # noqa: BLE001 - unknown trouble: Lambda retries the record
                logs.error("welcome mail failed; the record will be retried", exc_info=True)
                return False
            logs.info("welcome mail accepted", message_id=answer.get("message_id"),
                      replayed=bool(answer.get("replayed")))
            return True


def _sequence_number(record: StreamRecord) -> str:
    change = record.get("dynamodb")
    return str(change.get("SequenceNumber", "")) if isinstance(change, dict) else ""
