"""POST /emails (and SMS): validate everything a caller can get wrong, then enqueue.

A request is answered 202 only after the template rendered with its
variables and one idempotent DynamoDB transaction recorded it (log entry,
idempotency key, suppression check, rate counter, and the queue message in
the outbox). The SQS send comes next; if it fails, or the API dies before
it, the outbox still holds the message and the reconciler (or the caller's
retry with the same Idempotency-Key) enqueues it, so no 202 depends on it.

A message has a channel: `email` (the default) or `sms`. An SMS goes to an
E.164 number with an SMS template, is rate limited per number when it is an
auth template, and waits in its own queue; everything else is the same path.

A caller may hand a `dispatch` that delivers the queue message instead of the
send queue (POST /notifications publishes it to the notifications topic, whose
subscription for the channel puts it in that channel's queue); the outbox and
its reconciler stay the fallback either way.
"""
from __future__ import annotations

import json
import time
import uuid
from typing import Any, Callable, Mapping

from chalicelib.errors import (
    BadRequest,
    Conflict,
    ServiceUnavailable,
    TooManyRequests,
    Unprocessable,
)
from chalicelib.links.tokens import new_seed
from chalicelib.messages import envelope
from chalicelib.messages.envelope import Audience
from chalicelib.messages.queue import SendQueue
from chalicelib.platform import dynamo, logs, metrics, redaction
from chalicelib.platform.dynamo import TransactionCancelled
from chalicelib.platform.settings import Settings
from chalicelib.records.message_log import MessageLog
from chalicelib.records.outbox import Outbox
from chalicelib.records.states import QUEUED, SUPERSEDED
from chalicelib.records.supersede import SupersedeIndex
from chalicelib.records.suppression import SuppressionList
from chalicelib.sending.idempotency import IdempotencyStore, KeyRecord, request_hash
from chalicelib.sending.rate_limits import Quota, RateLimiter
from chalicelib.sending.request import (
    SendRequest,
    check_stored_sizes,
    idempotency_key,
    parse_send_request,
)
from chalicelib.templating.cache import TemplateCache

_CONFLICT_RETRIES = 3  # TransactionConflict: another request touched the same items
# (message id, encoded queue message, channel): hands an accepted message on
Dispatch = Callable[[str, str, str], Any]

# (message id, encoded queue message): how one accepted message leaves
_Sender = Callable[[str, str], Any]


