"""The benchmarks at tiny sizes (`python -m bench --smoke`), so they cannot rot.

Timing verdicts depend on the machine and are not asserted here; what must
hold is that every benchmark runs end to end and reports its figures, and
that the counted (not timed) figures stay where they are.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
FIGURES = ("cold start", "per accepted POST", "consumer AWS calls", "render otp-code",
           "uncached / cached", "batch of 10", "sustained send rate", "start to /health",
           "end to end", "consumer peak RSS")


def test_every_benchmark_runs_and_reports():
    done = subprocess.run([sys.executable, "-m", "bench", "--smoke", "--json"], cwd=PROJECT,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode in (0, 1), done.stderr[-3000:]
    figures = json.loads(done.stdout)
    names = [figure["name"] for figure in figures]
    for expected in FIGURES:
        assert any(expected in name for name in names), (expected, names)
    by_name = {figure["name"]: figure for figure in figures}
    counted = [by_name[n] for n in names
               if any(key in n for key in ("per accepted POST", "sustained send rate",
                                           "end to end"))]
    assert all(figure["passed"] for figure in counted), counted
