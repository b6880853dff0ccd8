"""The fault harness: Herald's real handlers on the local AWS emulation, driven
the way AWS would drive them, with faults injected at their AWS calls.

- The emulation: the local stack's threaded moto server, in this process, so
  the harness can read what the emulated SES accepted.
- The API: the Chalice app's own route (middleware included) through
  chalice's local gateway, one request at a time (Chalice keeps
  `current_request` on the app object). A careful caller retries on 5xx and
  on no answer, mostly with the same Idempotency-Key.
- The consumer: N pollers that do what Lambda's SQS mapping does (batch of
  10, delete what the handler did not list in `batchItemFailures`, nothing
  when it raised or died), with duplicate deliveries injected.
- SES's part: each accepted send publishes a `Send` event (SNS envelope in an
  SQS feedback queue, SNS -> SQS -> Lambda), some dropped or delayed, polled
  into the real feedback handler (SNS- or SQS-shaped, whichever it takes).
- The reconciler, when the app has one, runs every few seconds.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import random
import re
import socket
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Callable

from .injector import Crash, FaultInjector, Process, Rule, running

HOST = "127.0.0.1"
REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
TEMPLATE = "otp"
FEEDBACK_QUEUE = "herald-dev-ses-events"
SENT_STATUSES = {"sent", "delivered", "bounced", "complained"}
FINAL_STATUSES = SENT_STATUSES | {"failed", "expired", "suppressed", "superseded"}
_HERALD_HEADER = re.compile(r"^X-Herald-Message-Id:\s*(\S+)", re.MULTILINE | re.IGNORECASE)


@dataclass
class Timings:
    """Short versions of the production timings (all seconds)."""

    # As deployed, a crashed consumer's mail comes back (visibility) only after its
    # lease (function timeout + 2 s) and the grace for SES's Send event have run out;
    # the grace should outlast the emulated feedback path's delay under the soak's load
    # (the emulator serves every DynamoDB call of API, consumers and feedback in turn).
    visibility_s: int = 40
    retry_base_s: int = 1
    retry_max_s: int = 2
    evidence_grace_s: int = 30
    max_receive_count: int = 3
    function_timeout_s: float = 5.0
    reconcile_every_s: float = 1.0
    feedback_visibility_s: int = 2


@dataclass
class Traffic:
    """How the world around Herald behaves (probabilities are per event)."""

    consumers: int = 2
    feedback_consumers: int = 2  # the feedback queue's pollers (Lambda scales them too)
    api_containers: int = 4  # API requests served at once
    duplicate_delivery: float = 0.0  # a received message is also re-sent to the queue
    send_event_drop: float = 0.0  # SES's Send event never reaches Herald
    send_event_delay_s: float = 0.2
    idempotency_key_share: float = 0.9  # requests carrying an Idempotency-Key
    caller_attempts: int = 6


class Emulator:
    """The local stack's threaded moto server on a free port of this machine."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind((HOST, 0))
            self.port = probe.getsockname()[1]
        self.endpoint = f"http://{HOST}:{self.port}"
        self.server: Any = None

    def __enter__(self) -> Emulator:
        from local_stack.emulator import LocalMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.server = LocalMotoServer(ip_address=HOST, port=self.port, verbose=False)
        self.server.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.stop()

    def reset(self) -> None:
        import urllib3

        urllib3.request("POST", f"{self.endpoint}/moto-api/reset")


class _LambdaContext:
    function_name = "herald-faults"

    def __init__(self, timeout_s: float) -> None:
        self.aws_request_id = str(uuid.uuid4())
        self.deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


@dataclass
class Ledger:
    """What happened, as the harness saw it."""

    accepted: dict[str, str] = field(default_factory=dict)  # message id -> request
    refused: Counter[str] = field(default_factory=Counter)  # final answers that were not 202
    sends: list[tuple[str, str]] = field(default_factory=list)  # (herald id, SES id)
    dropped_events: set[str] = field(default_factory=set)  # herald ids whose Send event was lost
    crash_window: set[str] = field(default_factory=set)  # sent by a process that died unrecorded
    crashes: Counter[str] = field(default_factory=Counter)
    bodies: dict[str, str] = field(default_factory=dict)  # herald id -> SQS body last seen


