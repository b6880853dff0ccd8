"""`chalice package` with Herald's merge template, for every stage: it builds,
cfn-lint finds no error, checkov finds nothing unreviewed, and the seed's
values are in the template."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from infra import alarms, iam, names
from infra.logging import API_ACCESS_LOG_FORMAT
from infra.outputs import STAGE_ENV
from infra.stage import PROJECT, load_stage, read_config
from infra.template import resources_template

STAGES = sorted(read_config()["stages"])
CONSUMER = "ConsumeSendQueue"
FUNCTIONS = {"APIHandler", CONSUMER, "HandleSesFeedback", "Reconcile", "ForwardAlarm",
             "CognitoEmailSender",
             "SendWelcomeMail",
             "FanOutWebhookEvents", "SendWebhooks",
             "ConsumeSmsQueue"}
CHECKOV = PROJECT / ".venv-checkov" / "bin" / "checkov"
CHECKOV_SKIPS = PROJECT / "infra" / "checkov-skips.json"
QUOTED_ORIGIN = {"Fn::Sub": "'https://${AdminUiDistribution.DomainName}'"}
SERVICE_PATHS = ("/emails", "/users/", "/notifications")  # SigV4 callers: no CORS


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """stage -> (merged SAM template, stand-alone resources template path, merged path)."""
    build = tmp_path_factory.mktemp("build")
    found = {}
    for stage in STAGES:
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "scripts.package", "--stage", stage,
                        "--build", str(build), "--no-alarm-email"], cwd=PROJECT, check=True,
                       capture_output=True)
        print(f"chalice package {stage}: {time.monotonic() - started:.1f} s")
        sam = build / stage / "package" / "sam.json"
        standalone = build / stage / "resources.json"
        standalone.write_text(json.dumps(resources_template(load_stage(stage))))
        found[stage] = (json.loads(sam.read_text()), standalone, sam)
    return found


def _resources(built, stage):
    return built[stage][0]["Resources"]


def _of_type(resources, kind):
    return {k: v["Properties"] for k, v in resources.items() if v["Type"] == kind}


def test_cfn_lint_finds_no_error_in_any_template(built):
    files = [str(p) for _, standalone, sam in built.values() for p in (sam, standalone)]
    started = time.monotonic()
    result = subprocess.run([str(PROJECT / ".venv" / "bin" / "cfn-lint"), "--format", "parseable",
                             *files], capture_output=True, text=True)
    print(f"cfn-lint {len(files)} templates: {time.monotonic() - started:.1f} s")
    errors = [line for line in result.stdout.splitlines() if ":E" in line]
    assert not errors, "\n".join(errors)
    assert result.returncode & 2 == 0, result.stdout + result.stderr


@pytest.mark.parametrize("stage", STAGES)
def test_functions_have_the_seed_limits_and_30_day_logs(built, stage):
    resources = _resources(built, stage)
    functions = _of_type(resources, "AWS::Serverless::Function")
    assert set(functions) == FUNCTIONS
    for props in functions.values():
        assert props["Timeout"] == 10 and props["ReservedConcurrentExecutions"] == 50
    logs = _of_type(resources, "AWS::Logs::LogGroup")
    assert {p["LogGroupName"]["Fn::Sub"] for p in logs.values() if "Fn::Sub" in p[
        "LogGroupName"]} == {f"/aws/lambda/${{{function}}}" for function in functions}
    assert {p["RetentionInDays"] for p in logs.values()} == {30}
    assert logs["ApiHandlerLogGroup"]["LogGroupName"] == {"Fn::Sub": "/aws/lambda/${APIHandler}"}


@pytest.mark.parametrize("stage", STAGES)
def test_queue_redrive_retention_and_visibility(built, stage):
    resources = _resources(built, stage)
    queue = resources["SendQueue"]["Properties"]
    dlq = resources["DeadLetterQueue"]["Properties"]
    consumer = resources[CONSUMER]["Properties"]
    # AWS: visibility at least 6x the function timeout; the code leases by the same value
    assert queue["VisibilityTimeout"] == 60 and consumer["Timeout"] == 10
    assert consumer["Environment"]["Variables"]["HERALD_VISIBILITY_TIMEOUT_S"] == "60"
    assert queue["RedrivePolicy"] == {"deadLetterTargetArn": {
        "Fn::GetAtt": ["DeadLetterQueue", "Arn"]}, "maxReceiveCount": 3}
    assert dlq["MessageRetentionPeriod"] == 259200
    assert queue["MaximumMessageSize"] == 262144


@pytest.mark.parametrize("stage", STAGES)
def test_consumer_mapping_reports_batch_item_failures(built, stage):
    consumer = _resources(built, stage)[CONSUMER]["Properties"]
    [event] = consumer["Events"].values()
    assert event["Type"] == "SQS"
    assert event["Properties"]["Queue"] == {"Fn::Sub": "${SendQueue.Arn}"}
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert event["Properties"]["BatchSize"] == 10
    # consumers capped on the mapping (a throttled invocation would burn a receive)
    assert event["Properties"]["ScalingConfig"] == {"MaximumConcurrency": 2}
    assert consumer["Environment"]["Variables"]["HERALD_CONSUMER_MAX_CONCURRENCY"] == "2"
    assert consumer["Environment"]["Variables"]["HERALD_REPORT_BATCH_ITEM_FAILURES"] == "true"


@pytest.mark.parametrize("stage", STAGES)
def test_ses_events_reach_the_feedback_handler_through_a_queue_with_its_own_dlq(built, stage):
    resources = _resources(built, stage)
    feedback = resources["HandleSesFeedback"]["Properties"]
    [event] = feedback["Events"].values()
    assert event["Type"] == "SQS"
    assert event["Properties"]["Queue"] == {"Fn::Sub": "${FeedbackQueue.Arn}"}
    assert feedback["Environment"]["Variables"]["HERALD_FEEDBACK_QUEUE_NAME"] == {
        "Fn::GetAtt": ["FeedbackQueue", "QueueName"]}
    queue = resources["FeedbackQueue"]["Properties"]
    dlq = resources["FeedbackDeadLetterQueue"]["Properties"]
    assert queue["QueueName"] == f"herald-{stage}-ses-events"
    assert queue["VisibilityTimeout"] >= 6 * feedback["Timeout"]
    assert queue["RedrivePolicy"] == {"deadLetterTargetArn": {
        "Fn::GetAtt": ["FeedbackDeadLetterQueue", "Arn"]}, "maxReceiveCount": 5}
    assert dlq["QueueName"] == f"herald-{stage}-ses-events-dlq"
    assert dlq["MessageRetentionPeriod"] == 14 * 24 * 3600
    subscription = resources["FeedbackSubscription"]["Properties"]
    assert subscription == {"TopicArn": {"Ref": "SesEventsTopic"}, "Protocol": "sqs",
                            "Endpoint": {"Fn::GetAtt": ["FeedbackQueue", "Arn"]},
                            "RawMessageDelivery": False}  # the handler reads the SNS envelope
    [statement] = resources["FeedbackQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Ref": "SesEventsTopic"}}}


@pytest.mark.parametrize("stage", STAGES)
def test_reconciler_runs_every_minute_and_alarms_reach_the_forwarder(built, stage):
    resources = _resources(built, stage)
    [schedule] = resources["Reconcile"]["Properties"]["Events"].values()
    assert schedule == {"Type": "Schedule", "Properties": {"Schedule": "rate(1 minute)"}}
    [alarm_feed] = resources["ForwardAlarm"]["Properties"]["Events"].values()
    assert alarm_feed == {"Type": "SNS", "Properties": {"Topic": {"Fn::Sub": "${AlarmTopic}"}}}


@pytest.mark.parametrize("stage", STAGES)
def test_env_vars_point_at_the_templates_resources(built, stage):
    for props in _of_type(_resources(built, stage), "AWS::Serverless::Function").values():
        variables = props["Environment"]["Variables"]
        for row in STAGE_ENV:
            assert variables[row.env_var] == row.value, row.env_var
        assert variables["HERALD_STAGE"] == stage


@pytest.mark.parametrize("stage", STAGES)
def test_encryption_everywhere_and_no_public_bucket(built, stage):
    resources = _resources(built, stage)
    for name, props in _of_type(resources, "AWS::SQS::Queue").items():
        assert props["SqsManagedSseEnabled"] is True, name
    for name, props in _of_type(resources, "AWS::S3::Bucket").items():
        rule = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256", name
        assert all(props["PublicAccessBlockConfiguration"].values()), name
    for name, props in _of_type(resources, "AWS::DynamoDB::Table").items():
        assert props["SSESpecification"] == {"SSEEnabled": True}, name
    for name, props in _of_type(resources, "AWS::SNS::Topic").items():
        assert props["KmsMasterKeyId"] == {"Ref": "TopicKey"}, name
    assert resources["TemplateBucket"]["Properties"]["VersioningConfiguration"] == {
        "Status": "Enabled"}


@pytest.mark.parametrize("stage", STAGES)
def test_template_bucket_objects_only_for_herald_roles(built, stage):
    statements = _resources(built, stage)["TemplateBucketPolicy"]["Properties"][
        "PolicyDocument"]["Statement"]
    only = next(s for s in statements if s["Sid"] == "OnlyHeraldRoles")
    assert only["Effect"] == "Deny" and only["Principal"] == "*"
    allowed = only["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
    roles = {arn["Fn::Sub"].rsplit("/", 1)[1] for arn in allowed}
    assert roles == {f"herald-{stage}-api_handler", f"herald-{stage}-consume_send_queue",
                     f"herald-{stage}-cognito_email_sender",
                     f"herald-{stage}-send_welcome_mail",
                     f"herald-{stage}-consume_sms_queue"}


@pytest.mark.parametrize("stage", STAGES)
def test_tables_on_demand_with_ttl_and_the_message_log_index(built, stage):
    tables = _of_type(_resources(built, stage), "AWS::DynamoDB::Table")
    tables.pop("UsersTable")  # holds users for good, no TTL: see the users stream test
    assert set(tables) == {"MessageLogTable", "IdempotencyTable", "RateLimitTable",
                           "SuppressionTable", "OutboxTable", "WebhooksTable",
                           "PreferencesTable", "NotificationTypesTable", "LinksTable"}
    outbox = _resources(built, stage)["OutboxTable"]
    assert outbox["DeletionPolicy"] == "Delete"
    assert outbox["Properties"]["TableName"] == f"herald-{stage}-outbox"
    assert outbox["Properties"]["KeySchema"] == [{"AttributeName": "message_id",
                                                  "KeyType": "HASH"}]
    for props in tables.values():
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_ttl",
                                                    "Enabled": True}
    indexes = {index["IndexName"]: index for index in tables["MessageLogTable"][
        "GlobalSecondaryIndexes"]}
    assert set(indexes) == {"by_ses_message_id", "by_recipient_key", "by_accept_day",
                            "by_attention"}  # feedback's match, and finding mail
    assert indexes["by_recipient_key"]["KeySchema"] == [
        {"AttributeName": "recipient_key", "KeyType": "HASH"},
        {"AttributeName": "created_at", "KeyType": "RANGE"}]
    assert {i["Projection"]["ProjectionType"] for i in indexes.values()} == {"KEYS_ONLY"}
    links = tables["LinksTable"]  # keyed by the token's digest, restorable, encrypted
    assert links["KeySchema"] == [{"AttributeName": "token_digest", "KeyType": "HASH"}]
    assert links["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert links["SSESpecification"] == {"SSEEnabled": True}


@pytest.mark.parametrize("stage", STAGES)
def test_alarms_with_their_thresholds_notify_through_the_forwarder(built, stage):
    alarms_found = _of_type(_resources(built, stage), "AWS::CloudWatch::Alarm")
    summary = {(a["Namespace"], a["MetricName"], a["Threshold"], a["Period"])
               for a in alarms_found.values()}
    assert summary == {
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible", 1, 300),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible", 5, 300),
        ("AWS/SQS", "ApproximateAgeOfOldestMessage", 300, 300),
        ("AWS/Lambda", "Errors", 1, 300), ("AWS/Lambda", "Throttles", 1, 300),
        ("Herald", "Failed", 1, 300),
        ("Herald", "TimeToInbox", 60000, 300),
        ("AWS/SES", "Reputation.BounceRate", 0.05, 300),
        ("AWS/SES", "Reputation.ComplaintRate", 0.001, 300),
        ("AWS/Lambda", "IteratorAge", 300_000, 300)}
    inbox = alarms_found["AuthTimeToInboxAlarm"]
    assert inbox["ExtendedStatistic"] == "p95" and "Statistic" not in inbox
    assert {"Name": "Category", "Value": "auth"} in inbox["Dimensions"]
    functions = {f"herald-{stage}-consume_send_queue", f"herald-{stage}",
                 f"herald-{stage}-handle_ses_feedback", f"herald-{stage}-reconcile",
                 f"herald-{stage}-cognito_email_sender",
                 f"herald-{stage}-send_welcome_mail",
                 f"herald-{stage}-fan_out_webhook_events", f"herald-{stage}-send_webhooks",
                 f"herald-{stage}-consume_sms_queue"}
    for metric in ("Errors", "Throttles"):
        watched = {a["Dimensions"][0]["Value"] for a in alarms_found.values()
                   if a["MetricName"] == metric and a["AlarmActions"] == [{"Ref": "AlarmTopic"}]}
        assert watched == functions, metric
    for name, alarm in alarms_found.items():
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        # everything goes through forward_alarm (15-minute throttle) but the
        # forwarder's own failures, which must not depend on it
        topic = "AdminTopic" if name == "ForwarderErrorsAlarm" else "AlarmTopic"
        assert alarm["AlarmActions"] == alarm["OKActions"] == [{"Ref": topic}], name
    assert alarms_found["ForwarderErrorsAlarm"]["Dimensions"] == [
        {"Name": "FunctionName", "Value": f"herald-{stage}-forward_alarm"}]
    # matches the EMF chalicelib/platform/metrics.py writes: namespace Herald, dimension Stage
    assert alarms_found["FailedMailAlarm"]["Dimensions"] == [{"Name": "Stage", "Value": stage}]
    assert alarms_found["FeedbackDeadLetterAlarm"]["Dimensions"] == [{
        "Name": "QueueName", "Value": {"Fn::GetAtt": ["FeedbackDeadLetterQueue", "QueueName"]}}]
    dlq = {"Name": "QueueName", "Value": {"Fn::GetAtt": ["DeadLetterQueue", "QueueName"]}}
    assert alarms_found["DeadLetterAlarm"]["Dimensions"] == [dlq]
    assert set(alarms.FUNCTIONS) | {alarms.FORWARDER} == set(iam.POLICIES)


@pytest.mark.parametrize("stage", STAGES)
def test_api_access_logs_in_json_and_admin_ui_access_logs(built, stage):
    resources = _resources(built, stage)
    api = resources["RestAPI"]
    assert api["Properties"]["AccessLogSetting"] == {
        "DestinationArn": {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]},
        "Format": API_ACCESS_LOG_FORMAT}
    assert json.loads(API_ACCESS_LOG_FORMAT)["requestId"] == "$context.requestId"
    assert api["DependsOn"] == ["ApiGatewayAccount"]
    group = resources["ApiAccessLogGroup"]["Properties"]
    assert group == {"LogGroupName": f"/aws/apigateway/herald-{stage}-access",
                     "RetentionInDays": 30}
    for bucket in ("AdminUiBucket", "TemplateBucket"):
        logging = resources[bucket]["Properties"]["LoggingConfiguration"]
        assert logging["DestinationBucketName"] == {"Ref": "AccessLogBucket"}, bucket
    config = resources["AdminUiDistribution"]["Properties"]["DistributionConfig"]
    assert config["Logging"]["Bucket"] == {"Fn::GetAtt": ["AccessLogBucket",
                                                          "RegionalDomainName"]}
    rules = resources["AccessLogBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    assert [rule["ExpirationInDays"] for rule in rules] == [30]


def test_checkov_finds_nothing_unreviewed(built):
    """Every finding of checkov on both stages' templates is in the reviewed
    skip list with its reason, and every skip is still needed."""
    if not CHECKOV.exists():
        pytest.fail(f"checkov is not installed: run `make {CHECKOV.relative_to(PROJECT)}`")
    skips = {check: entry for check, entry in json.loads(CHECKOV_SKIPS.read_text()).items()
             if not check.startswith("_")}
    assert all(entry["reason"].strip() for entry in skips.values())
    files = [str(p) for _, standalone, sam in built.values() for p in (sam, standalone)]
    started = time.monotonic()
    result = subprocess.run(
        [str(CHECKOV), "--framework", "cloudformation", "--skip-download", "--quiet",
         "--compact", "--output", "json", *[arg for f in files for arg in ("-f", f)]],
        capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(Path(files[0]).parent)})  # its cache
    print(f"checkov {len(files)} templates: {time.monotonic() - started:.1f} s")
    reports = json.loads(result.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    assert all(report["summary"]["parsing_errors"] == 0 for report in reports)
    failed = [(f["check_id"], f["resource"].split(".", 1)[1], f["file_path"])
              for report in reports for f in report["results"]["failed_checks"]]
    unreviewed = [f for f in failed if f[0] not in skips or not (
        "*" in skips[f[0]]["resources"] or f[1] in skips[f[0]]["resources"])]
    assert unreviewed == [], "fix these or add them to infra/checkov-skips.json with a reason"
    used = {(check, resource) for check, resource, _ in failed}
    stale = [(check, resource) for check, entry in skips.items()
             for resource in entry["resources"]
             if not any(c == check and (resource == "*" or r == resource) for c, r in used)]
    assert stale == [], "skips no finding needs: remove them from infra/checkov-skips.json"


@pytest.mark.parametrize("stage", STAGES)
def test_ses_events_including_send_reach_the_feedback_topic(built, stage):
    resources = _resources(built, stage)
    destination = resources["SesEventDestination"]["Properties"]["EventDestination"]
    assert set(destination["MatchingEventTypes"]) == {
        "send", "bounce", "complaint", "delivery", "reject", "deliveryDelay", "renderingFailure"}
    assert destination["SnsDestination"] == {"TopicARN": {"Ref": "SesEventsTopic"}}
    identity = resources["SesIdentity"]["Properties"]
    assert identity["ConfigurationSetAttributes"] == {
        "ConfigurationSetName": {"Ref": "SesConfigurationSet"}}
    assert identity["DkimAttributes"] == {"SigningEnabled": True}


@pytest.mark.parametrize("stage", STAGES)
def test_api_is_throttled_and_authorized(built, stage):
    api = _resources(built, stage)["RestAPI"]["Properties"]
    burst = load_stage(stage).infra["api_throttle_burst"]
    assert api["MethodSettings"] == [{"ResourcePath": "/*", "HttpMethod": "*",
                                      "ThrottlingRateLimit": 1000, "ThrottlingBurstLimit": burst}]
    swagger = api["DefinitionBody"]
    pool = swagger["securityDefinitions"]["HeraldStaff"]
    assert pool["x-amazon-apigateway-authtype"] == "cognito_user_pools"
    assert pool["x-amazon-apigateway-authorizer"]["providerARNs"] == [
        {"Fn::GetAtt": ["UserPool", "Arn"]}]
    assert swagger["securityDefinitions"]["sigv4"]["x-amazon-apigateway-authtype"] == "awsSigv4"
    paths = swagger["paths"]
    assert paths["/emails"]["post"]["security"] == [{"sigv4": []}]
    assert paths["/templates/{name}"]["put"]["security"] == [{"HeraldStaff": []}]
    assert "security" not in paths["/health"]["get"]


@pytest.mark.parametrize("stage", STAGES)
def test_cors_preflight_only_for_admin_routes_and_the_cloudfront_origin(built, stage):
    paths = _resources(built, stage)["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    for path, methods in paths.items():
        if (path == "/health" or path.startswith(SERVICE_PATHS) or path == "/hooks/{source}"
                or path in ("/u/{token}", "/preferences/{token}", "/l/{token}")):  # no CORS
            assert "options" not in methods, path
            continue
        params = methods["options"]["x-amazon-apigateway-integration"]["responses"]["default"][
            "responseParameters"]
        assert params["method.response.header.Access-Control-Allow-Origin"] == QUOTED_ORIGIN, path


@pytest.mark.parametrize("stage", STAGES)
def test_gateway_errors_carry_cors_for_the_cloudfront_origin(built, stage):
    swagger = _resources(built, stage)["RestAPI"]["Properties"]["DefinitionBody"]
    headers = {"gatewayresponse.header.Access-Control-Allow-Origin": QUOTED_ORIGIN,
               "gatewayresponse.header.Access-Control-Allow-Headers":
                   "'Authorization,Content-Type,Idempotency-Key'"}
    assert swagger["x-amazon-apigateway-gateway-responses"] == {
        "DEFAULT_4XX": {"responseParameters": headers},
        "DEFAULT_5XX": {"responseParameters": headers}}


@pytest.mark.parametrize("stage", STAGES)
def test_admin_ui_behind_cloudfront_with_origin_access_control(built, stage):
    resources = _resources(built, stage)
    config = resources["AdminUiDistribution"]["Properties"]["DistributionConfig"]
    [origin] = config["Origins"]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["AdminUiOriginAccess", "Id"]}
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    statements = resources["AdminUiBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    [reader] = [s for s in statements if s["Effect"] == "Allow"]
    assert reader["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert "distribution/${AdminUiDistribution}" in json.dumps(reader["Condition"])


@pytest.mark.parametrize("stage", STAGES)
def test_staff_pool_has_the_two_groups_and_no_self_sign_up(built, stage):
    resources = _resources(built, stage)
    groups = _of_type(resources, "AWS::Cognito::UserPoolGroup")
    assert {g["GroupName"] for g in groups.values()} == {"editors", "operators"}
    assert resources["UserPool"]["Properties"]["AdminCreateUserConfig"] == {
        "AllowAdminCreateUserOnly": True}


@pytest.mark.parametrize("stage", STAGES)
def test_admin_ui_signs_in_with_the_implicit_grant_and_comes_back_to_its_page(built, stage):
    client = _resources(built, stage)["UserPoolClient"]["Properties"]
    assert client["AllowedOAuthFlows"] == ["implicit"]
    assert client["AllowedOAuthScopes"] == ["openid", "email"]
    page = {"Fn::Sub": "https://${AdminUiDistribution.DomainName}/"}
    assert client["CallbackURLs"] == [page] and client["LogoutURLs"] == [page]


@pytest.mark.parametrize("stage", STAGES)
def test_each_function_has_its_declared_policy_and_shared_name(built, stage):
    resources = _resources(built, stage)
    stage_config = load_stage(stage)
    for function in iam.POLICIES:
        role = resources[names.role_logical_id(function)]["Properties"]
        assert role["RoleName"] == f"herald-{stage}-{function}"
        [policy] = role["Policies"]
        assert policy["PolicyDocument"] == iam.cfn_policy(stage_config, function)
        actions = [a for s in policy["PolicyDocument"]["Statement"] for a in s["Action"]]
        assert all("*" not in action for action in actions), function
        props = resources[names.function_logical_id(function)]["Properties"]
        assert props["FunctionName"] == names.function_name(f"herald-{stage}", function)
        assert props["Role"] == {"Fn::GetAtt": [names.role_logical_id(function), "Arn"]}




@pytest.mark.parametrize("stage", STAGES)
def test_users_table_streams_new_items_to_the_welcome_handler_with_failure_limits(built, stage):
    resources = _resources(built, stage)
    table = resources["UsersTable"]
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
    assert table["Properties"]["TableName"] == f"herald-{stage}-users"
    assert table["Properties"]["KeySchema"] == [{"AttributeName": "user_id", "KeyType": "HASH"}]
    assert table["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    welcome = resources["SendWelcomeMail"]["Properties"]
    [event] = welcome["Events"].values()
    assert event["Type"] == "DynamoDB"
    assert event["Properties"] == {
        "Stream": {"Fn::GetAtt": ["UsersTable", "StreamArn"]}, "BatchSize": 25,
        "StartingPosition": "LATEST", "MaximumBatchingWindowInSeconds": 0,
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "BisectBatchOnFunctionError": True, "MaximumRetryAttempts": 5,
        "MaximumRecordAgeInSeconds": 21600,
        "DestinationConfig": {"OnFailure": {"Type": "SQS", "Destination": {
            "Fn::GetAtt": ["UsersStreamFailureQueue", "Arn"]}}}}
    assert welcome["Environment"]["Variables"]["HERALD_REPORT_BATCH_ITEM_FAILURES"] == "true"
    failures = resources["UsersStreamFailureQueue"]["Properties"]
    assert failures["SqsManagedSseEnabled"] is True
    assert resources["UsersStreamFailuresAlarm"]["Properties"]["Dimensions"] == [{
        "Name": "QueueName", "Value": {"Fn::GetAtt": ["UsersStreamFailureQueue", "QueueName"]}}]


@pytest.mark.parametrize("stage", STAGES)
def test_webhooks_fan_out_from_the_message_log_stream_to_a_queue_with_its_own_dlq(built, stage):
    resources = _resources(built, stage)
    table = resources["MessageLogTable"]["Properties"]
    assert table["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    fan_out = resources["FanOutWebhookEvents"]["Properties"]
    [stream] = fan_out["Events"].values()
    assert stream["Type"] == "DynamoDB"
    assert stream["Properties"]["Stream"] == {"Fn::Sub": "${MessageLogTable.StreamArn}"}
    assert stream["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert stream["Properties"]["MaximumRetryAttempts"] == 10
    assert fan_out["Environment"]["Variables"]["HERALD_REPORT_BATCH_ITEM_FAILURES"] == "true"
    sender = resources["SendWebhooks"]["Properties"]
    [queue_event] = sender["Events"].values()
    assert queue_event["Properties"]["Queue"] == {"Fn::Sub": "${WebhooksQueue.Arn}"}
    assert queue_event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    queue = resources["WebhooksQueue"]["Properties"]
    assert queue["RedrivePolicy"] == {"deadLetterTargetArn": {
        "Fn::GetAtt": ["WebhooksDeadLetterQueue", "Arn"]}, "maxReceiveCount": 8}
    alarm = resources["WebhooksDeadLetterAlarm"]["Properties"]
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": {
        "Fn::GetAtt": ["WebhooksDeadLetterQueue", "QueueName"]}}]
    assert resources["WebhooksTable"]["Properties"]["KeySchema"] == [
        {"AttributeName": "name", "KeyType": "HASH"}]
