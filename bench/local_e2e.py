"""Figure 6 (and issue 4's start-up time): the local stack as `make run` starts
it, in a subprocess over HTTP: time to /health, mails accepted -> sent per
second end to end, and the stack's peak RSS."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, Callable

import requests

from bench.driver import queue_depth
from bench.emulator import PROJECT, Emulator, free_port, stop
from bench.events import send_body
from bench.report import Figure
from bench.sizes import Sizes

START_TIMEOUT_S = 60
CLIENTS = 4  # services calling POST /emails at once
RETRIES = 8


def _until(predicate: Callable[[], Any], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.02)


class LocalStack:
    """`python -m local_stack` on a free port, with the environment a developer has."""

    def __init__(self, extra_env: dict[str, str]) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HERALD_", "AWS_"))}
        started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "local_stack"], cwd=PROJECT,
            env={**env, **extra_env, "PORT": str(self.port)},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _until(self._healthy, START_TIMEOUT_S, "the local stack's /health")
        self.start_s = time.monotonic() - started

    def _healthy(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError("the local stack exited while starting")
        try:
            return requests.get(f"{self.base}/health", timeout=1).ok
        except requests.RequestException:
            return False

    def peak_rss_mb(self) -> float:
        with open(f"/proc/{self.process.pid}/status") as status:
            line = next(line for line in status if line.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024

    def stop(self) -> None:
        stop(self.process, signal.SIGINT, grace_s=30)  # Ctrl-C, as a developer stops it


class StackQueues:
    """The stack's send queue and DLQ, read through its emulator like any AWS client."""

    def __init__(self, stack: LocalStack) -> None:
        import boto3

        self.info = requests.get(f"{stack.base}/_local/info", timeout=5).json()
        self.sqs = boto3.session.Session().client(
            "sqs", endpoint_url=self.info["aws_endpoint"], region_name=self.info["region"],
            aws_access_key_id="local", aws_secret_access_key="local")

    def drained(self) -> bool:
        return queue_depth(self.sqs, self.info["queue_url"]) == 0

    def dead_letters(self) -> int:
        return queue_depth(self.sqs, self.info["dlq_url"])


def _post(base: str, index: int) -> tuple[str | None, int]:
    """POST one mail as a careful service does: with an Idempotency-Key, retrying
    server errors. Returns the message id (None if never accepted) and how many
    server errors it met."""
    headers = {"Content-Type": "application/json", "Idempotency-Key": f"bench-{index}"}
    for attempt in range(RETRIES + 1):
        answer = requests.post(f"{base}/emails", data=send_body(index), headers=headers,
                               timeout=30)
        if answer.status_code < 500:
            answer.raise_for_status()
            return answer.json()["message_id"], attempt
        time.sleep(min(1.0, 0.05 * 2 ** attempt))
    return None, RETRIES + 1


def _outcome(base: str, message_id: str | None) -> str:
    """`sent` if it was sent, whatever came after (the local SES reports delivery
    moments later); else its status, or why there is none."""
    if message_id is None:
        return "never accepted"
    answer = requests.get(f"{base}/emails/{message_id}", timeout=30)
    if answer.status_code == 404:
        return "missing"
    entry = answer.json()
    return "sent" if any(e["status"] == "sent" for e in entry["events"]) else entry["status"]


def _unsent(outcomes: Counter[str]) -> str:
    return "".join(f", {n} {status}" for status, n in sorted(outcomes.items()) if n)


def run(emulator: Emulator, sizes: Sizes) -> list[Figure]:
    # The send rate is not under test here (figure 5 is): let the stack send flat out.
    extra_env = {"HERALD_MAX_SEND_RATE": "1000"}
    for _ in range(sizes.local_starts - 1):
        LocalStack(extra_env).stop()
    stack = LocalStack(extra_env)
    try:
        queues = StackQueues(stack)
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            posted = list(pool.map(partial(_post, stack.base), range(sizes.local_mails)))
        accepted_s = time.monotonic() - started
        _until(queues.drained, 900, "the consumer to drain the queue")
        elapsed = time.monotonic() - started
        outcomes = Counter(_outcome(stack.base, message_id) for message_id, _ in posted)
        sent = outcomes.pop("sent", 0)
        outcomes["in the DLQ"] = queues.dead_letters()
        server_errors = sum(errors for _, errors in posted)
        peak_mb = stack.peak_rss_mb()
    finally:
        stack.stop()
    return [
        Figure("local stack: start to /health answering"
               + (" (second start)" if sizes.local_starts > 1 else ""),
               f"{stack.start_s:.1f} s"),
        Figure(f"local stack end to end: {sizes.local_mails} mails accepted -> sent",
               f"{sent / elapsed:.0f} mails/s ({sent} sent in {elapsed:.1f} s; accepting "
               f"{len(posted) / accepted_s:.0f}/s from {CLIENTS} clients, {server_errors} "
               f"answers 500 retried{_unsent(outcomes)}); peak RSS {peak_mb:.0f} MB",
               f"all {sizes.local_mails} sent", sent == sizes.local_mails),
    ]
