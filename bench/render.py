"""Figure 3: rendering `otp-code` (with its layout) from the cache of compiled
templates, as the consumer does per message, against an uncached render
(fetch from S3, compile, render) measured in the same run."""
from __future__ import annotations

import statistics
import time
from typing import Any, Callable

from bench.emulator import Emulator
from bench.events import OTP_VARIABLES
from bench.report import Figure, percentile
from bench.sizes import Sizes

TEMPLATE = "otp-code"
P50_TARGET_US = 100
RATIO_TARGET = 50


def _timed(action: Callable[[int], Any], times: int) -> list[float]:
    """Seconds per call, sorted."""
    samples = []
    for index in range(times):
        started = time.perf_counter()
        action(index)
        samples.append(time.perf_counter() - started)
    return sorted(samples)


def _variables(index: int) -> dict[str, str]:
    """A different code each time, so no layer can serve a remembered answer."""
    return {**OTP_VARIABLES, "code": f"{index:06d}"}


def run(emulator: Emulator, sizes: Sizes) -> list[Figure]:
    emulator.fresh()
    from chalicelib.templating.cache import TemplateCache
    from chalicelib.wiring import services

    cache = services().cache
    latest = cache.latest(TEMPLATE)
    version, pins = latest.version, latest.pins

    def cached(index: int) -> str:
        return cache.pinned(TEMPLATE, version, pins).render(_variables(index)).html

    def uncached(index: int) -> str:
        fresh = TemplateCache(services().store, cache.limits, brand=cache.brand)
        return fresh.pinned(TEMPLATE, version, pins).render(_variables(index)).html

    cached(0)
    warm = _timed(cached, sizes.renders)
    cold = _timed(uncached, sizes.uncached_renders)
    p50_us = percentile(warm, 0.50) * 1e6
    p99_us = percentile(warm, 0.99) * 1e6
    ratio = statistics.median(cold) / percentile(warm, 0.50)
    without_css = _without_css_inlining(lambda: _timed(cached, sizes.renders))
    return [
        Figure(f"render {TEMPLATE}, cached, p50 ({sizes.renders} renders)",
               f"{p50_us:.0f} us (p99 {p99_us:.0f} us; {percentile(without_css, 0.5) * 1e6:.0f} us "
               "of it before CSS inlining)", f"<= {P50_TARGET_US} us", p50_us <= P50_TARGET_US),
        Figure("render uncached / cached (fetch + compile + render)",
               f"{ratio:.0f}x ({statistics.median(cold) * 1e3:.1f} ms uncached)",
               f">= {RATIO_TARGET}x", ratio >= RATIO_TARGET),
    ]


def _without_css_inlining(measure: Callable[[], list[float]]) -> list[float]:
    """`measure` with CSS inlining left out of renders, to show where the time goes."""
    from unittest import mock

    with mock.patch("chalicelib.templating.renderer._inline_css", lambda html: html):
        return measure()
