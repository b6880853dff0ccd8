"""Each render bomb of tests/functional/test_render_bounds.py in a fresh process, on a
worker thread: the time to refusal and the process's RSS growth (ru_maxrss) it caused.

Run: python -m bench.render_bombs
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import threading
import time


def _measure(name: str) -> dict[str, object]:
    from tests.functional.test_render_bounds import BOMBS
    from tests.helpers import compiled_html

    template = compiled_html(BOMBS[name][0])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    outcome: dict[str, object] = {}

    def work() -> None:
        start = time.monotonic()
        try:
            template.render({})
            outcome["error"] = None
        except Exception as exc:  # noqa: BLE001 - reported
            outcome["error"] = getattr(exc, "message", repr(exc))
        outcome["seconds"] = round(time.monotonic() - start, 3)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    growth_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    return {**outcome, "rss_growth_mb": round(growth_kb / 1024, 1)}


def main() -> None:
    if len(sys.argv) > 1:
        print(json.dumps(_measure(sys.argv[1])))
        return
    from tests.functional.test_render_bounds import BOMBS

    print(f"{'bomb':32} {'seconds':>7} {'RSS MB':>7}  error")
    for name in BOMBS:
        line = subprocess.run([sys.executable, "-m", "bench.render_bombs", name],
                              capture_output=True, text=True, check=True).stdout
        result = json.loads(line)
        print(f"{name:32} {result['seconds']:7.2f} {result['rss_growth_mb']:7.1f}  "
              f"{result['error']}")


if __name__ == "__main__":
    main()