class Harness:
    """One emulated account with Herald and its surroundings running; use `with`."""

    def __init__(self, emulator: Emulator, rules: list[Rule] | None = None, seed: int = 0,
                 timings: Timings | None = None, traffic: Traffic | None = None,
                 consume: bool = True) -> None:
        self.emulator = emulator
        self.timings = timings or Timings()
        self.traffic = traffic or Traffic()
        self.injector = FaultInjector(rules, seed)
        self.rng = random.Random(seed + 1)
        self.ledger = Ledger()
        self.consuming = threading.Event()
        if consume:
            self.consuming.set()
        self.stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._containers: queue.Queue[Any] = queue.Queue()
        self._pending_events: list[tuple[float, str]] = []  # (due, SNS envelope)
        self._seen_sends = 0
        self._environ: dict[str, str] = {}

    # -- lifecycle -----------------------------------------------------------------

    def __enter__(self) -> Harness:
        import boto3

        from chalicelib import wiring
        from chalicelib.platform import aws
        from chalicelib.platform.settings import Settings
        from local_stack.environment import stage_env
        from local_stack.resources import create_resources

        self.emulator.reset()
        self._environ = dict(os.environ)
        t = self.timings
        env = {**stage_env("dev"), "AWS_ENDPOINT_URL": self.emulator.endpoint,
               "AWS_ACCESS_KEY_ID": "faults", "AWS_SECRET_ACCESS_KEY": "faults",
               "AWS_DEFAULT_REGION": REGION, "HERALD_AUTH_MODE": "off",
               "HERALD_LOCAL_MODE": "true", "HERALD_REPORT_BATCH_ITEM_FAILURES": "true",
               "HERALD_VISIBILITY_TIMEOUT_S": str(t.visibility_s),
               "HERALD_RETRY_BASE_S": str(t.retry_base_s),
               "HERALD_RETRY_MAX_S": str(t.retry_max_s),
               "HERALD_SEND_EVIDENCE_GRACE_S": str(t.evidence_grace_s),
               "HERALD_MAX_SEND_RATE": "10000"}
        os.environ.update(env)
        self.aws = boto3.session.Session()  # the harness's own clients: never faulted
        self.settings = Settings.from_env(os.environ)
        urls = create_resources(self.settings, self.aws, max_receive_count=t.max_receive_count,
                                visibility_timeout_s=t.visibility_s)
        os.environ.update({"HERALD_SEND_QUEUE_URL": urls["queue_url"],
                           "HERALD_DLQ_URL": urls["dlq_url"]})
        self.settings = Settings.from_env(os.environ)
        self.sqs = self.aws.client("sqs", region_name=REGION)
        self.dynamodb = self.aws.client("dynamodb", region_name=REGION)
        self.feedback_url = urls["feedback_queue_url"]
        self.sqs.set_queue_attributes(QueueUrl=self.feedback_url, Attributes={
            "VisibilityTimeout": str(t.feedback_visibility_s)})
        wiring.reset()
        self.injector.attach(aws.session().events)  # before Herald builds any client
        self._save_template()
        self._start()
        return self

    def __exit__(self, *exc: Any) -> None:
        from chalicelib import wiring

        self.stopping.set()
        self.consuming.set()
        for thread in self._threads:
            thread.join(timeout=30)
        os.environ.clear()
        os.environ.update(self._environ)
        wiring.reset()

    def _save_template(self) -> None:
        from chalicelib.wiring import services
        from tests.helpers import OTP

        services().templates.save(TEMPLATE, OTP, "faults")

    def _start(self) -> None:
        import app as herald

        self.app = herald
        for index in range(self.traffic.api_containers):
            self._containers.put(_api_container(index))
        loops: list[tuple[str, Callable[[], None]]] = [
            (f"consumer-{index}", self._consume_loop) for index in range(self.traffic.consumers)]
        loops += [(f"feedback-{index}", self._feedback_loop)
                  for index in range(self.traffic.feedback_consumers)]
        loops += [("ses", self._ses_loop), ("reconciler", self._reconcile_loop)]
        for name, loop in loops:
            thread = threading.Thread(target=self._forever, args=(loop,), name=f"faults-{name}",
                                      daemon=True)
            thread.start()
            self._threads.append(thread)

    def _forever(self, loop: Callable[[], None]) -> None:
        while not self.stopping.is_set():
            try:
                loop()
            except Exception:  # noqa: BLE001 - the emulation itself hiccuped; go on
                logging.getLogger("faults").warning("harness loop error", exc_info=True)
                time.sleep(0.2)

    # -- the API and its careful caller --------------------------------------------

    def post(self, body: str, key: str | None) -> tuple[int | None, dict[str, Any]]:
        """One POST /emails through the app's route: (status, answer); None = no answer."""
        headers = {"content-type": "application/json"}
        if key:
            headers["idempotency-key"] = key
        return self.api("POST", "/emails", body, headers)

    def api(self, method: str, path: str, body: str = "",
            headers: dict[str, str] | None = None) -> tuple[int | None, dict[str, Any]]:
        """One request to the app on a free API container: (status, JSON answer)."""
        from chalice.local import LocalGatewayException

        gateway = self._containers.get()
        try:
            with running(Process("api")) as process:
                try:
                    response = gateway.handle_request(method, path, headers or {},
                                                      body.encode())
                except Crash:
                    self.ledger.crashes[f"api after {process.crashed_at}"] += 1
                    return None, {}
                except LocalGatewayException as exc:
                    return exc.CODE, {}
                except Exception:  # noqa: BLE001 - what API Gateway answers for a dead function
                    return 502, {}
        finally:
            self._containers.put(gateway)
        raw = response.get("body") or "{}"
        return response["statusCode"], json.loads(raw) if raw.startswith("{") else {}

    def send_mail(self, index: int, key: str | None = "auto", expires_in_s: float | None = None,
                  ) -> str | None:
        """Ask for one mail as a careful client would; the message id once answered 202."""
        body: dict[str, Any] = {"to": f"user{index}@example.com", "template": TEMPLATE,
                                "variables": {"code": f"{index % 1_000_000:06d}",
                                              "name": f"User {index}"}}
        if expires_in_s is not None:
            body["expires_at"] = datetime.fromtimestamp(time.time() + expires_in_s,
                                                        UTC).isoformat()
        if key == "auto":
            key = (f"faults-{index}-{uuid.uuid4()}"
                   if self.rng.random() < self.traffic.idempotency_key_share else None)
        raw = json.dumps(body)
        status: int | None = None
        for attempt in range(self.traffic.caller_attempts):
            status, answer = self.post(raw, key)
            if status == 202:
                with self._lock:
                    self.ledger.accepted[answer["message_id"]] = f"request {index}"
                return answer["message_id"]
            if status is not None and status < 500 and status not in (409, 429):
                break
            time.sleep(min(1.0, 0.05 * 2 ** attempt))
        with self._lock:
            self.ledger.refused[str(status)] += 1
        return None

    # -- the consumer's event source mapping ----------------------------------------

    def _consume_loop(self) -> None:
        if not self.consuming.wait(0.2):
            return
        messages = self.sqs.receive_message(
            QueueUrl=self.settings.send_queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
            AttributeNames=["All"]).get("Messages", [])
        if not messages:
            return
        for message in messages:
            self._remember_body(message["Body"])
            if self.rng.random() < self.traffic.duplicate_delivery:
                self.sqs.send_message(QueueUrl=self.settings.send_queue_url,
                                      MessageBody=message["Body"])
        self._invoke("consumer", self.app.consume_send_queue, messages,
                     self.settings.send_queue_url)

    def _invoke(self, kind: str, handler: Any, messages: list[dict[str, Any]],
                queue_url: str, event: dict[str, Any] | None = None) -> None:
        """One Lambda invocation on `messages`; deletes what it acknowledged."""
        from local_stack.sqs_events import lambda_event

        if event is None:
            event = lambda_event(messages, f"arn:aws:sqs:{REGION}:{ACCOUNT}:queue", REGION)
        with running(Process(kind)) as process:
            try:
                result = handler(event, _LambdaContext(self.timings.function_timeout_s)) or {}
            except Crash:
                self._died(process)
                return
            except Exception:  # noqa: BLE001 - a raising handler fails the whole batch
                return
        failed = {item["itemIdentifier"] for item in result.get("batchItemFailures", [])} \
            if isinstance(result, dict) else set()
        done = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                for i, m in enumerate(messages) if m["MessageId"] not in failed]
        if done:
            self.sqs.delete_message_batch(QueueUrl=queue_url, Entries=done)

    def _died(self, process: Process) -> None:
        """Note a dead invocation and which of its sends it never recorded."""
        self.ledger.crashes[f"{process.kind} after {process.crashed_at}"] += 1
        for herald_id in process.sent:
            if self.status(herald_id) not in SENT_STATUSES:
                with self._lock:
                    self.ledger.crash_window.add(herald_id)

    def _remember_body(self, body: str) -> None:
        try:
            herald_id = json.loads(body).get("message_id")
        except (ValueError, AttributeError):
            return
        if isinstance(herald_id, str):
            with self._lock:
                self.ledger.bodies[herald_id] = body

    def redeliver(self, message_id: str, queue_url: str | None = None) -> None:
        """Put a copy of a mail's SQS message back (a duplicate delivery, or a DLQ'd copy)."""
        self.sqs.send_message(QueueUrl=queue_url or self.settings.send_queue_url,
                              MessageBody=self.ledger.bodies[message_id])

    # -- SES's part: accepted sends and their Send events -----------------------------

    def _ses_loop(self) -> None:
        from moto.ses.models import ses_backends

        time.sleep(0.05)
        sent = ses_backends[ACCOUNT][REGION].sent_messages
        for raw in list(sent[self._seen_sends:]):
            self._seen_sends += 1
            match = _HERALD_HEADER.search(getattr(raw, "raw_data", "") or "")
            herald_id = match.group(1) if match else ""
            with self._lock:
                self.ledger.sends.append((herald_id, raw.id))
                if self.rng.random() < self.traffic.send_event_drop:
                    self.ledger.dropped_events.add(herald_id)
                    continue
                self._pending_events.append((time.monotonic() + self.traffic.send_event_delay_s,
                                             send_event_envelope(herald_id, raw)))
        now = time.monotonic()
        with self._lock:
            due = [envelope for at, envelope in self._pending_events if at <= now]
            self._pending_events = [(at, e) for at, e in self._pending_events if at > now]
        for envelope in due:
            self.sqs.send_message(QueueUrl=self.feedback_url, MessageBody=envelope)

    def _feedback_loop(self) -> None:
        messages = self.sqs.receive_message(
            QueueUrl=self.feedback_url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
            AttributeNames=["All"]).get("Messages", [])
        if not messages:
            return
        handler = self.app.handle_ses_feedback
        if type(handler).__name__ == "EventSourceHandler" and \
                getattr(handler.event_class, "__name__", "") == "SNSEvent":
            for message in messages:  # SNS -> Lambda: one record per invocation
                self._invoke("feedback", handler, [message], self.feedback_url,
                             event=sns_lambda_event(message["Body"]))
        else:
            self._invoke("feedback", handler, messages, self.feedback_url)

    # -- the reconciler ----------------------------------------------------------------

    def _reconcile_loop(self) -> None:
        if self.stopping.wait(self.timings.reconcile_every_s):
            return
        handler = getattr(self.app, "reconcile", None)
        if handler is None:
            return
        with running(Process("reconciler")) as process:
            try:
                handler(scheduled_event(), _LambdaContext(self.timings.function_timeout_s))
            except Crash:
                self.ledger.crashes[f"reconciler after {process.crashed_at}"] += 1
            except Exception:  # noqa: BLE001 - the next run tries again
                logging.getLogger("faults").info("reconcile failed", exc_info=True)

    # -- reading the outcome ------------------------------------------------------------

    def status(self, message_id: str) -> str | None:
        entry = self.entry(message_id)
        return entry.get("status") if entry else None

    def entry(self, message_id: str) -> dict[str, Any] | None:
        from chalicelib.platform import dynamo

        item = self.dynamodb.get_item(TableName=self.settings.message_log_table,
                                      Key={"message_id": {"S": message_id}},
                                      ConsistentRead=True).get("Item")
        return dynamo.from_item(item) if item else None

    def log_statuses(self) -> dict[str, str]:
        statuses: dict[str, str] = {}
        kwargs: dict[str, Any] = {"TableName": self.settings.message_log_table,
                                  "ProjectionExpression": "message_id, #s",
                                  "ExpressionAttributeNames": {"#s": "status"}}
        while True:
            page = self.dynamodb.scan(**kwargs)
            statuses.update({item["message_id"]["S"]: item.get("status", {}).get("S", "")
                             for item in page.get("Items", [])})
            if "LastEvaluatedKey" not in page:
                return statuses
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def dlq_message_ids(self) -> Counter[str]:
        """Herald ids of the DLQ's messages (read once, hidden for a minute)."""
        found: Counter[str] = Counter()
        while True:
            batch = self.sqs.receive_message(QueueUrl=self.settings.dlq_url,
                                             MaxNumberOfMessages=10, VisibilityTimeout=60,
                                             WaitTimeSeconds=0).get("Messages", [])
            if not batch:
                return found
            for message in batch:
                with contextlib.suppress(ValueError, AttributeError):
                    found[json.loads(message["Body"]).get("message_id", "?")] += 1

    def queue_depth(self, url: str) -> int:
        attributes = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed"])["Attributes"]
        return sum(int(value) for value in attributes.values())

    def wait_until(self, condition: Callable[[], bool], timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.1)
        return False

    def settle(self, timeout_s: float = 60.0) -> None:
        """Let the run end: faults stay on until the queues first drain (so every mail
        already asked for meets them), then stop; wait until every accepted mail is
        final with nothing queued or pending, or until nothing changed for a lease,
        a grace period and two reconciler runs."""
        self.consuming.set()
        deadline = time.monotonic() + timeout_s
        self.wait_until(self._drained, timeout_s / 2)
        self.injector.enabled = False
        t = self.timings
        quiet_s = t.visibility_s + t.evidence_grace_s + 2 * t.reconcile_every_s + 1
        last, changed_at, settled_checks = None, time.monotonic(), 0
        while time.monotonic() < deadline:
            time.sleep(0.3)
            if not self._drained():
                last, changed_at, settled_checks = None, time.monotonic(), 0
                continue
            with self._lock:
                accepted = list(self.ledger.accepted)
            statuses = self.log_statuses()
            snapshot = (len(self.ledger.sends), tuple(sorted(Counter(statuses.values()).items())))
            if snapshot != last:
                last, changed_at = snapshot, time.monotonic()
            if all(statuses.get(m) in FINAL_STATUSES for m in accepted):
                settled_checks += 1
                if settled_checks >= 3:
                    return
            else:
                settled_checks = 0
            if time.monotonic() - changed_at >= quiet_s:
                return

    def _drained(self) -> bool:
        """Nothing in the send or feedback queue (visible, in flight or delayed), no
        Send event waiting to be published."""
        with self._lock:
            if self._pending_events:
                return False
        return not (self.queue_depth(self.settings.send_queue_url)
                    or self.queue_depth(self.feedback_url))

    def sends_of(self, message_id: str) -> int:
        """How many times the emulated SES accepted this mail."""
        with self._lock:
            return sum(1 for herald_id, _ in self.ledger.sends if herald_id == message_id)


