"""The SQS batch runner with a fake queue and per-record functions: what SQS and the
mapping see of a batch (failures reported, successes deleted, retries delayed)."""
from __future__ import annotations

import contextvars
import json

import pytest

from chalicelib.platform import logs
from chalicelib.platform.sqs_batch import Backoff, BatchFailed, BatchRunner, Retry

BACKOFF = Backoff(base_s=30, max_s=900)


class FakeQueue:
    def __init__(self) -> None:
        self.deleted: list[str] = []
        self.delays: dict[str, int] = {}

    def delete(self, receipts):
        self.deleted += [receipt for _, receipt in receipts]

    def delay_retry(self, receipt, seconds):
        self.delays[receipt] = seconds


def record(record_id: str, body: str, receives: int = 1) -> dict:
    return {"messageId": record_id, "receiptHandle": f"rh-{record_id}", "body": body,
            "attributes": {"ApproximateReceiveCount": str(receives)}}


def decode(body: str) -> int:
    return int(body)  # a ValueError for anything else: the runner's "cannot be read"


def runner(queue=None, report_partial=True, **options) -> BatchRunner[int]:
    return BatchRunner(decode, report_partial=report_partial, queue=queue, backoff=BACKOFF,
                       threads=4, **options)


def failing_on(*numbers: int, delay_s: float | None = None):
    def process(number: int) -> None:
        if number in numbers:
            raise Retry(f"{number} is not ready", delay_s)
    return process


def test_a_failed_record_is_reported_and_the_others_are_acknowledged():
    queue = FakeQueue()
    batch = [record("a", "1"), record("b", "2"), record("c", "3")]
    result = runner(queue).run(batch, failing_on(2))
    assert result == {"batchItemFailures": [{"itemIdentifier": "b"}]}
    assert sorted(queue.deleted) == ["rh-a", "rh-c"]
    assert list(queue.delays) == ["rh-b"]


def test_nothing_failed_nothing_to_settle():
    queue = FakeQueue()
    assert runner(queue).run([record("a", "1")], failing_on()) == {"batchItemFailures": []}
    assert (queue.deleted, queue.delays) == ([], {})  # the mapping deletes the whole batch


def test_a_failed_records_delay_doubles_with_each_receive_up_to_the_maximum():
    queue = FakeQueue()
    batch = [record(str(receives), "7", receives) for receives in (1, 2, 3, 10)]
    runner(queue).run(batch, failing_on(7))
    assert queue.delays == {"rh-1": 30, "rh-2": 60, "rh-3": 120, "rh-10": 900}


def test_a_delay_the_record_asks_for_wins_over_the_backoff():
    queue = FakeQueue()
    runner(queue).run([record("a", "1", receives=3)], failing_on(1, delay_s=5))
    assert queue.delays == {"rh-a": 5}


def test_without_partial_reporting_the_successes_are_deleted_before_the_batch_fails():
    queue = FakeQueue()
    batch = [record("a", "1"), record("b", "2"), record("c", "3")]
    with pytest.raises(BatchFailed, match="1 of 3 records failed; the others were acknowledged"):
        runner(queue, report_partial=False).run(batch, failing_on(2))
    assert sorted(queue.deleted) == ["rh-a", "rh-c"]


def test_without_a_queue_a_failure_brings_the_whole_batch_back():
    with pytest.raises(BatchFailed, match="1 of 2 records failed; the whole batch comes back"):
        runner(report_partial=False).run([record("a", "1"), record("b", "2")], failing_on(1))


def test_an_unreadable_body_is_left_to_reach_the_dlq_without_being_processed():
    queue, seen = FakeQueue(), []
    result = runner(queue).run([record("a", "1"), record("bad", "{not a number", 3)],
                               seen.append)
    assert result == {"batchItemFailures": [{"itemIdentifier": "bad"}]}
    assert seen == [1] and queue.deleted == ["rh-a"] and queue.delays == {"rh-bad": 120}


def test_any_error_of_one_record_fails_that_record_only():
    def process(number: int) -> None:
        if number == 2:
            raise KeyError("template")
    result = runner(FakeQueue()).run([record("a", "1"), record("b", "2")], process)
    assert result == {"batchItemFailures": [{"itemIdentifier": "b"}]}


def test_a_dying_process_is_not_caught():
    class Died(BaseException):
        pass

    def process(number: int) -> None:
        raise Died()
    with pytest.raises(Died):
        runner(FakeQueue()).run([record("a", "1")], process)


def test_the_invocations_context_reaches_every_record_in_its_thread():
    request: contextvars.ContextVar[str] = contextvars.ContextVar("request")
    request.set("req-1")
    seen: list[str] = []
    runner(FakeQueue()).run([record(str(n), str(n)) for n in range(8)],
                            lambda number: seen.append(request.get("unset")))
    assert seen == ["req-1"] * 8


def test_the_retry_log_line_is_written_inside_the_records_scope(capsys):
    capsys.readouterr()
    runner(FakeQueue(), scope=lambda number: logs.bind(number=number)).run(
        [record("a", "1", receives=2)], failing_on(1))
    [line] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert line["event"] == "record will be retried"
    assert (line["number"], line["sqs_message_id"], line["receive_count"],
            line["retry_in_s"], line["reason"]) == (1, "a", 2, 60, "1 is not ready")
