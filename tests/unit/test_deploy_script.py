"""The `chalice deploy` path's steps that need no AWS: stage env from stack outputs,
an update without changes, the chalice command line and the alarm e-mail check
(tests/functional/test_deploy_script.py runs the others against moto)."""
from __future__ import annotations

import io
import json
import shutil

import boto3
import pytest
from botocore.stub import Stubber
from helpers import STACK_OUTPUTS as OUTPUTS

from infra.outputs import STAGE_ENV
from infra.stage import CONFIG, load_stage
from scripts.chalice_cli import run_chalice
from scripts.config_file import write_stage_env
from scripts.deploy import NoAlarmEmail, check_alarm_email
from scripts.stack import deploy_stack


def test_stack_outputs_become_the_stages_env_vars(tmp_path):
    config = tmp_path / "config.json"
    shutil.copy(CONFIG, config)
    write_stage_env("prod", OUTPUTS, config)
    written = json.loads(config.read_text())
    env = written["stages"]["prod"]["environment_variables"]
    for row in STAGE_ENV:
        assert env[row.env_var] == OUTPUTS[row.output]
    assert env["HERALD_STAGE"] == "prod"
    assert written["stages"]["dev"] == json.loads(CONFIG.read_text())["stages"]["dev"]


def test_an_update_without_changes_is_not_an_error():
    cfn = boto3.client("cloudformation", region_name="us-east-1",
                       aws_access_key_id="x", aws_secret_access_key="x")
    stack = {"StackName": "s", "StackStatus": "CREATE_COMPLETE", "CreationTime": "2026-01-01",
             "Outputs": [{"OutputKey": "A", "OutputValue": "1"}]}
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", {"Stacks": [stack]})
        stub.add_client_error("update_stack", "ValidationError",
                              "No updates are to be performed.")
        stub.add_response("describe_stacks", {"Stacks": [stack]})
        assert deploy_stack(cfn, "s", {"Resources": {}}, {}) == {"A": "1"}


def test_chalice_runs_for_the_stage_with_its_env(monkeypatch):
    calls = []
    monkeypatch.delenv("HERALD_ADMIN_ORIGIN", raising=False)
    run_chalice(load_stage("prod"), "deploy", run=lambda *a, **k: calls.append((a, k)))
    [(args, kwargs)] = calls
    assert args[0][-3:] == ["deploy", "--stage", "prod"] and args[0][0].endswith("chalice")
    assert kwargs["env"]["HERALD_SEND_QUEUE_NAME"] == "herald-prod-send"
    assert kwargs["env"]["AWS_DEFAULT_REGION"] == "us-east-1" and kwargs["check"] is True


def test_deploy_refuses_a_stage_whose_alarms_reach_nobody():
    stage = load_stage("dev")
    assert stage.infra["alarm_email"] == ""
    with pytest.raises(NoAlarmEmail, match="alarm_email is empty.*--no-alarm-email"):
        check_alarm_email(stage, allow_none=False)


def test_without_an_alarm_email_deploy_says_loudly_that_alarms_go_nowhere():
    err = io.StringIO()
    check_alarm_email(load_stage("prod"), allow_none=True, err=err)
    assert "ALARMS GO\n!! NOWHERE" in err.getvalue() and "prod" in err.getvalue()


def test_a_stage_with_an_alarm_email_deploys_quietly():
    stage = load_stage("prod")
    err = io.StringIO()
    with_email = type(stage)(**{**stage.__dict__,
                                "infra": {**stage.infra, "alarm_email": "ops@example.com"}})
    check_alarm_email(with_email, allow_none=False, err=err)
    assert err.getvalue() == ""
