"""The merge template for `chalice package --merge-template`: the resources
template plus the wiring Chalice cannot express.

Chalice 1.34 deep-merges dicts and replaces everything else, so each
override below names exactly the leaf it changes: env vars pointing at the
template's resources, the event sources pointing at its queue and topic
(`Fn::Sub`, never `Fn::GetAtt`, see FACTS.md), ReportBatchItemFailures on
the SQS mappings, the policies from infra/iam.py, the names both deploy
paths share, API throttling and access logging, the Cognito pool and the
admin UI's CORS origin.
"""
from __future__ import annotations

from typing import Any

from chalice import Chalice
from chalice.app import (
    DynamoDBEventConfig,
    ScheduledEventConfig,
    SNSEventConfig,
    SQSEventConfig,
)

from chalicelib.api.auth import STAFF_AUTHORIZER_NAME, STAFF_HEADERS
from infra import cognito, iam, names, users
from infra.logging import API_ACCESS_LOG_FORMAT
from infra.outputs import ADMIN_UI_ORIGIN, STAGE_ENV
from infra.stage import StageConfig
from infra.storage import feedback_queue_name, webhooks_queue_name
from infra.template import resources_template

REPORT_FAILURES_ENV = "HERALD_REPORT_BATCH_ITEM_FAILURES"
_ALLOW_ORIGIN = "method.response.header.Access-Control-Allow-Origin"
# API Gateway header mappings take a static value in single quotes.
_QUOTED_ORIGIN = {"Fn::Sub": "'" + ADMIN_UI_ORIGIN["Fn::Sub"] + "'"}


def gateway_responses(quoted_origin: Any) -> dict[str, dict[str, Any]]:
    """CORS headers on the errors API Gateway returns itself (the authorizer's
    401/403, 413, 429, 5XX), so the admin UI can read them; by response type,
    in the shape of both `x-amazon-apigateway-gateway-responses` and
    `put_gateway_response`. `quoted_origin` is the origin in single quotes."""
    headers = {"Access-Control-Allow-Origin": quoted_origin,
               "Access-Control-Allow-Headers": "'" + ",".join(STAFF_HEADERS) + "'"}
    parameters = {f"gatewayresponse.header.{name}": value for name, value in headers.items()}
    return {kind: {"responseParameters": parameters} for kind in ("DEFAULT_4XX", "DEFAULT_5XX")}


def lambda_functions(app: Chalice) -> list[str]:
    """The app's Lambda functions by Chalice resource name."""
    found = [names.API_HANDLER] if app.routes else []
    return (found + [source.name for source in app.event_sources]
            + [function.name for function in app.pure_lambda_functions])


def _event_overrides(stage: StageConfig, app: Chalice) -> dict[str, dict[str, Any]]:
    """Per function: its Events override and extra env vars. Each queue or
    topic an event source names must be one the template creates."""
    queues = {f"{stage.prefix}-send": "SendQueue", feedback_queue_name(stage): "FeedbackQueue",
              webhooks_queue_name(stage): "WebhooksQueue"}
    topics = {f"{stage.prefix}-alarms": "AlarmTopic"}
    # stream ARN the app names (its env var) -> the table whose stream it is
    streams = {stage.env.get("HERALD_MESSAGE_LOG_STREAM_ARN"): "MessageLogTable"}
    overrides: dict[str, dict[str, Any]] = {}
    for source in app.event_sources:
        event_id = names.function_logical_id(source.name)
        if isinstance(source, SQSEventConfig) and source.queue in queues:
            properties = {"Queue": {"Fn::Sub": f"${{{queues[source.queue]}.Arn}}"},
                          "FunctionResponseTypes": ["ReportBatchItemFailures"]}
            overrides[source.name] = {
                "Events": {f"{event_id}SqsEventSource": {"Properties": properties}},
                "Environment": {"Variables": {REPORT_FAILURES_ENV: "true"}}}
        elif isinstance(source, SNSEventConfig) and source.topic in topics:
            overrides[source.name] = {"Events": {f"{event_id}SnsSubscription": {
                "Properties": {"Topic": {"Fn::Sub": f"${{{topics[source.topic]}}}"}}}}}
        elif isinstance(source, DynamoDBEventConfig) and source.name == users.FUNCTION:
            overrides[source.name] = {
                "Events": {f"{event_id}DynamodbEventSource": {
                    "Properties": users.mapping_properties(stage)}},
                "Environment": {"Variables": {REPORT_FAILURES_ENV: "true"}}}
        elif isinstance(source, DynamoDBEventConfig) and source.stream_arn in streams:
            overrides[source.name] = {
                "Events": {f"{event_id}DynamodbEventSource": {
                    "Properties": _stream_properties(streams[source.stream_arn])}},
                "Environment": {"Variables": {REPORT_FAILURES_ENV: "true"}}}
        elif not isinstance(source, ScheduledEventConfig):
            raise ValueError(f"no infrastructure for event source {source.name!r}")
    return overrides


