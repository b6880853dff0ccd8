"""Figure 1: cold start. A fresh Python process imports the app and serves its
first POST /emails against the emulation; Herald's times (to `import app`
done, and to the first answer) are divided by the
time of bench/baseline_app.py (one route, one sqs.send_message), the two
interleaved in the same run, median of several runs each."""
from __future__ import annotations

import statistics
import subprocess
import sys
import time

from bench.cold_start_child import DONE, IMPORTED
from bench.emulator import PROJECT, Emulator
from bench.report import Figure
from bench.sizes import Sizes

APPS = ("herald", "baseline")
TARGET_RATIO = 1.3


def _cold_start(app: str, index: int, env: dict[str, str]) -> tuple[float, float]:
    """Seconds from spawning the process to the app imported, and to its first
    answer (202 required)."""
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "bench.cold_start_child", app, str(index)],
                             cwd=PROJECT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
    assert child.stdout is not None
    imported = None
    for line in child.stdout:  # Herald logs to stdout too: wait for the markers
        if line.startswith(IMPORTED):
            imported = time.perf_counter() - started
        elif line.startswith(DONE):
            elapsed = time.perf_counter() - started
            break
    else:
        raise RuntimeError(f"{app} cold start printed no answer (exit {child.wait()})")
    child.stdout.close()
    child.wait(timeout=30)
    status = line.split()[1]
    if status != "202" or imported is None:
        raise RuntimeError(f"{app}'s first POST /emails answered {status}")
    return imported, elapsed


def run(emulator: Emulator, sizes: Sizes) -> list[Figure]:
    emulator.fresh()
    env = emulator.child_env()
    timings: dict[str, list[tuple[float, float]]] = {app: [] for app in APPS}
    for run_index in range(sizes.cold_start_runs + 1):  # the first round only warms caches
        for app in APPS:
            measured = _cold_start(app, run_index, env)
            if run_index:
                timings[app].append(measured)
    return [_figure("`import app`", [t[0] for t in timings["herald"]],
                    [t[0] for t in timings["baseline"]], sizes),
            _figure("first POST /emails", [t[1] for t in timings["herald"]],
                    [t[1] for t in timings["baseline"]], sizes)]


def _figure(until: str, herald_s: list[float], baseline_s: list[float], sizes: Sizes) -> Figure:
    herald, baseline = statistics.median(herald_s), statistics.median(baseline_s)
    ratio = herald / baseline
    return Figure(f"cold start to {until} / baseline app (median of {sizes.cold_start_runs})",
                  f"{ratio:.2f}x ({herald * 1000:.0f} ms vs {baseline * 1000:.0f} ms)",
                  f"<= {TARGET_RATIO}x", ratio <= TARGET_RATIO)
