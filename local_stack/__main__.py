"""`make run`: python -m local_stack (PORT picks the API port, default 8000)."""
from __future__ import annotations

import os
import signal
import sys
import time

from local_stack.server import LocalStack, PortInUse, banner


def main() -> int:
    started = time.monotonic()
    port = int(os.environ.get("PORT", "8000"))
    stack = LocalStack(port)
    # Ctrl-C and SIGTERM both stop cleanly (even when started in the background,
    # where a shell hands SIGINT down as ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        server = stack.start()
    except PortInUse as error:
        print(error.code, file=sys.stderr)
        stack.stop()
        return 2
    print(banner(port, stack.info, time.monotonic() - started), flush=True)
    try:
        server.server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        print("\nstopping Herald local stack...", flush=True)
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
