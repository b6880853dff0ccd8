"""The local stack as a subprocess on a free port, the way a newcomer runs it.

Shared by the integration tests (over HTTP and boto3) and the browser tests.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import boto3
import requests

from local_stack.server import free_port

PROJECT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
T = TypeVar("T")


def wait_for(predicate: Callable[[], T], timeout_s: float, what: str) -> T:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def start(port: int, output: Any = subprocess.PIPE) -> subprocess.Popen:
    """`PORT=port python -m local_stack`, without this process's Herald or AWS settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HERALD_", "AWS_"))}
    return subprocess.Popen([sys.executable, "-m", "local_stack"], cwd=PROJECT,
                            env={**env, "PORT": str(port)}, stdout=output,
                            stderr=subprocess.STDOUT, text=True)


def healthy(base: str) -> bool:
    try:
        return requests.get(f"{base}/health", timeout=1).json() == {"status": "ok"}
    except requests.RequestException:
        return False


def stop(process: subprocess.Popen) -> None:
    """Ctrl-C, as a person at the terminal would."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)


@dataclass(frozen=True)
class RunningStack:
    base: str
    port: int
    process: subprocess.Popen

    def aws(self, service: str) -> tuple[Any, dict[str, str]]:
        """A boto3 client pointed at the stack's AWS emulation, and GET /_local/info."""
        info = requests.get(f"{self.base}/_local/info", timeout=5).json()
        client = boto3.client(service, endpoint_url=info["aws_endpoint"],
                              region_name=info["region"], aws_access_key_id="local",
                              aws_secret_access_key="local")
        return client, info


@contextmanager
def running_stack() -> Iterator[RunningStack]:
    """A started stack answering /health; stopped on exit. Its output goes to a
    file (a pipe nobody reads would fill up and block it)."""
    port = free_port()
    base = f"http://{HOST}:{port}"
    with tempfile.TemporaryFile("w+") as output:
        process = start(port, output)
        try:
            wait_for(lambda: healthy(base) or process.poll() is not None, 60, "/health")
            output.seek(0)
            assert process.poll() is None, output.read()
            yield RunningStack(base, port, process)
        finally:
            stop(process)
