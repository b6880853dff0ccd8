"""Template bucket, the send and SES-feedback queues with their dead-letter
queues, and the DynamoDB tables (keys, indexes and TTL from chalicelib/records/tables.py,
as the local stack creates them)."""
from __future__ import annotations

from typing import Any

from chalicelib.records.tables import (
    SORT_KEYS,
    STREAMS,
    TABLES,
    TTL_ATTRIBUTE,
    key_attributes,
    secondary_indexes,
)
from infra import iam, names
from infra.stage import StageConfig

# table setting -> (logical id, name suffix); data worth keeping survives a stack delete
TABLE_RESOURCES = {
    "message_log_table": ("MessageLogTable", "message-log"),
    "idempotency_table": ("IdempotencyTable", "idempotency"),
    "rate_limit_table": ("RateLimitTable", "rate-limits"),
    "suppression_table": ("SuppressionTable", "suppressions"),
    "outbox_table": ("OutboxTable", "outbox"),
    "webhooks_table": ("WebhooksTable", "webhooks"),
    "preferences_table": ("PreferencesTable", "preferences"),
    "notification_types_table": ("NotificationTypesTable", "notification-types"),
    "links_table": ("LinksTable", "links"),
}
_KEPT_TABLES = {"message_log_table", "suppression_table", "webhooks_table",
                "preferences_table", "notification_types_table"}
