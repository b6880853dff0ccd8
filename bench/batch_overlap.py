"""Figure 4: do a batch's SES sends overlap? With every SES send taking 50 ms
(a hook sleeping before it answers), the consumer's time for a batch of 10 is
compared with its time for a batch of 1, both measured here, warm. The same
pair with an instant SES shows what the emulator itself costs a batch."""
from __future__ import annotations

import statistics

from bench.driver import Queue, consume_batch, post_emails
from bench.emulator import Emulator
from bench.hooks import SlowSes
from bench.report import Figure
from bench.sizes import Sizes

SES_LATENCY_S = 0.050
BATCH = 10
TARGET_RATIO = 2.0


def _timed_batch(queue: Queue, size: int) -> float:
    batch = consume_batch(queue, at_most=size)
    if batch.handled != size or batch.failed:
        raise RuntimeError(f"expected {size} records sent, got {batch}")
    return batch.seconds


def _medians(queue: Queue, repeats: int) -> tuple[float, float]:
    """Median handler time of a batch of 1 and of a batch of `BATCH`."""
    singles, batches = [], []
    for _ in range(repeats):
        singles.append(_timed_batch(queue, 1))
        batches.append(_timed_batch(queue, BATCH))
    return statistics.median(singles), statistics.median(batches)


def run(emulator: Emulator, sizes: Sizes) -> list[Figure]:
    # The rate limiter is not under test here: give it room for every repeat.
    env = emulator.fresh(HERALD_MAX_SEND_RATE="1000")
    ses = SlowSes(SES_LATENCY_S).attach()
    queue = Queue(env)
    post_emails(1 + 2 * sizes.overlap_repeats * (1 + BATCH))
    consume_batch(queue, at_most=1)  # warm-up: clients, template cache, threads
    one, ten = _medians(queue, sizes.overlap_repeats)
    ses.seconds = 0.0  # the same batches with an instant SES: what the emulator costs
    instant_one, instant_ten = _medians(queue, sizes.overlap_repeats)
    return [
        Figure(f"batch of {BATCH} / batch of 1, SES +{SES_LATENCY_S * 1000:.0f} ms per send",
               f"{ten / one:.2f}x ({ten * 1000:.0f} ms vs {one * 1000:.0f} ms)",
               f"<= {TARGET_RATIO:.0f}x", ten / one <= TARGET_RATIO),
        Figure("  the same with an instant SES (the emulator's share)",
               f"{instant_ten / instant_one:.2f}x ({instant_ten * 1000:.0f} ms vs "
               f"{instant_one * 1000:.0f} ms)"),
    ]
