"""Figure: AWS cost per 1,000 mails, as a multiple of SES's own USD 0.10.

Mails go through the real paths against the emulation: POST /emails, the
consumer in batches of 10 (as the event source mapping hands them over), and
the feedback handler with the events SES publishes per mail (Send, Delivery).
Every call Herald makes is counted with botocore hooks on its session, with
what it moves: DynamoDB units from item sizes (1 write unit per KB of the item,
the larger of its size before and after the write, read back from the emulation;
2 in a transaction; 1 read unit per 4 KB, half for an eventually consistent
read), SQS and SNS requests per 64 KB chunk, and the bytes Herald prints (its
CloudWatch Logs). Calls made by AWS rather than Herald are added per the
model below: the SNS publish and SQS delivery of each SES event, the event
source mappings' receive and batched delete, API Gateway and Lambda requests.
Prices: bench/prices.json (us-east-1 list prices, the date they were read).
"""
from __future__ import annotations

import contextlib
import io
import json
import math
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Callable

from bench.driver import Queue, consume_batch, post_emails
from bench.emulator import Emulator
from bench.events import LambdaContext
from bench.hooks import herald_events
from bench.report import Figure
from bench.sizes import Sizes

PRICES = Path(__file__).with_name("prices.json")
SEED_MONTHLY = {"Amazon S3": (0.05, 0.05), "Amazon SNS": (0.02, 0.20), "Amazon SES": (0.22, 1.12),
                "AWS Lambda": (0.00, 0.00), "Amazon CloudWatch": (1.21, 1.30),
                "Amazon SQS": (0.52, 0.62), "Amazon API Gateway": (14.60, 14.63)}
TARGET_RATIO = 1.15
BATCH = 10
CHUNK = 64 * 1024
# Lambda's own START/END/REPORT lines per invocation (about 100 bytes each)
PLATFORM_LOG_BYTES = 300
# An idle SQS event source mapping long-polls with about 5 pollers, one
# ReceiveMessage per 20 s each: ~648,000 requests a month per queue (send, feedback).
IDLE_RECEIVES_PER_QUEUE_MONTH = 5 * 3 * 60 * 24 * 30
RECONCILER_RUNS_MONTH = 60 * 24 * 30


def load_prices() -> dict[str, float]:
    return {name: entry["usd"] for name, entry in json.loads(PRICES.read_text()).items()
            if isinstance(entry, dict)}


class Meter:
    """Counts Herald's AWS calls (`service.Operation`) and DynamoDB units, SQS
    chunks and S3 requests, with `before-call` and `after-call` hooks."""

    def __init__(self, reader: Any) -> None:
        self.calls: Counter[str] = Counter()
        self.units: Counter[str] = Counter()  # write_units, read_units, sqs_requests, ...
        self.reader = reader  # a DynamoDB client outside Herald's session: not counted
        self._keys: dict[str, list[str]] = {}  # key attribute names, by table
        self._indexes: dict[str, list[list[str]]] = {}  # each GSI's key names, by table
        self._items: dict[tuple[str, str], dict[str, Any]] = {}  # item as last read back
        self._lock = threading.Lock()

    def attach(self) -> Meter:
        events = herald_events()
        events.register("before-call", self._before)
        events.register("after-call.dynamodb", self._after_dynamodb)
        return self

    def take(self) -> tuple[Counter[str], Counter[str]]:
        with self._lock:
            taken = self.calls, self.units
            self.calls, self.units = Counter(), Counter()
        return taken

    def _before(self, model: Any, params: dict[str, Any], context: dict[str, Any],
                **_: Any) -> None:
        service = model.service_model.service_name
        body = params.get("body") or b""
        with self._lock:
            self.calls[f"{service}.{model.name}"] += 1
            if service == "dynamodb":
                request = json.loads(body or b"{}")
                context["bench_consistent"] = bool(request.get("ConsistentRead"))
                context["bench_request"] = request
            elif service == "sqs":
                self.units["sqs_requests"] += chunks(len(body))
            elif service == "s3":
                kind = "s3_put" if model.name in ("PutObject", "CopyObject",
                                                  "ListObjectsV2") else "s3_get"
                self.units[kind] += 1

    def _after_dynamodb(self, model: Any, parsed: dict[str, Any], context: dict[str, Any],
                        **_: Any) -> None:
        if "bench_request" in context:  # a refused conditional write is billed too
            units = self._write_units(model.name, context["bench_request"])
            with self._lock:
                self.units["write_units"] += units
        items = [parsed["Item"]] if "Item" in parsed else parsed.get("Items", [])
        if model.name not in ("GetItem", "Query", "Scan"):
            return
        size = sum(item_bytes(item) for item in items)
        per_unit = 1.0 if context.get("bench_consistent") else 0.5
        with self._lock:
            self.units["read_units"] += max(1, math.ceil(size / 4096)) * per_unit

    def _write_units(self, operation: str, request: dict[str, Any]) -> float:
        """Units of a write (called after it, refused or not): DynamoDB bills each
        item by the larger of its size before and after, rounded up to the KB."""
        if operation == "TransactWriteItems":
            return sum(2 * self._item_units(op)
                       for entry in request["TransactItems"] for op in entry.values())
        if operation in ("PutItem", "UpdateItem", "DeleteItem"):
            return self._item_units(request)
        return 0

    def _item_units(self, op: dict[str, Any]) -> int:
        """The table's units plus each global secondary index's: an index entry
        written, removed, or moved to another key (a delete and a put; DynamoDB
        bills index writes like table writes). Herald's indexes are KEYS_ONLY, so an
        entry is well under 1 KB: one unit each."""
        table = op["TableName"]
        key_names = self._key_names(table)
        key = op.get("Key") or {name: op["Item"][name] for name in key_names}
        where = (table, json.dumps(key, sort_keys=True))
        before = self._items.get(where) or {}
        after = self.reader.get_item(TableName=table, Key=key,
                                     ConsistentRead=True).get("Item") or {}
        self._items[where] = after
        units = max(1, math.ceil(max(item_bytes(before), item_bytes(after)) / 1024))
        for names in self._indexes[table]:
            old, new = (_index_key(item, names) for item in (before, after))
            units += (old is not None) + (new is not None) if old != new else 0
        return units

    def _key_names(self, table: str) -> list[str]:
        if table not in self._keys:
            described = self.reader.describe_table(TableName=table)["Table"]
            self._keys[table] = [part["AttributeName"] for part in described["KeySchema"]]
            self._indexes[table] = [[part["AttributeName"] for part in index["KeySchema"]]
                                    for index in described.get("GlobalSecondaryIndexes", [])]
        return self._keys[table]


