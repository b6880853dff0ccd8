"""`scripts.indexes` on the package path, against moto's CloudFormation, S3 and
DynamoDB: the real API calls (the deployed template read back, each step's template
through S3, the update keeping parameters). Moto does not apply a stack update's
index changes to its tables, so the one-index-per-update rule and the waiting
for ACTIVE are proven in tests/unit/test_index_rollout.py."""
from __future__ import annotations

import copy
import io
import json

import boto3
import pytest
from moto import mock_aws

from infra.stage import load_stage
from infra.template import resources_template
from scripts.indexes import Waits, roll_out, s3_upload
from scripts.stack import deploy_stack

NEW = ["by_ses_message_id", "by_recipient_key", "by_accept_day", "by_status"]


@pytest.fixture
def account(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield boto3.session.Session(region_name="us-east-1")


def _message_log(indexes: list[str]) -> dict:
    """A stack holding the stage's message log with only `indexes`, its template
    as large as a SAM one (over the 51,200 bytes a request may carry)."""
    table = copy.deepcopy(resources_template(load_stage("dev"))["Resources"]["MessageLogTable"])
    properties = table["Properties"]
    properties["GlobalSecondaryIndexes"] = [i for i in properties["GlobalSecondaryIndexes"]
                                            if i["IndexName"] in indexes]
    used = {"message_id", *[k["AttributeName"] for i in properties["GlobalSecondaryIndexes"]
                            for k in i["KeySchema"]]}
    properties["AttributeDefinitions"] = [d for d in properties["AttributeDefinitions"]
                                          if d["AttributeName"] in used]
    return {"Metadata": {"Padding": "x" * 60_000}, "Resources": {"MessageLogTable": table}}


def _index_names(template: dict) -> list[str]:
    return [i["IndexName"] for i in
            template["Resources"]["MessageLogTable"]["Properties"]["GlobalSecondaryIndexes"]]


def test_package_path_steps_go_through_s3_one_index_more_each(account):
    cfn, s3 = account.client("cloudformation"), account.client("s3")
    deploy_stack(cfn, "herald-dev", _message_log(["by_ses_message_id"]), {})  # moto takes it inline
    s3.create_bucket(Bucket="artifacts")
    out = io.StringIO()
    steps = roll_out(cfn, account.client("dynamodb"), "herald-dev", _message_log(NEW),
                     from_deployed=True, clock=Waits(poll_s=0, out=out),
                     upload=s3_upload(s3, "artifacts", "herald-dev", "us-east-1"))
    assert steps == 3
    assert [line.split(": ")[-1] for line in out.getvalue().splitlines()] == [
        "herald-dev-message-log +by_recipient_key", "herald-dev-message-log +by_accept_day",
        "herald-dev-message-log +by_status"]
    uploaded = [json.loads(s3.get_object(Bucket="artifacts", Key=o["Key"])["Body"].read())
                for o in s3.list_objects_v2(Bucket="artifacts")["Contents"]]
    assert sorted(len(_index_names(template)) for template in uploaded) == [2, 3, 4]
    assert _index_names(cfn.get_template(StackName="herald-dev")["TemplateBody"]) == NEW
    [stack] = cfn.describe_stacks(StackName="herald-dev")["Stacks"]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
