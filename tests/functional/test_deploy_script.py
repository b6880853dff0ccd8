"""The `chalice deploy` path's steps, against moto where it has the service.

Index roll-out (scripts/indexes.py) on the package path: moto does not apply a
stack update's index changes to its tables, so only the API calls are proven
here; the one-index-per-update rule and the waits are in tests/unit/test_index_rollout.py."""
from __future__ import annotations

import copy
import io
import json
import zipfile

import boto3
import pytest
from helpers import STACK_OUTPUTS as OUTPUTS
from moto import mock_aws

from infra import users
from infra.stage import load_stage
from infra.template import resources_template
from scripts import admin_ui, post_deploy
from scripts.deploy import create_log_groups
from scripts.indexes import Waits, roll_out, s3_upload
from scripts.stack import deploy_stack


@pytest.fixture
def account(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield boto3.session.Session(region_name="us-east-1")


def test_stack_is_created_then_updated_and_outputs_returned(account):
    cfn = account.client("cloudformation")
    template = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue",
                                        "Properties": {"QueueName": "herald-test"}}},
                "Outputs": {"QueueName": {"Value": {"Fn::GetAtt": ["Queue", "QueueName"]}}}}
    assert deploy_stack(cfn, "s", template, {"Environment": "test"}) == {
        "QueueName": "herald-test"}
    template["Resources"]["Queue"]["Properties"]["VisibilityTimeout"] = 30
    assert deploy_stack(cfn, "s", template, {})["QueueName"] == "herald-test"
    [stack] = cfn.describe_stacks(StackName="s")["Stacks"]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"


def _function(session, name: str, **properties) -> str:
    """A function with empty code, as far as the mapping steps care; returns its ARN."""
    role = session.client("iam").create_role(RoleName=f"r-{name}", AssumeRolePolicyDocument="{}")
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("app.py", "")
    return session.client("lambda").create_function(
        FunctionName=name, Runtime="python3.11", Role=role["Role"]["Arn"], Handler="app.h",
        Code={"ZipFile": code.getvalue()}, **properties)["FunctionArn"]


def _deployed_stage(session) -> list[dict]:
    """What `chalice deploy` leaves: a function with an SQS mapping and a REST API."""
    lam = session.client("lambda")
    arn = _function(session, "herald-dev-consume_send_queue",
                    Environment={"Variables": {"HERALD_STAGE": "dev"}})
    sqs = session.client("sqs")
    queue = sqs.create_queue(QueueName="herald-dev-send")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    uuid = lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=arn,
                                           BatchSize=10)["UUID"]
    api = session.client("apigateway")
    rest_api = api.create_rest_api(name="herald")["id"]
    root = api.get_resources(restApiId=rest_api)["items"][0]["id"]
    api.put_method(restApiId=rest_api, resourceId=root, httpMethod="GET",
                   authorizationType="NONE")
    api.put_integration(restApiId=rest_api, resourceId=root, httpMethod="GET", type="MOCK")
    api.create_deployment(restApiId=rest_api, stageName="api")
    return [{"resource_type": "sqs_event", "event_uuid": uuid, "lambda_arn": arn},
            {"resource_type": "rest_api", "rest_api_id": rest_api,
             "rest_api_url": f"https://{rest_api}.execute-api.us-east-1.amazonaws.com/api/"}]


def test_mapping_reports_batch_item_failures_then_the_consumer_relies_on_it(account):
    resources = _deployed_stage(account)
    lam = account.client("lambda")
    [uuid] = post_deploy.enable_batch_item_failures(lam, resources)
    assert lam.get_event_source_mapping(UUID=uuid)["FunctionResponseTypes"] == [
        "ReportBatchItemFailures"]
    variables = lam.get_function_configuration(
        FunctionName="herald-dev-consume_send_queue")["Environment"]["Variables"]
    assert variables == {"HERALD_STAGE": "dev", "HERALD_REPORT_BATCH_ITEM_FAILURES": "true"}


def test_gateway_errors_carry_cors_and_the_stage_is_redeployed(account):
    resources = _deployed_stage(account)
    api = account.client("apigateway")
    rest_api = resources[1]["rest_api_id"]
    deployed = api.get_stage(restApiId=rest_api, stageName="api")["deploymentId"]
    assert post_deploy.cors_on_gateway_errors(api, resources, "api",
                                              "https://d111.cloudfront.net") == rest_api
    for kind in ("DEFAULT_4XX", "DEFAULT_5XX"):
        response = api.get_gateway_response(restApiId=rest_api, responseType=kind)
        assert response["responseParameters"] == {
            "gatewayresponse.header.Access-Control-Allow-Origin": "'https://d111.cloudfront.net'",
            "gatewayresponse.header.Access-Control-Allow-Headers":
                "'Authorization,Content-Type,Idempotency-Key'"}
    # a new deployment of the stage, or the responses would not apply
    assert api.get_stage(restApiId=rest_api, stageName="api")["deploymentId"] != deployed


def test_api_stage_is_throttled(account):
    resources = _deployed_stage(account)
    api = account.client("apigateway")
    rest_api = post_deploy.throttle_api(api, resources, "api", 1000, 500)
    settings = api.get_stage(restApiId=rest_api, stageName="api")["methodSettings"]["*/*"]
    assert (settings["throttlingRateLimit"], settings["throttlingBurstLimit"]) == (1000, 500)