def _index_key(item: dict[str, Any], names: list[str]) -> str | None:
    """An item's entry key in an index (None: the item is not in that sparse index)."""
    if not all(name in item for name in names):
        return None
    return json.dumps([item[name] for name in names], sort_keys=True)


def chunks(size: int) -> int:
    return max(1, math.ceil(size / CHUNK))


def attribute_bytes(value: dict[str, Any]) -> int:
    """DynamoDB's size of one attribute value (its documented item-size rules)."""
    (kind, raw), = value.items()
    if kind == "S":
        return len(raw.encode())
    if kind == "N":
        return (len(raw.strip("-").replace(".", "").lstrip("0")) + 1) // 2 + 1
    if kind == "B":
        return len(raw) * 3 // 4
    if kind in ("SS", "NS", "BS"):
        return sum(attribute_bytes({kind[0]: v}) for v in raw)
    if kind == "L":
        return 3 + sum(1 + attribute_bytes(v) for v in raw)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + attribute_bytes(v) for k, v in raw.items())
    return 1  # BOOL, NULL


def item_bytes(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + attribute_bytes(v) for name, v in item.items())


class SesLedger:
    """Pairs each SendEmail Herald makes with the SES message id it got back, so
    the events SES would publish for it can be built."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str, str]] = []  # (to, from, herald id, SES id)
        self._lock = threading.Lock()

    def attach(self) -> SesLedger:
        herald_events().register("before-call.sesv2.SendEmail", self._before)
        herald_events().register("after-call.sesv2.SendEmail", self._after)
        return self

    def _before(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        body = json.loads(params["body"])
        herald_id = next(tag["Value"] for tag in body["EmailTags"]
                         if tag["Name"] == "herald_message_id")
        context["bench_mail"] = (body["Destination"]["ToAddresses"][0],
                                 body["FromEmailAddress"], herald_id)

    def _after(self, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        if "MessageId" in parsed and "bench_mail" in context:
            with self._lock:
                self.sent.append((*context["bench_mail"], parsed["MessageId"]))


class Tally:
    """What one stage of the run used: Herald's calls and units, its printed bytes,
    Lambda invocations and their measured seconds."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.units: Counter[str] = Counter()
        self.invocations = 0
        self.seconds = 0.0
        self.log_bytes = 0

    def add(self, meter: Meter, printed: io.StringIO, invocations: int, seconds: float) -> None:
        calls, units = meter.take()
        self.calls += calls
        self.units += units
        self.invocations += invocations
        self.seconds += seconds
        self.log_bytes += len(printed.getvalue().encode()) + PLATFORM_LOG_BYTES * invocations
        printed.seek(0)
        printed.truncate()


def _metric_names(printed: str) -> set[str]:
    names = set()
    for line in printed.splitlines():
        with contextlib.suppress(ValueError, KeyError, TypeError, IndexError):
            entry = json.loads(line)
            for group in entry["_aws"]["CloudWatchMetrics"]:
                names.update(metric["Name"] for metric in group["Metrics"])
    return names


