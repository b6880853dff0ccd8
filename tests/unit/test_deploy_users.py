"""The users stream's infrastructure for a stage that names its own table: nothing of it is
created, and the mapping, the policy and the deploy path all point at the stage's stream."""
from __future__ import annotations

from dataclasses import replace

from helpers import STACK_OUTPUTS, herald_app

from infra import iam, users
from infra.package import merge_template
from infra.stage import load_stage
from infra.template import resources_template
from scripts.config_file import write_stage_env

EXISTING = ("arn:aws:dynamodb:us-east-1:123456789012:table/acme-members/stream/"
            "2025-05-01T10:00:00.000")


def _existing_table_stage():
    dev = load_stage("dev")
    return replace(dev, infra={**dev.infra, "users_stream_arn": EXISTING})


def test_an_existing_table_is_used_not_created():
    stage = _existing_table_stage()
    template = resources_template(stage)
    assert "UsersTable" not in template["Resources"]
    assert template["Outputs"][users.STREAM_OUTPUT] == {"Value": EXISTING}
    assert "UsersStreamFailureQueue" in template["Resources"]


def test_the_mapping_and_the_policy_name_the_existing_tables_stream():
    stage = _existing_table_stage()
    function = merge_template(stage, herald_app())["Resources"]["SendWelcomeMail"]
    [event] = function["Properties"]["Events"].values()
    assert event["Properties"]["Stream"] == EXISTING
    [read] = [s for s in iam.literal_policy(stage, users.FUNCTION)["Statement"]
              if s["Sid"] == "ReadStream"]
    assert read["Resource"] == [
        "arn:aws:dynamodb:us-east-1:123456789012:table/acme-members/stream/*"]


def test_the_deploy_path_writes_the_stream_arn_for_app_pys_decorator(tmp_path):
    config = tmp_path / "config.json"
    config.write_text('{"stages": {"dev": {}}}')
    write_stage_env("dev", {**STACK_OUTPUTS, users.STREAM_OUTPUT: EXISTING}, config)
    assert EXISTING in config.read_text()