def test_admin_ui_is_published_with_the_stages_config(account, tmp_path):
    (tmp_path / "index.html").write_text("<html></html>")
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "app.js").write_text("// app")
    (tmp_path / "config.js").write_text("window.HERALD_CONFIG = {apiBase: ''};")
    s3, cloudfront = account.client("s3"), account.client("cloudfront")
    s3.create_bucket(Bucket="herald-dev-admin-ui")
    distribution = cloudfront.create_distribution(DistributionConfig={
        "CallerReference": "t", "Comment": "", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": "b.s3.amazonaws.com",
                                             "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all",
                                 "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"}},
    )["Distribution"]["Id"]
    outputs = {**OUTPUTS, "AdminUiBucketName": "herald-dev-admin-ui",
               "AdminUiDistributionId": distribution}
    config = admin_ui.config_js("https://api.example/api/", "us-east-1", outputs)
    keys = admin_ui.publish(s3, cloudfront, outputs, config, source=tmp_path)
    assert keys == ["config.js", "index.html", "js/app.js"]
    written = s3.get_object(Bucket="herald-dev-admin-ui", Key="config.js")
    text = written["Body"].read().decode()
    assert '"apiBase": "https://api.example/api"' in text
    assert f'"userPoolClientId": "{OUTPUTS["UserPoolClientId"]}"' in text
    assert written["CacheControl"] == "no-cache"
    page = s3.head_object(Bucket="herald-dev-admin-ui", Key="js/app.js")
    assert page["ContentType"] == "text/javascript"
    invalidations = cloudfront.list_invalidations(DistributionId=distribution)
    assert invalidations["InvalidationList"]["Quantity"] == 1


def test_every_function_gets_its_real_log_group_with_30_day_retention(account):
    logs = account.client("logs")
    # Chalice already made one without retention (or Lambda did, on first write)
    logs.create_log_group(logGroupName="/aws/lambda/herald-dev-consume_send_queue")
    created = create_log_groups(logs, load_stage("dev"))
    # the API handler's function is `herald-dev`, not `herald-dev-api_handler` (chalice #2079)
    assert set(created) == {"/aws/lambda/herald-dev", "/aws/lambda/herald-dev-consume_send_queue",
                            "/aws/lambda/herald-dev-handle_ses_feedback",
                            "/aws/lambda/herald-dev-reconcile",
                            "/aws/lambda/herald-dev-forward_alarm",
                            "/aws/lambda/herald-dev-cognito_email_sender",
                            "/aws/lambda/herald-dev-send_welcome_mail",
                            "/aws/lambda/herald-dev-fan_out_webhook_events",
                            "/aws/lambda/herald-dev-send_webhooks",
                            "/aws/lambda/herald-dev-consume_sms_queue"}
    groups = logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/herald-dev")["logGroups"]
    assert {g["logGroupName"]: g.get("retentionInDays") for g in groups} == {
        name: 30 for name in created}


def test_api_stage_writes_json_access_logs(account):
    resources = _deployed_stage(account)
    api = account.client("apigateway")
    arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/apigateway/herald-dev-access:*"
    rest_api = post_deploy.access_logging(api, resources, "api", arn)
    settings = api.get_stage(restApiId=rest_api, stageName="api")["accessLogSettings"]
    assert settings["destinationArn"] == arn.removesuffix(":*")
    assert json.loads(settings["format"])["requestId"] == "$context.requestId"


def test_users_stream_mapping_gets_its_failure_handling_then_the_handler_relies_on_it(account):
    lam = account.client("lambda")
    arn = _function(account, "herald-dev-send_welcome_mail")
    stream = account.client("dynamodb").create_table(
        TableName="herald-dev-users", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "user_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "user_id", "AttributeType": "S"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )["TableDescription"]["LatestStreamArn"]
    uuid = lam.create_event_source_mapping(EventSourceArn=stream, FunctionName=arn,
                                           StartingPosition="LATEST")["UUID"]
    failures = "arn:aws:sqs:us-east-1:123456789012:herald-dev-users-stream-failures"
    resources = [{"resource_type": "dynamodb_event", "event_uuid": uuid, "lambda_arn": arn}]
    assert post_deploy.configure_stream_mappings(
        lam, resources, users.mapping_settings(load_stage("dev")), failures) == [uuid]
    mapping = lam.get_event_source_mapping(UUID=uuid)
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert (mapping["BisectBatchOnFunctionError"], mapping["MaximumRetryAttempts"],
            mapping["MaximumRecordAgeInSeconds"]) == (True, 5, 21600)
    assert mapping["DestinationConfig"] == {"OnFailure": {"Destination": failures}}
    variables = lam.get_function_configuration(FunctionName=arn)["Environment"]["Variables"]
    assert variables == {"HERALD_REPORT_BATCH_ITEM_FAILURES": "true"}


INDEXES = ["by_ses_message_id", "by_recipient_key", "by_accept_day", "by_attention"]


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
    steps = roll_out(cfn, account.client("dynamodb"), "herald-dev", _message_log(INDEXES),
                     from_deployed=True, clock=Waits(poll_s=0, out=out),
                     upload=s3_upload(s3, "artifacts", "herald-dev", "us-east-1"))
    assert steps == 3
    assert [line.split(": ")[-1] for line in out.getvalue().splitlines()] == [
        "herald-dev-message-log +by_recipient_key", "herald-dev-message-log +by_accept_day",
        "herald-dev-message-log +by_attention"]
    uploaded = [json.loads(s3.get_object(Bucket="artifacts", Key=o["Key"])["Body"].read())
                for o in s3.list_objects_v2(Bucket="artifacts")["Contents"]]
    assert sorted(len(_index_names(template)) for template in uploaded) == [2, 3, 4]
    assert _index_names(cfn.get_template(StackName="herald-dev")["TemplateBody"]) == INDEXES
    [stack] = cfn.describe_stacks(StackName="herald-dev")["Stacks"]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