class Recorder:
    """Runs one Lambda's work with its printed output captured, and adds what it
    used (calls, units, bytes printed, seconds) to a stage's tally."""

    def __init__(self, meter: Meter) -> None:
        self.meter = meter
        self.printed = io.StringIO()
        self.everything = io.StringIO()  # all stages' output, for the metrics they emit

    def record(self, tally: Tally, invocations: int, action: Callable[[], Any]) -> Any:
        with contextlib.redirect_stdout(self.printed):
            started = time.perf_counter()
            result = action()
            seconds = time.perf_counter() - started
        self.everything.write(self.printed.getvalue())
        tally.add(self.meter, self.printed, invocations, seconds)
        return result


def _feedback_batches(app: Any, sent: list[tuple[str, str, str, str]]) -> list[Callable[[], Any]]:
    """The feedback handler's invocations for the events SES publishes for `sent`."""
    from local_stack.ses_feedback import feedback_queue_event, ses_events

    events = [event for to, sender, herald_id, ses_id in sent
              for event in ses_events(to, ses_id, herald_id, sender, "bench")]
    return [lambda batch=events[first:first + BATCH]: app.handle_ses_feedback(
                feedback_queue_event(batch), LambdaContext())
            for first in range(0, len(events), BATCH)]


def _event_bytes(sent: list[tuple[str, str, str, str]]) -> list[int]:
    from local_stack.ses_feedback import ses_events

    return [len(json.dumps(event).encode()) for to, sender, herald_id, ses_id in sent
            for event in ses_events(to, ses_id, herald_id, sender, "bench")]


