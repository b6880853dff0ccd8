"""Figure 7: peak RSS of one consumer process handling many messages in
batches of 10, and the Lambda memory setting that leaves it headroom."""
from __future__ import annotations

import json
import subprocess
import sys

from bench.driver import post_emails
from bench.emulator import PROJECT, Emulator
from bench.report import Figure
from bench.sizes import Sizes

LAMBDA_SETTINGS_MB = (128, 256, 512, 1024)
HEADROOM = 0.7  # peak RSS may use at most this share of the setting


def configured_memory_mb() -> int:
    config = json.loads((PROJECT / ".chalice" / "config.json").read_text())
    return int(config.get("lambda_memory_size", 128))


def run(emulator: Emulator, sizes: Sizes) -> list[Figure]:
    # The send rate is not under test here; a 1,000-message run should not take 50 s.
    emulator.fresh(HERALD_MAX_SEND_RATE="1000")
    count = sizes.memory_messages
    post_emails(count)
    done = subprocess.run([sys.executable, "-m", "bench.consumer_child", str(count)],
                          cwd=PROJECT, env=emulator.child_env(), capture_output=True, text=True,
                          timeout=900, check=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    peak_mb = report["peak_kb"] / 1024
    growth_mb = (report["end_kb"] - report["after_first_batch_kb"]) / 1024
    fits = [mb for mb in LAMBDA_SETTINGS_MB if peak_mb <= HEADROOM * mb]
    supported = fits[0] if fits else None
    configured = configured_memory_mb()
    return [Figure(f"consumer peak RSS, {report['sent']} of {count} messages in batches of 10",
                   f"{peak_mb:.0f} MB ({growth_mb:+.1f} MB after the first batch); "
                   f"fits {supported or 'no'} MB Lambda",
                   f"<= {HEADROOM:.0%} of {configured} MB (configured)",
                   report["sent"] == count and supported is not None and supported <= configured)]
