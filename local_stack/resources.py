"""Creates Herald's AWS resources by API calls (in moto, for the local stack and tests).

moto's CloudFormation drops bucket versioning, table TTL and alarms, so the
resources are created one call at a time, mirroring the deployed template.
"""
from __future__ import annotations

import json
from typing import Any

from chalicelib.settings import Settings

SES_DOMAIN = "example.com"

# table setting name -> (partition key, extra GSIs)
TABLES: dict[str, tuple[str, list[str]]] = {
    "message_log_table": ("message_id", ["ses_message_id"]),
    "idempotency_table": ("idempotency_key", []),
    "rate_limit_table": ("counter_key", []),
    "suppression_table": ("email", []),
    "outbox_table": ("message_id", []),
}


def queue_name(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def create_resources(settings: Settings, session: Any, max_receive_count: int = 3,
                     visibility_timeout_s: int = 30) -> dict[str, str]:
    """Create bucket, queues, tables and SES identity; returns the real queue URLs."""
    s3 = session.client("s3", region_name=settings.region)
    s3.create_bucket(Bucket=settings.template_bucket)
    s3.put_bucket_versioning(Bucket=settings.template_bucket,
                             VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(Bucket=settings.template_bucket, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})

    sqs = session.client("sqs", region_name=settings.region)
    dlq_url = sqs.create_queue(QueueName=queue_name(settings.dlq_url), Attributes={
        "MessageRetentionPeriod": "259200", "SqsManagedSseEnabled": "true"})["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    queue_url = sqs.create_queue(QueueName=queue_name(settings.send_queue_url), Attributes={
        "VisibilityTimeout": str(visibility_timeout_s), "SqsManagedSseEnabled": "true",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn,
                                     "maxReceiveCount": str(max_receive_count)})})["QueueUrl"]

    dynamodb = session.client("dynamodb", region_name=settings.region)
    for setting, (key, indexes) in TABLES.items():
        table = getattr(settings, setting)
        attributes = [{"AttributeName": name, "AttributeType": "S"} for name in [key, *indexes]]
        args: dict[str, Any] = {
            "TableName": table, "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
            "AttributeDefinitions": attributes}
        if indexes:
            args["GlobalSecondaryIndexes"] = [{
                "IndexName": f"by_{name}", "Projection": {"ProjectionType": "KEYS_ONLY"},
                "KeySchema": [{"AttributeName": name, "KeyType": "HASH"}]} for name in indexes]
        dynamodb.create_table(**args)
        dynamodb.update_time_to_live(TableName=table, TimeToLiveSpecification={
            "Enabled": True, "AttributeName": "expires_ttl"})

    ses = session.client("sesv2", region_name=settings.region)
    ses.create_email_identity(EmailIdentity=SES_DOMAIN)
    if settings.ses_configuration_set:
        ses.create_configuration_set(ConfigurationSetName=settings.ses_configuration_set)
    return {"queue_url": queue_url, "dlq_url": dlq_url}
