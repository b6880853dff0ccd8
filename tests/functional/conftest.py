"""Shared fixtures: an emulated AWS account with Herald's resources, and the
Chalice test client bound to the `dev` stage."""
from __future__ import annotations

import json
import os
from pathlib import Path

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID

from chalicelib import wiring
from chalicelib.platform.settings import Settings
from local_stack.emulator import honour_transaction_tokens, serialize_dynamodb_in_process
from local_stack.resources import create_resources

PROJECT = Path(__file__).resolve().parent.parent
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
    with Client(_app(), stage_name="dev", project_dir=str(PROJECT)) as test_client:
        yield test_client


def _app():
    import app

    return app.app


def sent_mail() -> list:
    """Raw messages the emulated SES accepted, oldest first."""
    from moto.ses.models import ses_backends

    return list(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages)
