"""Least privilege per function, read statically: the policies of infra/iam.py grant
exactly the actions the code calls, on the stage's own resources, and Chalice uses them.
tests/functional/test_deploy_iam.py checks the same grants against the calls a moto flow
makes."""
from __future__ import annotations

import json

import pytest
from boto_calls import source_files, static_actions
from helpers import herald_app

from infra import iam, names
from infra.package import lambda_functions
from infra.stage import PROJECT, load_stage, read_config

CHALICE = PROJECT / ".chalice"
STAGES = sorted(read_config()["stages"])
NOTIFICATIONS_TOPIC = "arn:aws:sns:us-east-1:123456789012:herald-dev-notifications"


def test_every_function_is_declared_and_uses_its_own_policy_file():
    config = read_config()
    assert config["autogen_policy"] is False
    assert set(iam.POLICIES) == set(lambda_functions(herald_app()))
    for stage in STAGES:
        declared = config["stages"][stage]["lambda_functions"]
        assert set(declared) == set(iam.POLICIES)
        for function, settings in declared.items():
            assert settings["iam_policy_file"] == names.policy_file(stage, function)


@pytest.mark.parametrize("stage", STAGES)
def test_policy_files_are_generated_from_the_declaration(stage):
    stage_config = load_stage(stage)
    for function in iam.POLICIES:
        written = json.loads((CHALICE / names.policy_file(stage, function)).read_text())
        assert written == iam.literal_policy(stage_config, function), (
            f"run: python -c \"from infra import iam, stage; "
            f"iam.write_policy_files(stage.load_stage('{stage}'))\"")


def test_granted_actions_are_exactly_those_the_code_calls():
    called = static_actions(PROJECT / "chalicelib")
    granted = {action for grants in iam.POLICIES.values() for grant in grants
               if not grant.platform for action in grant.actions}
    assert granted - called == set(), "granted but never called"
    assert called - granted == set(), "called but never granted"


def test_the_static_reading_finds_calls_in_nested_packages():
    # the SES send lives two packages deep (delivery/channels/email.py)
    source = PROJECT / "chalicelib"
    assert source / "delivery" / "channels" / "email.py" in source_files(source)
    assert "ses:SendEmail" in static_actions(source)


@pytest.mark.parametrize("stage", STAGES)
def test_no_wildcard_actions_and_resources_scoped(stage):
    stage_config = load_stage(stage)
    for function in iam.POLICIES:
        for statement in iam.literal_policy(stage_config, function)["Statement"]:
            assert all("*" not in action for action in statement["Action"])
            for resource in statement["Resource"]:
                if resource == "*":
                    assert statement["Action"] == ["cloudwatch:GetMetricStatistics"]
                else:
                    assert f":{stage_config.region}:" in resource or resource.startswith(
                        "arn:aws:s3:::herald-"), resource
    logs = iam.literal_policy(stage_config, "consume_send_queue")["Statement"][0]
    assert logs["Resource"] == [f"arn:aws:logs:us-east-1:123456789012:log-group:"
                                f"/aws/lambda/herald-{stage}-consume_send_queue:*"]


def test_consumer_may_send_only_from_the_stages_identity_with_its_configuration_set():
    [grant] = [g for g in iam.literal_policy(load_stage("prod"), "consume_send_queue")[
        "Statement"] if g["Action"] == ["ses:SendEmail"]]
    assert grant["Resource"] == [
        "arn:aws:ses:us-east-1:123456789012:identity/example.com",
        "arn:aws:ses:us-east-1:123456789012:configuration-set/herald-prod"]
    assert grant["Condition"] == {"StringLike": {"ses:FromAddress": "*@example.com"}}
    [cfn] = [g for g in iam.cfn_policy(load_stage("prod"), "consume_send_queue")["Statement"]
             if g["Action"] == ["ses:SendEmail"]]
    assert cfn["Condition"] == grant["Condition"]


def test_only_the_forwarder_publishes_to_the_admin_topic_with_the_topic_key():
    policies = {f: iam.literal_policy(load_stage("dev"), f) for f in iam.POLICIES}
    publishers = {f for f, p in policies.items() for s in p["Statement"]
                  if "sns:Publish" in s["Action"] and s["Resource"] != [NOTIFICATIONS_TOPIC]}
    assert publishers == {"forward_alarm"}
    [key] = [s for s in policies["forward_alarm"]["Statement"] if s["Sid"] == "EncryptNotice"]
    assert key["Condition"] == {"ForAnyValue:StringEquals": {
        "kms:ResourceAliases": "alias/herald-dev-topics"}}


def test_the_api_publishes_notifications_to_their_topic_alone_with_the_topic_key():
    statements = iam.literal_policy(load_stage("dev"), names.API_HANDLER)["Statement"]
    [publish] = [s for s in statements if "sns:Publish" in s["Action"]]
    assert publish["Resource"] == [NOTIFICATIONS_TOPIC]
    [key] = [s for s in statements if s["Sid"] == "EncryptNotifications"]
    assert key["Condition"] == {"ForAnyValue:StringEquals": {
        "kms:ResourceAliases": "alias/herald-dev-topics"}}