def run(emulator: Emulator, sizes: Sizes) -> list[Figure]:
    from local_stack.poller import scheduled_event

    env = emulator.fresh()
    import boto3

    meter = Meter(boto3.session.Session().client("dynamodb")).attach()
    ledger = SesLedger().attach()
    recorder = Recorder(meter)
    import app

    # warm-up (a warm container): clients built, template compiled, handlers loaded
    post_emails(2)
    queue = Queue(env)
    while consume_batch(queue).handled:
        pass
    for invoke in _feedback_batches(app, ledger.sent):
        recorder.record(Tally(), 1, invoke)
    meter.take()
    ledger.sent.clear()

    mails = max(BATCH, sizes.warm_posts // BATCH * BATCH)
    api, consumer, feedback, reconciler = Tally(), Tally(), Tally(), Tally()
    # a careful caller sends an Idempotency-Key (one more item in the accept transaction)
    recorder.record(api, mails, lambda: post_emails(mails, first_index=2, keyed=True))
    batches = consumed = 0  # the driver's receive and delete are not Herald's (added by model)
    while consumed < mails:
        handled = recorder.record(consumer, 1, lambda: consume_batch(queue)).handled
        if not handled:
            raise RuntimeError(f"the send queue ran dry after {consumed} of {mails} mails")
        batches, consumed = batches + 1, consumed + handled
    for invoke in _feedback_batches(app, ledger.sent):
        recorder.record(feedback, 1, invoke)
    recorder.record(reconciler, 1, lambda: app.reconcile(scheduled_event(), LambdaContext()))

    if len(ledger.sent) != mails:
        raise RuntimeError(f"{len(ledger.sent)} of {mails} mails reached SES")
    prices = load_prices()
    stages = (api, consumer, feedback)
    per_1000 = _costs(prices, stages, batches, _event_bytes(ledger.sent), mails)
    total = sum(per_1000.values())
    ratio = total / prices["ses_per_1000_mails"]
    breakdown = ", ".join(f"{name.split()[-1]} {usd:.4f}" for name, usd in
                          sorted(per_1000.items(), key=lambda kv: -kv[1]))
    fixed = _fixed_monthly(prices, reconciler, _metric_names(recorder.everything.getvalue()))
    calls: Counter[str] = sum((stage.calls for stage in stages), Counter())
    units: Counter[str] = sum((stage.units for stage in stages), Counter())
    log_bytes = sum(stage.log_bytes for stage in stages)
    return [
        Figure(f"AWS cost per 1,000 mails / SES's USD 0.10 ({mails} mails through the paths)",
               f"{ratio:.3f}x (USD {total:.4f}: {breakdown})",
               f"<= {TARGET_RATIO}x", ratio <= TARGET_RATIO),
        Figure("AWS calls per mail (Herald's own: accept, send, feedback)",
               ", ".join(f"{name} {n / mails:.2f}" for name, n in sorted(calls.items()))
               + f"; DynamoDB write units {units['write_units'] / mails:.1f} ("
               + ", ".join(f"{name} {stage.units['write_units'] / mails:.1f}" for name, stage
                           in zip(("accept", "send", "feedback"), stages, strict=True))
               + f"), read units "
               f"{units['read_units'] / mails:.1f}; log bytes {log_bytes / mails:.0f}"),
        Figure("monthly USD at 1k / 10k mails: Herald (seed 000's table)",
               "; ".join(f"{name} {ours[0]:.2f} / {ours[1]:.2f} ({_seed(name)})"
                         for name, ours in _monthly(per_1000, fixed).items())),
    ]


def _seed(service: str) -> str:
    if service == "total":
        return " / ".join(f"{sum(row[i] for row in SEED_MONTHLY.values()):.2f}" for i in (0, 1))
    row = SEED_MONTHLY.get(service)
    return f"{row[0]:.2f} / {row[1]:.2f}" if row else "-"


def _costs(prices: dict[str, float], stages: tuple[Tally, Tally, Tally], batches: int,
           event_bytes: list[int], mails: int) -> dict[str, float]:
    """USD per 1,000 mails, per service; `stages` are the API's, the consumer's
    and the feedback handler's tallies."""
    api = stages[0]
    memory_gb = _lambda_memory_mb() / 1024
    units: Counter[str] = sum((s.units for s in stages), Counter())
    feedback_batches = math.ceil(len(event_bytes) / BATCH)
    # AWS's part: each SES event is one SNS publish and one SQS delivery; each
    # batch one ReceiveMessage and one DeleteMessageBatch by the event source mapping
    sns_requests = sum(chunks(size) for size in event_bytes)
    sqs_requests = (units["sqs_requests"] + sns_requests
                    + 2 * batches + 2 * feedback_batches)
    invocations = sum(s.invocations for s in stages)
    gb_seconds = sum(s.seconds for s in stages) * memory_gb
    log_bytes = sum(s.log_bytes for s in stages)
    total = {
        "Amazon SES": prices["ses_per_1000_mails"] * mails / 1000,
        "Amazon API Gateway": api.invocations * prices["api_gateway_rest_per_million"] / 1e6,
        "AWS Lambda": (invocations * prices["lambda_request_per_million"] / 1e6
                       + gb_seconds * prices["lambda_gb_second"]),
        "Amazon DynamoDB": (units["write_units"] * prices["dynamodb_write_unit_per_million"]
                            + units["read_units"] * prices["dynamodb_read_unit_per_million"])
        / 1e6,
        "Amazon SQS": sqs_requests * prices["sqs_request_per_million"] / 1e6,
        "Amazon SNS": sns_requests * prices["sns_publish_per_million"] / 1e6,
        "Amazon S3": (units["s3_get"] * prices["s3_get_per_1000"]
                      + units["s3_put"] * prices["s3_put_per_1000"]) / 1000,
        "Amazon CloudWatch": log_bytes / 1e9 * prices["logs_ingestion_per_gb"],
    }
    return {name: usd * 1000 / mails for name, usd in total.items()}


def _lambda_memory_mb() -> int:
    """The functions' memory as deployed (Lambda's default 128 MB if unset)."""
    from infra.stage import read_config

    return int(read_config().get("lambda_memory_size", 128))


def _fixed_monthly(prices: dict[str, float], reconciler: Tally,
                   metric_names: set[str]) -> dict[str, float]:
    """USD a month whatever the volume: idle queue polling, the reconciler's
    schedule, custom metrics and alarms."""
    from infra import alarms
    from infra.stage import load_stage

    alarm_count = sum(1 for resource in alarms.resources(load_stage("dev")).values()
                      if resource.get("Type") == "AWS::CloudWatch::Alarm")
    runs = RECONCILER_RUNS_MONTH
    return {
        "Amazon SQS": 2 * IDLE_RECEIVES_PER_QUEUE_MONTH * prices["sqs_request_per_million"] / 1e6,
        "AWS Lambda": runs * (prices["lambda_request_per_million"] / 1e6
                              + reconciler.seconds * _lambda_memory_mb() / 1024
                              * prices["lambda_gb_second"]),
        "Amazon DynamoDB": runs * (reconciler.units["read_units"]
                                   * prices["dynamodb_read_unit_per_million"]) / 1e6,
        "Amazon CloudWatch": (len(metric_names) * prices["custom_metric_month"]
                              + alarm_count * prices["alarm_month"]
                              + runs * PLATFORM_LOG_BYTES / 1e9 * prices["logs_ingestion_per_gb"]),
    }


def _monthly(per_1000: dict[str, float], fixed: dict[str, float]) -> dict[str, tuple[float, float]]:
    services: defaultdict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for name in (*per_1000, *fixed):
        for column, thousands in enumerate((1, 10)):
            services[name][column] = per_1000.get(name, 0.0) * thousands + fixed.get(name, 0.0)
    rows = {name: (a, b) for name, (a, b) in services.items()}
    rows["total"] = (sum(a for a, _ in rows.values()), sum(b for _, b in rows.values()))
    return rows