# point-in-time recovery besides the kept tables: a lost links table breaks every link
# in mail already sent (they live for hours), so it can be restored
_RECOVERABLE_TABLES = _KEPT_TABLES | {"links_table"}
BLOCK_PUBLIC = {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
SSE_S3 = {"ServerSideEncryptionConfiguration": [
    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}


def tags(stage: StageConfig) -> list[dict[str, str]]:
    return [{"Key": "Application", "Value": stage.app_name},
            {"Key": "Environment", "Value": stage.stage}]


def bucket_logging(bucket: str) -> dict[str, Any]:
    """A bucket's `LoggingConfiguration`: S3 server access logs to the
    access-log bucket (infra/logging.py)."""
    return {"DestinationBucketName": {"Ref": "AccessLogBucket"},
            "LogFilePrefix": f"s3/{bucket}/"}


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
    bucket = private_bucket(stage, "templates", VersioningConfiguration={"Status": "Enabled"},
                            LoggingConfiguration=bucket_logging("templates"))
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


def queue_arn(name: str) -> dict[str, str]:
    """A queue's ARN by name (for policies written before the queue exists)."""
    return {"Fn::Sub": f"arn:${{AWS::Partition}}:sqs:${{AWS::Region}}:${{AWS::AccountId}}:{name}"}


def _queue_pair(stage: StageConfig, name: str, dlq_id: str, dlq_name: str, visibility_s: int,
                max_receive_count: int, dlq_retention_s: int,
                **queue_properties: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A queue and its dead-letter queue (logical id `dlq_id`), which only that queue may use."""
    dlq = {"Type": "AWS::SQS::Queue", "Properties": {
        "QueueName": dlq_name, "SqsManagedSseEnabled": True,
        "MessageRetentionPeriod": dlq_retention_s,
        "RedriveAllowPolicy": {"redrivePermission": "byQueue",
                               "sourceQueueArns": [queue_arn(name)]},
        "Tags": tags(stage)}}
    queue = {"Type": "AWS::SQS::Queue", "Properties": {
        "QueueName": name, "SqsManagedSseEnabled": True, "VisibilityTimeout": visibility_s,
        "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
                          "maxReceiveCount": max_receive_count},
        **queue_properties, "Tags": tags(stage)}}
    return queue, dlq


def visibility_timeout_s(stage: StageConfig) -> int:
    """The queues' visibility timeout: HERALD_VISIBILITY_TIMEOUT_S, which AWS
    advises be at least 6x the function timeout (a message must not come back
    while the invocation holding it, or its retry by Lambda, still runs)."""
    visibility = stage.visibility_timeout_s
    if visibility < 6 * stage.lambda_timeout:
        raise ValueError(f"HERALD_VISIBILITY_TIMEOUT_S is {visibility} s: it must be at least "
                         f"6 x lambda_timeout ({6 * stage.lambda_timeout} s)")
    return visibility


def _queues(stage: StageConfig) -> dict[str, Any]:
    infra, visibility = stage.infra, visibility_timeout_s(stage)
    send, dlq = _queue_pair(
        stage, f"{stage.prefix}-send", "DeadLetterQueue", f"{stage.prefix}-dlq", visibility,
        int(infra["max_receive_count"]), int(infra["dlq_retention_s"]),
        MaximumMessageSize=int(stage.env["HERALD_MAX_REQUEST_BYTES"]))
    feedback, feedback_dlq = _queue_pair(
        stage, feedback_queue_name(stage), "FeedbackDeadLetterQueue",
        f"{feedback_queue_name(stage)}-dlq", visibility,
        int(infra["feedback_max_receive_count"]), int(infra["feedback_dlq_retention_s"]))
    webhooks, webhooks_dlq = _queue_pair(
        stage, webhooks_queue_name(stage), "WebhooksDeadLetterQueue",
        f"{webhooks_queue_name(stage)}-dlq", visibility,
        int(stage.env["HERALD_WEBHOOK_MAX_ATTEMPTS"]), int(infra["feedback_dlq_retention_s"]))
    return {"DeadLetterQueue": dlq, "SendQueue": send,
            "FeedbackDeadLetterQueue": feedback_dlq, "FeedbackQueue": feedback,
            "WebhooksDeadLetterQueue": webhooks_dlq, "WebhooksQueue": webhooks,
            **_sms_queues(stage, visibility)}


def _sms_queues(stage: StageConfig, visibility: int) -> dict[str, Any]:
    """The SMS queue and its DLQ. Seed 001: fewer retries than mail (a code that
    arrives late is useless) and a DLQ keeping failures 24 hours."""
    infra = stage.infra
    sms, sms_dlq = _queue_pair(
        stage, sms_queue_name(stage), "SmsDeadLetterQueue", f"{sms_queue_name(stage)}-dlq",
        visibility, int(infra["sms_max_receive_count"]), int(infra["sms_dlq_retention_s"]))
    return {"SmsDeadLetterQueue": sms_dlq, "SmsQueue": sms}


def sms_queue_name(stage: StageConfig) -> str:
    """SMS wait here for the SMS consumer (chalicelib/delivery/channels/sms.py)."""
    return f"{stage.prefix}-sms"


def feedback_queue_name(stage: StageConfig) -> str:
    """SES events reach the feedback handler through this queue (SNS -> SQS -> Lambda)."""
    return f"{stage.prefix}-ses-events"


def webhooks_queue_name(stage: StageConfig) -> str:
    """Webhook deliveries wait here for the sender (one per event and endpoint)."""
    return f"{stage.prefix}-webhooks"


def _table(stage: StageConfig, setting: str) -> dict[str, Any]:
    key, indexes = TABLES[setting]
    sort = [SORT_KEYS[setting]] if setting in SORT_KEYS else []
    logical_id, suffix = TABLE_RESOURCES[setting]
    properties: dict[str, Any] = {
        "TableName": f"{stage.prefix}-{suffix}", "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": key, "KeyType": "HASH"},
                      *[{"AttributeName": name, "KeyType": "RANGE"} for name in sort]],
        "AttributeDefinitions": [{"AttributeName": name, "AttributeType": "S"}
                                 for name in key_attributes(setting)],
        "TimeToLiveSpecification": {"AttributeName": TTL_ATTRIBUTE, "Enabled": True},
        "SSESpecification": {"SSEEnabled": True},
        "Tags": tags(stage)}
    if indexes:
        properties["GlobalSecondaryIndexes"] = secondary_indexes(setting)
    if setting in STREAMS:
        properties["StreamSpecification"] = {"StreamViewType": STREAMS[setting]}
    policy = "Retain" if setting in _KEPT_TABLES else "Delete"
    if setting in _RECOVERABLE_TABLES:
        properties["PointInTimeRecoverySpecification"] = {"PointInTimeRecoveryEnabled": True}
    return {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": policy,
            "UpdateReplacePolicy": policy, "Properties": properties}


def resources(stage: StageConfig) -> dict[str, Any]:
    tables = {TABLE_RESOURCES[setting][0]: _table(stage, setting) for setting in TABLES}
    return {"TemplateBucket": _template_bucket(stage),
            "TemplateBucketPolicy": _template_bucket_policy(stage),
            **_queues(stage), **tables}
