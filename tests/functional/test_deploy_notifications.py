"""The deployed wiring of notifications: the two tables, the topic (KMS) with a filtered
raw-delivery subscription per channel queue the template holds, the queue policy letting
only the topic send, the API's env vars; and the optional identity-pool role, which
cfn-lint and checkov pass and which reaches only the caller's own preference items."""
from __future__ import annotations

import dataclasses
import json
import subprocess

import pytest

from infra import preferences
from infra.outputs import STAGE_ENV
from infra.stage import PROJECT, load_stage
from infra.template import resources_template

POOL = "us-east-1:00000000-0000-4000-8000-000000000000"
CHECKOV = PROJECT / ".venv-checkov" / "bin" / "checkov"


def _with_pool(stage: str = "prod"):
    config = load_stage(stage)
    return dataclasses.replace(config, infra={**config.infra,
                                              "preferences_identity_pool_id": POOL})


def test_tables_keep_their_data_encrypted_and_preferences_are_keyed_by_user_then_type():
    resources = resources_template(load_stage("prod"))["Resources"]
    for logical_id in ("PreferencesTable", "NotificationTypesTable"):
        table = resources[logical_id]
        assert table["DeletionPolicy"] == "Retain"
        assert table["Properties"]["SSESpecification"] == {"SSEEnabled": True}
        assert table["Properties"]["PointInTimeRecoverySpecification"] == {
            "PointInTimeRecoveryEnabled": True}
    assert resources["PreferencesTable"]["Properties"]["KeySchema"] == [
        {"AttributeName": "user_id", "KeyType": "HASH"},
        {"AttributeName": "notification_type", "KeyType": "RANGE"}]


def test_the_topic_fills_the_send_queue_with_email_messages_only():
    resources = resources_template(load_stage("prod"))["Resources"]
    topic = resources["NotificationsTopic"]["Properties"]
    assert topic == {"TopicName": "herald-prod-notifications",
                     "KmsMasterKeyId": {"Ref": "TopicKey"}}
    subscription = resources["SendQueueNotificationsSubscription"]["Properties"]
    assert subscription["Endpoint"] == {"Fn::GetAtt": ["SendQueue", "Arn"]}
    assert subscription["FilterPolicy"] == {"channel": ["email"]}
    assert subscription["RawMessageDelivery"] is True
    [allowed] = resources["SendQueueNotificationsPolicy"]["Properties"]["PolicyDocument"][
        "Statement"]
    assert allowed["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Ref": "NotificationsTopic"}}}


def test_the_sms_queue_is_subscribed_once_the_template_holds_it():
    from infra import messaging

    found = messaging.notification_resources(load_stage("prod"), {"SendQueue": {},
                                                                   "SmsQueue": {}})
    assert found["SmsQueueNotificationsSubscription"]["Properties"]["FilterPolicy"] == {
        "channel": ["sms"]}
    assert "SmsQueueNotificationsSubscription" not in messaging.notification_resources(
        load_stage("prod"), {"SendQueue": {}})


def test_the_api_finds_the_tables_and_topic_through_its_env():
    names = {row.env_var: row.value for row in STAGE_ENV}
    assert names["HERALD_PREFERENCES_TABLE"] == {"Ref": "PreferencesTable"}
    assert names["HERALD_NOTIFICATION_TYPES_TABLE"] == {"Ref": "NotificationTypesTable"}
    assert names["HERALD_NOTIFICATIONS_TOPIC_ARN"] == {"Ref": "NotificationsTopic"}
    outputs = resources_template(load_stage("prod"))["Outputs"]
    assert outputs["UsersTableName"] == {"Value": "herald-prod-users"}


def test_no_identity_pool_role_unless_the_stage_names_a_pool():
    template = resources_template(load_stage("prod"))
    assert preferences.ROLE not in template["Resources"]
    assert preferences.ROLE_OUTPUT not in template["Outputs"]


def test_the_identity_pool_role_reaches_only_the_callers_own_preference_items():
    template = resources_template(_with_pool())
    role = template["Resources"][preferences.ROLE]["Properties"]
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Condition"]["StringEquals"] == {"cognito-identity.amazonaws.com:aud": POOL}
    assert trust["Condition"]["ForAnyValue:StringLike"] == {
        "cognito-identity.amazonaws.com:amr": "authenticated"}
    [policy] = role["Policies"]
    for statement in policy["PolicyDocument"]["Statement"]:
        assert statement["Resource"] == {"Fn::GetAtt": ["PreferencesTable", "Arn"]}
        assert statement["Condition"]["ForAllValues:StringEquals"][
            "dynamodb:LeadingKeys"] == ["${cognito-identity.amazonaws.com:sub}"]
    assert template["Outputs"][preferences.ROLE_OUTPUT] == {
        "Value": {"Fn::GetAtt": [preferences.ROLE, "Arn"]}}


def test_cfn_lint_and_checkov_pass_the_template_with_the_identity_pool_role(tmp_path):
    path = tmp_path / "resources.json"
    path.write_text(json.dumps(resources_template(_with_pool())))
    lint = subprocess.run([str(PROJECT / ".venv" / "bin" / "cfn-lint"), "--format", "parseable",
                           str(path)], capture_output=True, text=True)
    assert [line for line in lint.stdout.splitlines() if ":E" in line] == [], lint.stdout
    if not CHECKOV.exists():
        pytest.fail(f"checkov is not installed: run `make {CHECKOV.relative_to(PROJECT)}`")
    result = subprocess.run(
        [str(CHECKOV), "--framework", "cloudformation", "--skip-download", "--quiet",
         "--compact", "--output", "json", "-f", str(path)], capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    report = json.loads(result.stdout)
    skips = json.loads((PROJECT / "infra" / "checkov-skips.json").read_text())
    failed = [(f["check_id"], f["resource"].split(".", 1)[1])
              for f in report["results"]["failed_checks"]]
    role_findings = [f for f in failed if f[1] == preferences.ROLE]
    assert role_findings == []
    unreviewed = [f for f in failed if f[0] not in skips or not (
        "*" in skips[f[0]]["resources"] or f[1] in skips[f[0]]["resources"])]
    assert unreviewed == []
