"""The local stack as a newcomer runs it: a subprocess over real HTTP and boto3."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
import requests

PROJECT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _port_free(port: int) -> bool:
    """Nothing listens there (TIME_WAIT leftovers of closed connections don't count)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def _wait_for(predicate, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _start(port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HERALD_", "AWS_"))}
    return subprocess.Popen([sys.executable, "-m", "local_stack"], cwd=PROJECT,
                            env={**env, "PORT": str(port)}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def _healthy(base: str) -> bool:
    try:
        return requests.get(f"{base}/health", timeout=1).json() == {"status": "ok"}
    except requests.RequestException:
        return False


@pytest.fixture(scope="module")
def stack():
    port = _free_port()
    process = _start(port)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(lambda: _healthy(base) or process.poll() is not None, 60, "/health")
        assert process.poll() is None, process.stdout.read()
        yield base, port, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=20)


def _aws(base: str, service: str):
    info = requests.get(f"{base}/_local/info", timeout=5).json()
    return boto3.client(service, endpoint_url=info["aws_endpoint"], region_name=info["region"],
                        aws_access_key_id="local", aws_secret_access_key="local"), info


def test_starter_templates_and_admin_ui_are_served(stack):
    base, _, _ = stack
    names = {t["name"] for t in requests.get(f"{base}/templates", timeout=5).json()["templates"]}
    assert {"base", "otp-code", "magic-link", "login-alert", "welcome",
            "password-reset"} <= names
    page = requests.get(f"{base}/admin/", timeout=5)
    assert page.status_code == 200 and "<html" in page.text.lower()
    assert requests.get(f"{base}/admin/../app.py", timeout=5).status_code in (400, 403, 404)


def test_save_send_and_read_the_mail(stack):
    base, _, _ = stack
    template = {"subject": "Hello {{ name }}", "category": "notification",
                "html": "<p>Hi {{ name }}, welcome.</p>",
                "variables": {"name": {"required": True, "sample": "Ana"}}}
    saved = requests.put(f"{base}/templates/hello-local", json=template, timeout=5)
    assert saved.status_code == 200, saved.text
    accepted = requests.post(f"{base}/emails", timeout=5, json={
        "to": "newcomer@example.com", "template": "hello-local",
        "variables": {"name": "<Bo & Co>"}})
    assert accepted.status_code == 202, accepted.text
    message_id = accepted.json()["message_id"]

    def delivered():
        mails = requests.get(f"{base}/_local/mail", timeout=5).json()["mail"]
        return [m for m in mails if m["to"] == "newcomer@example.com"]
    [mail] = _wait_for(delivered, 20, "the mail in /_local/mail")
    assert mail["subject"] == "Hello <Bo & Co>"
    assert "Hi &lt;Bo &amp; Co&gt;, welcome." in mail["html"]
    assert "Hi <Bo & Co>, welcome." in mail["text"]
    assert mail["headers"]["X-Herald-Message-Id"] == message_id and mail["sent_at"]
    status = requests.get(f"{base}/emails/{message_id}", timeout=5).json()["status"]
    assert status in {"sent", "delivered"}


def test_poison_message_reaches_the_dlq_within_30_seconds(stack):
    base, _, _ = stack
    sqs, info = _aws(base, "sqs")
    started = time.monotonic()
    sqs.send_message(QueueUrl=info["queue_url"], MessageBody="not a herald message")

    def in_dlq():
        attributes = sqs.get_queue_attributes(QueueUrl=info["dlq_url"],
                                              AttributeNames=["ApproximateNumberOfMessages"])
        return int(attributes["Attributes"]["ApproximateNumberOfMessages"]) >= 1
    _wait_for(in_dlq, 30, "the poison message in the DLQ")
    assert time.monotonic() - started < 30


def test_second_start_on_the_same_port_fails_clearly(stack):
    _, port, _ = stack
    second = _start(port)
    output, _ = second.communicate(timeout=30)
    assert second.returncode == 2
    assert "already in use" in output and "Traceback" not in output


def test_ctrl_c_stops_everything_and_frees_the_port():
    port = _free_port()
    process = _start(port)
    base = f"http://127.0.0.1:{port}"
    _wait_for(lambda: _healthy(base), 60, "/health")
    aws_endpoint = requests.get(f"{base}/_local/info", timeout=5).json()["aws_endpoint"]
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=20) == 0
    assert _port_free(port)
    assert _port_free(int(aws_endpoint.rsplit(":", 1)[1]))
