"""Access logs (issue 12, item 8): API Gateway's JSON access log in CloudWatch
Logs, and one S3 bucket receiving the S3 server access logs of Herald's
buckets and the admin UI distribution's CloudFront logs. Everything expires
after the stage's `log_retention_in_days` (30)."""
from __future__ import annotations

import json
from typing import Any

from infra.stage import StageConfig
from infra.storage import deny_insecure_transport, private_bucket

API_ACCESS_LOG_GROUP = "/aws/apigateway/{prefix}-access"
# One JSON object per request; no headers, bodies or query strings (no secrets).
API_ACCESS_LOG_FORMAT = json.dumps({
    "requestId": "$context.requestId", "extendedRequestId": "$context.extendedRequestId",
    "requestTime": "$context.requestTime", "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath", "status": "$context.status",
    "responseLength": "$context.responseLength",
    "latencyMs": "$context.responseLatency",
    "integrationLatencyMs": "$context.integration.latency",
    "sourceIp": "$context.identity.sourceIp", "caller": "$context.identity.caller",
    "user": "$context.authorizer.claims.sub", "errorMessage": "$context.error.message",
}, separators=(",", ":"))
CLOUDFRONT_LOG_PREFIX = "cloudfront/admin-ui/"


def _log_bucket(stage: StageConfig) -> dict[str, Any]:
    # CloudFront's standard logs are written through bucket ACLs, so ACLs stay
    # enabled here (owner preferred); every other bucket enforces the owner.
    return private_bucket(
        stage, "access-logs",
        OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]},
        LifecycleConfiguration={"Rules": [{
            "Id": "expire-logs", "Status": "Enabled",
            "ExpirationInDays": stage.log_retention_days}]})


def _log_bucket_policy() -> dict[str, Any]:
    s3_logging = {
        "Sid": "S3ServerAccessLogs", "Effect": "Allow",
        "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
        "Resource": {"Fn::Sub": "${AccessLogBucket.Arn}/s3/*"},
        "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}}
    return {"Type": "AWS::S3::BucketPolicy", "Properties": {
        "Bucket": {"Ref": "AccessLogBucket"},
        "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            deny_insecure_transport("AccessLogBucket"), s3_logging]}}}


def _api_gateway_account() -> dict[str, Any]:
    """API Gateway writes logs with one role per account and region (an
    account setting): kept when the stack goes, since other APIs may rely on it."""
    role = {"Type": "AWS::IAM::Role", "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain", "Properties": {
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
                    "Action": "sts:AssumeRole"}]},
                "ManagedPolicyArns": [{"Fn::Sub": (
                    "arn:${AWS::Partition}:iam::aws:policy/service-role/"
                    "AmazonAPIGatewayPushToCloudWatchLogs")}]}}
    return {"ApiGatewayLogsRole": role,
            "ApiGatewayAccount": {"Type": "AWS::ApiGateway::Account",
                                  "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
                                  "Properties": {"CloudWatchRoleArn": {
                                      "Fn::GetAtt": ["ApiGatewayLogsRole", "Arn"]}}}}


def resources(stage: StageConfig) -> dict[str, Any]:
    found = {
        "AccessLogBucket": _log_bucket(stage),
        "AccessLogBucketPolicy": _log_bucket_policy(),
        "ApiAccessLogGroup": {"Type": "AWS::Logs::LogGroup", "Properties": {
            "LogGroupName": API_ACCESS_LOG_GROUP.format(prefix=stage.prefix),
            "RetentionInDays": stage.log_retention_days}},
    }
    if stage.infra.get("manage_api_gateway_account"):
        found.update(_api_gateway_account())
    return found
