"""The AWS emulation the benchmarks run against: the local stack's moto server
in its own process on 127.0.0.1, with Herald's resources created and the
starter templates saved.

It runs in a separate process so that the processes being measured (cold
starts, the consumer's memory) never carry moto's imports or its work.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex((HOST, port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing answered on {HOST}:{port} within {timeout_s} s")


class Emulator:
    """A moto server process plus the environment a Herald process needs to use it."""

    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint = f"http://{HOST}:{self.port}"
        self.process: subprocess.Popen | None = None
        self.env: dict[str, str] = {}
        self._own_environ = dict(os.environ)

    def __enter__(self) -> Emulator:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.moto_process", str(self.port)], cwd=PROJECT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)
        return self

    def __exit__(self, *exc: Any) -> None:
        _replace_environ(self._own_environ)
        if self.process is not None:
            stop(self.process)

    def fresh(self, **overrides: str) -> dict[str, str]:
        """Reset the emulation, create Herald's resources and save the starter
        templates; point this process at it and return the env a child needs."""
        import boto3
        import requests

        from chalicelib import wiring
        from chalicelib.platform.settings import Settings
        from local_stack.environment import stage_env
        from local_stack.resources import create_resources

        requests.post(f"{self.endpoint}/moto-api/reset", timeout=30).raise_for_status()
        # Nothing of this process's own AWS or Herald settings (a profile, a
        # region, an earlier benchmark's overrides) may leak into this one.
        _replace_environ(_without_aws_and_herald(self._own_environ))
        env = {**stage_env("dev"), "AWS_ENDPOINT_URL": self.endpoint,
               "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
               "AWS_DEFAULT_REGION": "us-east-1", "HERALD_REPORT_BATCH_ITEM_FAILURES": "true",
               **overrides}
        os.environ.update(env)
        urls = create_resources(Settings.from_env(env), boto3.session.Session())
        env.update({"HERALD_SEND_QUEUE_URL": urls["queue_url"],
                    "HERALD_DLQ_URL": urls["dlq_url"]})
        os.environ.update(env)
        wiring.reset()
        save_starter_templates()
        wiring.reset()
        self.env = env
        return env

    def child_env(self) -> dict[str, str]:
        """The environment for a Herald child process using the emulation."""
        return {**_without_aws_and_herald(self._own_environ), **self.env,
                "PYTHONPATH": str(PROJECT)}


def _without_aws_and_herald(environ: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in environ.items() if not k.startswith(("HERALD_", "AWS_"))}


def _replace_environ(values: dict[str, str]) -> None:
    os.environ.clear()
    os.environ.update(values)


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM, grace_s: float = 10) -> None:
    """Ask a child to stop; kill it if it does not within `grace_s`."""
    if process.poll() is None:
        process.send_signal(sig)
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def save_starter_templates() -> None:
    """Save templates/ through Herald's own template manager (checks included)."""
    from chalicelib.wiring import services
    from tools.template_files import read_all

    for name, payload in read_all(PROJECT / "templates").items():
        services().templates.save(name, payload, author="bench")
