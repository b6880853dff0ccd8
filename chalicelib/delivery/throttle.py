"""A token bucket shared by the consumer's sending threads.

Keeps one consumer under its share of the SES sending quota while letting a
batch go out at once (burst = one second of quota).
"""
from __future__ import annotations

import threading
import time
from typing import Callable


class SendRateLimiter:
    def __init__(self, rate_per_s: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.rate = max(rate_per_s, 0.001)
        self.capacity = max(1.0, self.rate)
        self.clock = clock
        self.sleep = sleep
        self._tokens = self.capacity
        self._updated = clock()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Block until one send is allowed."""
        with self._lock:
            now = self.clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            self._tokens -= 1
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if wait > 0:
            self.sleep(wait)

    def slow_down(self) -> None:
        """SES throttled us: spend a second of quota, so the next sends wait."""
        with self._lock:
            self._tokens = min(self._tokens, 0.0) - self.capacity
