"""How big each benchmark runs: the full run (`make bench`) and the smoke run
the tests use so the benchmarks cannot rot (tiny sizes, well under a minute)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sizes:
    cold_start_runs: int = 7  # per app, median taken; one discarded warm-up each
    warm_posts: int = 20  # POST /emails counted for AWS calls
    renders: int = 10_000  # cached renders for p50/p99
    uncached_renders: int = 20  # fetch + compile + render
    overlap_repeats: int = 5  # batches of 1 and of 10, median taken
    # N sends/s, within what one consumer on the emulator can feed: at the dev
    # stage's 20/s it reached 0.88-0.97 N here, short of work, not of quota.
    quota_rate: int = 10
    quota_seconds: float = 30.0
    local_mails: int = 1_000
    local_starts: int = 2  # the second start is the one reported
    memory_messages: int = 1_000


FULL = Sizes()
SMOKE = Sizes(cold_start_runs=1, warm_posts=3, renders=300, uncached_renders=3,
              overlap_repeats=1, quota_seconds=2.0, local_mails=20,
              local_starts=1, memory_messages=30)