def _stream_properties(table: str) -> dict[str, Any]:
    """A stream mapping that answers failed records by sequence number and, after a
    few retries (split in halves to find the culprit), gives up on a batch rather
    than holding the shard for the stream's 24 hours."""
    return {"Stream": {"Fn::Sub": f"${{{table}.StreamArn}}"},
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "BisectBatchOnFunctionError": True, "MaximumRetryAttempts": 10,
            "MaximumRecordAgeInSeconds": 6 * 3600}


def _function_resources(stage: StageConfig, app: Chalice) -> dict[str, Any]:
    stack_env = {row.env_var: row.value for row in STAGE_ENV}
    stack_env[users.TABLE_ENV] = users.table_name(stage)  # user profiles (notifications)
    events = _event_overrides(stage, app)
    found: dict[str, Any] = {}
    for function in lambda_functions(app):
        extra = events.get(function, {})
        variables = {**stack_env, **extra.get("Environment", {}).get("Variables", {})}
        properties = {"FunctionName": names.function_name(stage.prefix, function),
                      "Environment": {"Variables": variables}}
        if "Events" in extra:
            properties["Events"] = extra["Events"]
        found[names.function_logical_id(function)] = {"Properties": properties}
        role_id = names.role_logical_id(function)
        found[role_id] = {"Properties": {
            "RoleName": names.role_name(stage.prefix, function),
            "Policies": [{"PolicyName": f"{role_id}Policy",
                          "PolicyDocument": iam.cfn_policy(stage, function)}]}}
    # Chalice 1.34 names the API handler's log group after `${ApiHandler}`,
    # a resource that does not exist (the function is APIHandler).
    found[names.log_group_logical_id(names.API_HANDLER)] = {"Properties": {
        "LogGroupName": {"Fn::Sub": "/aws/lambda/${APIHandler}"}}}
    return found


def _rest_api(stage: StageConfig, app: Chalice) -> dict[str, Any]:
    cors_paths = {path: {"options": {"x-amazon-apigateway-integration": {"responses": {
        "default": {"responseParameters": {_ALLOW_ORIGIN: _QUOTED_ORIGIN}}}}}}
        for path, methods in app.routes.items()
        if any(route.cors for route in methods.values())}
    pool = {"x-amazon-apigateway-authorizer": {
        "providerARNs": [{"Fn::GetAtt": ["UserPool", "Arn"]}]}}
    throttle = {"ResourcePath": "/*", "HttpMethod": "*",
                "ThrottlingRateLimit": stage.infra["api_throttle_rate"],
                "ThrottlingBurstLimit": stage.infra["api_throttle_burst"]}
    # In the API definition, not as AWS::ApiGateway::GatewayResponse resources:
    # SAM's deployment snapshots only the definition, and an update of the
    # definition drops gateway responses it does not hold.
    access_log = {"DestinationArn": {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]},
                  "Format": API_ACCESS_LOG_FORMAT}
    found: dict[str, Any] = {"Properties": {
        "MethodSettings": [throttle], "AccessLogSetting": access_log, "DefinitionBody": {
            "securityDefinitions": {STAFF_AUTHORIZER_NAME: pool}, "paths": cors_paths,
            "x-amazon-apigateway-gateway-responses": gateway_responses(_QUOTED_ORIGIN)}}}
    if stage.infra.get("manage_api_gateway_account"):
        found["DependsOn"] = ["ApiGatewayAccount"]  # the stage's logging needs the account role
    return found


def merge_template(stage: StageConfig, app: Chalice) -> dict[str, Any]:
    """The file to pass to `chalice package --merge-template` for `stage`."""
    template = resources_template(stage)
    template["Resources"].update(_function_resources(stage, app))
    template["Resources"]["RestAPI"] = _rest_api(stage, app)
    if cognito.mail_pool_arn(stage):
        template["Resources"]["CognitoEmailSenderPermission"] = cognito.sender_permission(
            stage, {"Ref": names.function_logical_id(cognito.COGNITO_SENDER)})
    return template
