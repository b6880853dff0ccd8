"""Figure 5: keeping under the SES sending quota. SES is simulated as a token
bucket of N sends/s that answers Throttling above it; the consumer is
configured for N (HERALD_MAX_SEND_RATE) and drains a queue as Lambda would.
It must sustain >= 0.95 N with no mail lost or sent twice (throttled ones
come back through SQS and are sent later)."""
from __future__ import annotations

import time
from collections import Counter

from bench.driver import Queue, consume_batch, post_emails, queue_depth
from bench.emulator import Emulator
from bench.hooks import SimulatedSes
from bench.report import Figure
from bench.sizes import Sizes

TARGET_SHARE = 0.95


def run(emulator: Emulator, sizes: Sizes) -> list[Figure]:
    rate, seconds = sizes.quota_rate, sizes.quota_seconds
    env = emulator.fresh(HERALD_MAX_SEND_RATE=str(rate), HERALD_RETRY_BASE_S="1")
    # A backlog for the whole window: SES's first second of burst, the window,
    # and two seconds to spare, so the consumer never waits for work.
    posted = post_emails(round(rate * (seconds + 3)))
    ses = SimulatedSes(rate).attach()
    queue = Queue(env)
    deadline = time.monotonic() + 3 * seconds + 60
    while len({m for _, m in ses.accepted}) < len(posted) and time.monotonic() < deadline:
        consume_batch(queue)
    start = ses.accepted[0][0] if ses.accepted else 0.0
    in_window = sum(1 for t, _ in ses.accepted if t < start + seconds)
    # Beyond the bucket's first second of burst, SES lets through at most N/s.
    sustained = (in_window - rate) / seconds
    sends = Counter(m for _, m in ses.accepted)
    lost = len(set(posted) - set(sends)) + queue_depth(queue.sqs, queue.dlq_url)
    twice = sum(1 for n in sends.values() if n > 1)
    ok = sustained >= TARGET_SHARE * rate and lost == 0 and twice == 0
    return [Figure(f"sustained send rate over {seconds:.0f} s, SES quota N = {rate}/s",
                   f"{sustained / rate:.2f} N ({sustained:.1f}/s; {len(posted)} mails, "
                   f"{ses.throttled} throttled and retried, {lost} lost, {twice} sent twice)",
                   f">= {TARGET_SHARE} N, 0 lost, 0 twice", ok)]
