"""`make bench`: run every benchmark and print the table.

    python -m bench            full sizes (a few minutes)
    python -m bench --smoke    tiny sizes (the tests run this so it cannot rot)
    python -m bench --json     the figures as JSON instead of the table
    python -m bench --only cold_start cost

Exits 1 when a figure misses its target.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
import traceback
from dataclasses import asdict
from typing import Callable

from bench import (
    aws_calls,
    batch_overlap,
    cold_start,
    cost,
    local_e2e,
    memory,
    quota,
    render,
)
from bench.emulator import Emulator
from bench.report import Figure, table
from bench.sizes import FULL, SMOKE, Sizes

Benchmark = Callable[[Emulator, Sizes], list[Figure]]
BENCHMARKS: dict[str, Benchmark] = {
    "cold_start": cold_start.run,  # first: it is the most sensitive to a busy machine
    "aws_calls": aws_calls.run,
    "cost": cost.run,
    "render": render.run,
    "batch_overlap": batch_overlap.run,
    "quota": quota.run,
    "local_e2e": local_e2e.run,
    "memory": memory.run,
}


def run_all(sizes: Sizes, only: list[str] | None = None) -> list[Figure]:
    """Run the chosen benchmarks against one emulation; Herald's own log lines
    (it logs to stdout, as Lambda wants) are kept out of the output."""
    figures: list[Figure] = []
    with Emulator() as emulator, open(os.devnull, "w") as quiet:
        for name, benchmark in BENCHMARKS.items():
            if only and name not in only:
                continue
            started = time.monotonic()
            print(f"bench: {name}...", file=sys.stderr, flush=True)
            try:
                with contextlib.redirect_stdout(quiet):
                    figures += benchmark(emulator, sizes)
            except Exception as error:  # noqa: BLE001 - one broken benchmark must not hide the rest
                traceback.print_exc()
                figures.append(Figure(name, f"did not run: {type(error).__name__}: {error}"[:200],
                                      "runs", False))
            print(f"bench: {name} took {time.monotonic() - started:.1f} s",
                  file=sys.stderr, flush=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, for the tests")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHMARKS), metavar="NAME",
                        help=f"run only these ({', '.join(BENCHMARKS)})")
    args = parser.parse_args(argv)
    figures = run_all(SMOKE if args.smoke else FULL, args.only)
    if args.json:
        print(json.dumps([{**asdict(f), "verdict": f.verdict} for f in figures], indent=2))
    else:
        print(table(figures))
    return 1 if any(f.passed is False for f in figures) else 0


if __name__ == "__main__":
    sys.exit(main())
