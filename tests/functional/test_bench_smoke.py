"""The benchmarks at tiny sizes (`python -m bench --smoke`), so they cannot rot.

Timing verdicts depend on the machine and on the full sizes, so they are not
asserted here; what must hold is that every benchmark runs and reports its
figures, and that the counted ones (AWS calls per POST; mails sent, lost or
sent twice) and the cache's 50x render ratio stay where they are.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
FIGURES = ("cold start to `import app`", "cold start to first POST", "per 1,000 mails",
           "per accepted POST", "consumer AWS calls", "render otp-code", "uncached / cached",
           "batch of 10", "sustained send rate", "start to /health", "end to end",
           "consumer peak RSS")


def test_every_benchmark_runs_and_reports():
    done = subprocess.run([sys.executable, "-m", "bench", "--smoke", "--json"], cwd=PROJECT,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode in (0, 1), done.stderr[-3000:]
    figures = json.loads(done.stdout)

    def figure(fragment: str) -> dict:
        found = [f for f in figures if fragment in f["name"]]
        assert found, (fragment, [f["name"] for f in figures], done.stderr[-3000:])
        return found[0]

    for fragment in FIGURES:
        figure(fragment)
    assert figure("per accepted POST")["passed"]
    assert figure("uncached / cached")["passed"]  # compiled templates really are reused
    assert figure("end to end")["passed"]
    assert "0 lost, 0 sent twice" in figure("sustained send rate")["value"]  # rate needs 30 s
