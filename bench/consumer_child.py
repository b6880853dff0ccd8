"""One consumer container: drains the send queue in batches of 10 through the
real handler, as Lambda would, then prints its peak RSS as JSON.

Run as `python -m bench.consumer_child EXPECTED` in the emulation's env; it
uses Herald's own SQS client for receive and delete, so nothing but Herald
and this loop is in the process.
"""
import json
import os
import sys
import time


def _status_kb(field: str) -> int:
    """VmRSS (now) or VmHWM (peak) of this process image; getrusage's ru_maxrss
    would also count the parent's peak from before exec."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith(field + ":"))
    return int(line.split()[1])


def main() -> None:
    expected = int(sys.argv[1])
    from bench.driver import Queue, consume_batch
    from chalicelib.platform import aws
    from chalicelib.platform.settings import get_settings

    queue = Queue(os.environ, sqs=aws.client("sqs", get_settings().region))
    sent, first_batch_kb = 0, 0
    deadline = time.monotonic() + 600
    while sent < expected and time.monotonic() < deadline:
        batch = consume_batch(queue)
        sent += batch.handled - batch.failed
        first_batch_kb = first_batch_kb or _status_kb("VmRSS")
    print(json.dumps({"sent": sent, "after_first_batch_kb": first_batch_kb,
                      "end_kb": _status_kb("VmRSS"), "peak_kb": _status_kb("VmHWM")}),
          flush=True)


if __name__ == "__main__":
    main()
