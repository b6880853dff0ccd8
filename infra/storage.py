"""Template bucket, send queue with its dead-letter queue, and the DynamoDB
tables (keys as the local stack creates them in local_stack/resources.py)."""
from __future__ import annotations

from typing import Any

from infra import iam, names
from infra.stage import StageConfig
from local_stack.resources import TABLES

# table setting -> (logical id, name suffix); data worth keeping survives a stack delete
TABLE_RESOURCES = {
    "message_log_table": ("MessageLogTable", "message-log"),
    "idempotency_table": ("IdempotencyTable", "idempotency"),
    "rate_limit_table": ("RateLimitTable", "rate-limits"),
    "suppression_table": ("SuppressionTable", "suppressions"),
}
_KEPT_TABLES = {"message_log_table", "suppression_table"}
TTL_ATTRIBUTE = "expires_ttl"
BLOCK_PUBLIC = {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
SSE_S3 = {"ServerSideEncryptionConfiguration": [
    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}


def tags(stage: StageConfig) -> list[dict[str, str]]:
    return [{"Key": "Application", "Value": stage.app_name},
            {"Key": "Environment", "Value": stage.stage}]


def private_bucket(stage: StageConfig, suffix: str, **properties: Any) -> dict[str, Any]:
    """An S3 bucket nobody outside the account can reach; name unique per account."""
    return {"Type": "AWS::S3::Bucket", "Properties": {
        "BucketName": {"Fn::Sub": f"{stage.prefix}-{suffix}-${{AWS::AccountId}}"},
        "BucketEncryption": SSE_S3, "PublicAccessBlockConfiguration": BLOCK_PUBLIC,
        "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
        "Tags": tags(stage), **properties}}


def deny_insecure_transport(bucket_logical_id: str) -> dict[str, Any]:
    arn = {"Fn::GetAtt": [bucket_logical_id, "Arn"]}
    return {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [arn, {"Fn::Sub": f"${{{bucket_logical_id}.Arn}}/*"}],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def _template_bucket(stage: StageConfig) -> dict[str, Any]:
    bucket = private_bucket(stage, "templates", VersioningConfiguration={"Status": "Enabled"})
    return {**bucket, "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}


def _template_bucket_policy(stage: StageConfig) -> dict[str, Any]:
    """Objects are read and written only by Herald's functions and the
    stage's listed template admins (who push the starter set)."""
    roles = [{"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/"
                         + names.role_name(stage.prefix, function)}
             for function in iam.functions_granted("s3:")]
    allowed = roles + list(stage.infra.get("template_admin_arns", []))
    only_herald = {
        "Sid": "OnlyHeraldRoles", "Effect": "Deny", "Principal": "*",
        "Action": ["s3:GetObject*", "s3:PutObject*", "s3:DeleteObject*"],
        "Resource": {"Fn::Sub": "${TemplateBucket.Arn}/*"},
        "Condition": {"ArnNotLike": {"aws:PrincipalArn": allowed}}}
    return {"Type": "AWS::S3::BucketPolicy", "Properties": {
        "Bucket": {"Ref": "TemplateBucket"},
        "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            deny_insecure_transport("TemplateBucket"), only_herald]}}}


def _queues(stage: StageConfig) -> dict[str, Any]:
    send_name = f"{stage.prefix}-send"
    return {
        "DeadLetterQueue": {"Type": "AWS::SQS::Queue", "Properties": {
            "QueueName": f"{stage.prefix}-dlq", "SqsManagedSseEnabled": True,
            "MessageRetentionPeriod": int(stage.infra["dlq_retention_s"]),
            # only the send queue may use it as its dead-letter queue
            "RedriveAllowPolicy": {"redrivePermission": "byQueue", "sourceQueueArns": [
                {"Fn::Sub": f"arn:${{AWS::Partition}}:sqs:${{AWS::Region}}:${{AWS::AccountId}}:"
                            f"{send_name}"}]},
            "Tags": tags(stage)}},
        "SendQueue": {"Type": "AWS::SQS::Queue", "Properties": {
            "QueueName": send_name, "SqsManagedSseEnabled": True,
            "VisibilityTimeout": stage.visibility_timeout_s,
            "MaximumMessageSize": int(stage.env["HERALD_MAX_REQUEST_BYTES"]),
            "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]},
                              "maxReceiveCount": int(stage.infra["max_receive_count"])},
            "Tags": tags(stage)}},
    }


def _table(stage: StageConfig, setting: str) -> dict[str, Any]:
    key, indexes = TABLES[setting]
    logical_id, suffix = TABLE_RESOURCES[setting]
    properties: dict[str, Any] = {
        "TableName": f"{stage.prefix}-{suffix}", "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": name, "AttributeType": "S"}
                                 for name in [key, *indexes]],
        "TimeToLiveSpecification": {"AttributeName": TTL_ATTRIBUTE, "Enabled": True},
        "SSESpecification": {"SSEEnabled": True},
        "Tags": tags(stage)}
    if indexes:
        properties["GlobalSecondaryIndexes"] = [{
            "IndexName": f"by_{name}", "Projection": {"ProjectionType": "KEYS_ONLY"},
            "KeySchema": [{"AttributeName": name, "KeyType": "HASH"}]} for name in indexes]
    policy = "Retain" if setting in _KEPT_TABLES else "Delete"
    if setting in _KEPT_TABLES:
        properties["PointInTimeRecoverySpecification"] = {"PointInTimeRecoveryEnabled": True}
    return {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": policy,
            "UpdateReplacePolicy": policy, "Properties": properties}


def resources(stage: StageConfig) -> dict[str, Any]:
    tables = {TABLE_RESOURCES[setting][0]: _table(stage, setting) for setting in TABLES}
    return {"TemplateBucket": _template_bucket(stage),
            "TemplateBucketPolicy": _template_bucket_policy(stage),
            **_queues(stage), **tables}
