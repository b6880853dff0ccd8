"""Soak: N mails through Herald with mixed faults; prints the accounting table and
exits 1 on any lost mail, any mail sent twice outside the
send->record window, or a sent mail the log still calls queued/sending.

    python -m tests.faults.soak --mails 10000 [--seed 1] [--scale 1.0]
"""
from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .harness import Emulator, Harness, Timings
from .mixes import mixed_rules, mixed_traffic
from .report import Report, account


def soak(emulator: Emulator, mails: int, seed: int = 1, scale: float = 1.0,
         callers: int = 4, consumers: int = 3, progress: Any = None) -> Report:
    """Run `mails` requests with mixed faults, settle, and account for them."""
    from chalicelib.platform.settings import Settings

    table = Settings().message_log_table
    with Harness(emulator, rules=mixed_rules(table, scale), seed=seed, timings=Timings(),
                 traffic=mixed_traffic(consumers)) as harness:
        started = time.monotonic()
        done = 0
        lock = threading.Lock()

        def one(index: int) -> None:
            nonlocal done
            harness.send_mail(index)
            with lock:
                done += 1
                if progress and done % 500 == 0:
                    progress(f"{done}/{mails} requests, {len(harness.ledger.sends)} SES sends, "
                             f"{time.monotonic() - started:.0f} s")

        with ThreadPoolExecutor(max_workers=callers) as pool:
            list(pool.map(one, range(mails)))
        submitted = time.monotonic() - started
        harness.settle(timeout_s=120)
        report = account(harness)
        report.extra = {"mails requested": mails, **report.extra,
                        "seconds: requests / settled": f"{submitted:.0f} / "
                                                       f"{time.monotonic() - started:.0f}"}
        return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mails", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiplies every fault probability")
    parser.add_argument("--consumers", type=int, default=3)
    parser.add_argument("--verbose", action="store_true", help="show Herald's own log lines")
    args = parser.parse_args(argv)

    def progress(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    with contextlib.ExitStack() as stack:
        if not args.verbose:  # Herald logs JSON lines to stdout; keep stdout for the table
            stack.enter_context(contextlib.redirect_stdout(
                stack.enter_context(open(os.devnull, "w"))))  # noqa: SIM115
        emulator = stack.enter_context(Emulator())
        report = soak(emulator, args.mails, seed=args.seed, scale=args.scale,
                      consumers=args.consumers, progress=progress)
    print(report.table())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
