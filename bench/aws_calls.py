"""Figure 2: AWS calls per accepted POST /emails and per consumed message,
warm (clients built, template compiled), counted with a `before-call` hook."""
from __future__ import annotations

from collections import Counter

from bench.driver import Queue, consume_batch, post_emails
from bench.emulator import Emulator
from bench.hooks import CallCounter
from bench.report import Figure
from bench.sizes import Sizes

BATCH = 10
# transaction (entry, key, checks, outbox copy), HEAD of the template, SQS send,
# outbox delete: the outbox is what lets a 202 survive a failed or lost SQS send
POST_TARGET = 4
# claim transaction, SES send, the `sent` record right after it (issue 11 allows 3:
# correctness first; the record is per mail so one slow send cannot release others)
CONSUMER_TARGET_PER_MESSAGE = 3  # plus one batched delete per batch


def _spelled(counts: Counter[str]) -> str:
    return ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))


def run(emulator: Emulator, sizes: Sizes) -> list[Figure]:
    env = emulator.fresh()
    counter = CallCounter().attach()
    post_emails(2)  # warm-up: clients, template cache
    counter.take()
    post_emails(sizes.warm_posts, first_index=2)
    posts = counter.take()
    per_post = sum(posts.values()) / sizes.warm_posts

    post_emails(2 * BATCH - 2, first_index=2 + sizes.warm_posts)
    queue = Queue(env)
    consume_batch(queue)  # warm-up batch
    counter.take()
    batch = consume_batch(queue)
    consumed = counter.take()
    handled, calls = batch.handled, sum(consumed.values())
    allowed = CONSUMER_TARGET_PER_MESSAGE * handled + 1
    per_post_spelled = _spelled(Counter({k: v / sizes.warm_posts for k, v in posts.items()}))
    return [
        Figure("AWS calls per accepted POST /emails (warm)",
               f"{per_post:.2f} ({per_post_spelled})",
               f"<= {POST_TARGET}", per_post <= POST_TARGET),
        Figure(f"consumer AWS calls per batch of {handled} (warm)",
               f"{calls} = {calls / max(handled, 1):.1f}/message ({_spelled(consumed)})",
               f"<= {CONSUMER_TARGET_PER_MESSAGE}/message + 1 batched delete (<= {allowed})",
               handled == BATCH and not batch.failed and calls <= allowed),
    ]