def _api_container(index: int) -> Any:
    """A fresh instance of app.py behind chalice's local gateway: one API "container".

    Chalice keeps the request being served on the app object, so concurrent
    requests each need an app of their own, as each Lambda container has.
    """
    import importlib.util
    from pathlib import Path

    from chalice.config import Config
    from chalice.local import LocalGateway

    path = Path(__file__).resolve().parents[2] / "app.py"
    spec = importlib.util.spec_from_file_location(f"_herald_api_{index}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    config = Config.create(chalice_stage="dev", app_name="herald", chalice_app=module.app)
    return LocalGateway(module.app, config)


def send_event_envelope(herald_id: str, raw: Any) -> str:
    """The SNS envelope (as SNS -> SQS delivers it) of SES's `Send` event for one send."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    destination = list(getattr(raw, "destinations", []) or [])
    mail = {"timestamp": now, "source": raw.source, "sendingAccountId": ACCOUNT,
            "messageId": raw.id, "destination": destination, "headersTruncated": False,
            "headers": [{"name": "X-Herald-Message-Id", "value": herald_id}],
            "commonHeaders": {"messageId": raw.id},
            "tags": {"ses:configuration-set": ["herald-dev"],
                     "herald_message_id": [herald_id]}}
    message = {"eventType": "Send", "mail": mail, "send": {}}
    return json.dumps({
        "Type": "Notification", "MessageId": str(uuid.uuid4()),
        "TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:{FEEDBACK_QUEUE}",
        "Subject": "Amazon SES Email Event Notification",
        "Message": json.dumps(message, separators=(",", ":")) + "\n", "Timestamp": now,
        "SignatureVersion": "1", "Signature": "EXAMPLE",
        "SigningCertURL": "https://sns.local/cert.pem",
        "UnsubscribeURL": "https://sns.local/?Action=Unsubscribe"})


def sns_lambda_event(envelope: str) -> dict[str, Any]:
    """SNS -> Lambda's event for one SNS envelope (SNS-invoked handlers)."""
    sns = json.loads(envelope)
    sns["SigningCertUrl"] = sns.pop("SigningCertURL", "")
    sns["UnsubscribeUrl"] = sns.pop("UnsubscribeURL", "")
    sns.setdefault("MessageAttributes", {})
    return {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0",
                         "EventSubscriptionArn": f"{sns['TopicArn']}:{uuid.uuid4()}",
                         "Sns": sns}]}


def scheduled_event() -> dict[str, Any]:
    """What EventBridge hands a scheduled function."""
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event",
            "source": "aws.events", "account": ACCOUNT,
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "region": REGION,
            "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/herald-reconcile"],
            "detail": {}}