class Producer:
    def __init__(self, settings: Settings, cache: TemplateCache, log: MessageLog,
                 idempotency: IdempotencyStore, limiter: RateLimiter,
                 suppressions: SuppressionList, queues: Mapping[str, SendQueue],
                 outbox: Outbox, dynamodb: Any, supersedes: SupersedeIndex,
                 clock: Callable[[], float] = time.time,
                 new_id: Callable[[], str] = lambda: str(uuid.uuid4())) -> None:
        self.settings = settings
        self.cache = cache
        self.log = log
        self.idempotency = idempotency
        self.limiter = limiter
        self.suppressions = suppressions
        self.queues = queues  # channel -> its queue
        self.outbox = outbox
        self.db = dynamodb
        self.supersedes = supersedes
        self.clock = clock
        self.new_id = new_id

    def accept(self, raw_body: bytes, raw_key: str | None, channel: str = envelope.EMAIL,
               dispatch: Dispatch | None = None,
               audience: Audience | None = None,
               quotas: Callable[[SendRequest], list[Quota]] | None = None) -> dict[str, Any]:
        """Check, record and enqueue one message for `channel`; the answer of a 202.
        `dispatch` (told the channel) replaces the channel's queue as the way the queue
        message travels. `audience` (internal callers only, never POST /emails' body)
        names the user and notification type the mail is for: the consumer gives such
        mail its unsubscribe links. `quotas` (internal callers only: the staff's test
        send) replaces the hourly limits the mail counts against (by default an auth
        template's per-recipient limit)."""
        if channel not in self.queues:
            raise BadRequest(f"unknown channel {channel!r}", field="channel")
        key = idempotency_key(raw_key)
        handoff = self._sender(channel, dispatch)
        request = parse_send_request(raw_body, self.settings.max_request_bytes, self.clock(),
                                     channel)
        compiled = self.cache.latest(request.template)
        with redaction.guarding(redaction.secret_values(request.variables,
                                                        compiled.secret_names)):
            if compiled.doc.category == "layout":
                raise Unprocessable("a layout cannot be sent; send a template that extends it",
                                    field="template", code="not_sendable")
            if compiled.doc.channel != channel:
                raise Unprocessable(
                    f"template {request.template!r} is an {compiled.doc.channel} template; "
                    f"this request sends {channel}", field="template", code="wrong_channel")
            compiled.check_links(request.variables, allow_http=self.settings.local_mode)
            if channel == envelope.SMS:
                locale = compiled.render_sms(request.variables, request.locale).locale
            else:
                locale = compiled.render(request.variables, request.locale,
                                         deliverable=False).locale
            message_id = self.new_id()
            body = envelope.encode(envelope.send_body(
                message_id, request.recipient, request.template, compiled.version,
                compiled.pins, locale, request.variables, compiled.secret_names,
                request.expires_at, int(self.clock() * 1000), channel, audience,
                link_seed=new_seed() if compiled.link_names else None))
            with logs.bind(message_id=message_id):
                limits = quotas(request) if quotas else self._quotas(request, compiled)
                replayed = self._record(request, compiled, message_id, locale, body,
                                        key, request_hash(request.body, compiled.secret_names),
                                        handoff, audience, limits)
                if replayed is not None:
                    return replayed
                self._enqueue(message_id, body, handoff)
                logs.info(f"{channel} accepted", template=request.template,
                          template_version=compiled.version)
                answer = {"message_id": message_id, "status": "queued",
                          "template_version": compiled.version}
                if request.supersede_key is not None:
                    answer["superseded"] = self._supersede(request, message_id)
            return answer

    def _supersede(self, request: SendRequest, message_id: str) -> list[str]:
        """Mark the group's previous mail `superseded` if it has not left yet (the
        consumer's claim is conditional on `queued`, so it is then never sent)."""
        try:
            previous = self.supersedes.swap(request.to.key, request.supersede_key or "",
                                            message_id)
            if previous is None or not self.log.move(previous, SUPERSEDED, only=(QUEUED,),
                                                     detail=f"superseded by {message_id}"):
                return []
        except Exception:  # noqa: BLE001 - the new mail is accepted; the old one may still go
            logs.warning("could not supersede the previous mail", exc_info=True)
            return []
        metrics.count("Superseded", message_id=previous, template=request.template)
        return [previous]

    def _quotas(self, request: SendRequest, compiled: Any) -> list[Quota]:
        """The hourly limits a send counts against: an auth template's per recipient."""
        if compiled.doc.category != "auth":
            return []
        sms = compiled.doc.channel == envelope.SMS
        limit = compiled.doc.rate_limit_per_hour or (
            self.settings.sms_auth_rate_limit_per_hour if sms
            else self.settings.auth_rate_limit_per_hour)
        what = "messages to this number" if sms else "mails to this address"
        return [Quota(request.to.key, limit, f"{request.template} {what}")]

    def _record(self, request: SendRequest, compiled: Any, message_id: str, locale: str,
                body: str, key: str | None, body_hash: str,
                handoff: _Sender,
                audience: Audience | None, quotas: list[Quota]) -> dict[str, Any] | None:
        """The accepting transaction; returns the earlier answer when `key` replays a request."""
        ops: list[tuple[str, dict[str, Any]]] = []
        if key:
            ops.append(("idempotency", self.idempotency.remember_op(
                key, KeyRecord(body_hash, message_id, compiled.version))))
        ops.append(("suppression", self.suppressions.not_suppressed_op(request.to)))
        sms = compiled.doc.channel == envelope.SMS
        for number, quota in enumerate(quotas):
            ops.append((f"rate:{number}", self.limiter.consume_op(quota.key, quota.limit)))
        entry = {
            "message_id": message_id, "to": request.recipient,
            "channel": envelope.SMS if sms else None,  # a mail's entry stays as it was
            "template": request.template, "template_version": compiled.version,
            "pins": compiled.pins, "locale": locale, "category": compiled.doc.category,
            "variables": json.dumps(redaction.redact_variables(request.variables,
                                                               compiled.secret_names)),
            "secret": compiled.secret_names or None,
            "expires_at": request.expires_at and int(request.expires_at),
            "user_id": audience and audience.user_id,
            "notification_type": audience and audience.notification_type,
        }
        check_stored_sizes(body, entry)  # before the first write: nothing half-written
        ops.append(("entry", self.log.new_entry_op(entry)))
        ops.append(("outbox", self.outbox.put_op(message_id, body)))
        for attempt in range(_CONFLICT_RETRIES):
            token = message_id if attempt == 0 else str(uuid.uuid4())
            try:
                dynamo.transact(self.db, ops, token)
                return None
            except TransactionCancelled as cancelled:
                if cancelled.refused("entry") or cancelled.refused("outbox"):
                    return None  # our own earlier attempt took effect (the id is new)
                if key and cancelled.refused("idempotency"):
                    return self._replay(key, body_hash, message_id, handoff)
                if cancelled.refused("suppression"):
                    metrics.count("Suppressed", template=request.template)  # refused: no mail
                    raise Unprocessable("the recipient is on the suppression list",
                                        field="to", code="suppressed") from None
                full = [q for n, q in enumerate(quotas) if cancelled.refused(f"rate:{n}")]
                if full:
                    retry_after = self.limiter.retry_after_s()
                    raise TooManyRequests(
                        f"too many {full[0].what} this hour; retry after {retry_after} s",
                        field=full[0].field, code=full[0].code,
                        retry_after_s=retry_after) from None
                if not cancelled.conflict:
                    raise
            except Exception:  # noqa: BLE001 - the outcome is unknown: look before answering
                if self._committed(message_id):
                    return None
                raise ServiceUnavailable("could not record the mail; retry the request "
                                         "(with the same Idempotency-Key)",
                                         code="store_unavailable") from None
        raise ServiceUnavailable("the mail's records are busy; retry the request",
                                 code="store_busy", retry_after_s=1)

    def _committed(self, message_id: str) -> bool:
        """After a transaction failed in an unknown way: did it take effect anyway?"""
        try:
            return self.log.get(message_id) is not None
        except Exception:  # noqa: BLE001 - still unknown; the caller is told to retry
            logs.error("accept outcome unknown", exc_info=True)
            return False

    def _replay(self, key: str, body_hash: str, message_id: str,
                handoff: _Sender) -> dict[str, Any] | None:
        """The answer to a repeated Idempotency-Key; None when the key is our own."""
        record = self.idempotency.get(key)
        if record is None:
            raise Conflict("a request with this Idempotency-Key is in progress; retry",
                           field="Idempotency-Key", code="idempotency_in_progress")
        if record.message_id == message_id:
            return None  # our own transaction took effect before its response was lost
        if record.request_hash != body_hash:
            raise Conflict("Idempotency-Key was already used with a different body",
                           field="Idempotency-Key", code="idempotency_key_reused")
        with logs.bind(message_id=record.message_id):
            waiting = self.outbox.get(record.message_id)
            if waiting is not None:
                # The first request stopped between its transaction and its SQS send:
                # enqueue what it recorded (a second copy is harmless: the claim).
                self._enqueue(record.message_id, waiting, handoff)
            entry = self.log.get(record.message_id) or {}
        return {"message_id": record.message_id, "status": entry.get("status", "queued"),
                "template_version": record.template_version, "replayed": True}

    def _sender(self, channel: str, dispatch: Dispatch | None) -> _Sender:
        """The channel's queue, or `dispatch` told the message's channel."""
        if dispatch is None:
            return lambda _message_id, body: self.queues[channel].send(body)
        return lambda message_id, body: dispatch(message_id, body, channel)

    def _enqueue(self, message_id: str, body: str, handoff: _Sender) -> None:
        """Send to the channel's queue (or dispatch), then drop the outbox copy; a
        failure leaves it to the reconciler."""
        try:
            handoff(message_id, body)
        except Exception:  # noqa: BLE001 - recorded in the outbox: still accepted
            logs.warning("enqueue failed; the reconciler will queue the mail", exc_info=True)
            return
        try:
            self.outbox.delete(message_id)
        except Exception:  # noqa: BLE001 - the claim deletes it too; a copy is harmless
            logs.warning("outbox entry not deleted; the claim will remove it", exc_info=True)
