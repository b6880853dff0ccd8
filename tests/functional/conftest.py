"""The functional layer's fixtures: an emulated AWS account with Herald's resources,
the Chalice test client bound to the `dev` stage, and the OTP template saved on it."""
from __future__ import annotations

import json
import os
from pathlib import Path

import boto3
import pytest
from chalice.test import Client
from helpers import OTP, herald_app, put_template
from moto import mock_aws

from chalicelib import wiring
from chalicelib.platform.settings import Settings
from local_stack.emulator import honour_transaction_tokens, serialize_dynamodb_in_process
from local_stack.resources import create_resources

PROJECT = Path(__file__).resolve().parents[2]
STAGE_ENV = json.loads((PROJECT / ".chalice" / "config.json").read_text())["stages"]["dev"][
    "environment_variables"]


@pytest.fixture
def stage_env(monkeypatch):
    """The dev stage's env vars, present for the whole test (Chalice patches them per call)."""
    for key, value in STAGE_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("HERALD_REPORT_BATCH_ITEM_FAILURES", "true")
    monkeypatch.setenv("HERALD_RETRY_BASE_S", "0")
    monkeypatch.setenv("HERALD_AUTH_MODE", "off")  # deployed stages check Cognito groups
    # where notification mail's unsubscribe links point (set per stage after a deploy)
    monkeypatch.setenv("HERALD_PUBLIC_BASE_URL", "https://mail.example.com")
    wiring.reset()
    yield
    wiring.reset()


@pytest.fixture
def aws(stage_env):
    """An emulated account with every Herald resource created."""
    honour_transaction_tokens()
    serialize_dynamodb_in_process()
    with mock_aws():
        settings = Settings.from_env(os.environ)
        urls = create_resources(settings, boto3.session.Session(), visibility_timeout_s=30)
        assert urls["queue_url"].endswith("/herald-dev-send")
        yield settings


@pytest.fixture
def client(aws):
    with Client(herald_app(), stage_name="dev", project_dir=str(PROJECT)) as test_client:
        yield test_client


@pytest.fixture
def otp_template() -> dict:
    """What `otp` saves; a module overrides this fixture to save a variant."""
    return OTP


@pytest.fixture
def otp(client, otp_template):
    """The client, with the OTP template saved as `otp`."""
    assert put_template(client, "otp", otp_template).status_code == 200
    return client


@pytest.fixture
def staff_client(client, monkeypatch):
    """The dev stage as deployed: group checks on."""
    monkeypatch.setenv("HERALD_AUTH_MODE", "cognito")
    wiring.reset()
    return client
