"""Creates Herald's AWS resources by API calls (in moto, for the local stack and tests).

moto's CloudFormation drops bucket versioning, table TTL and alarms, so the
resources are created one call at a time, mirroring the deployed template.
"""
from __future__ import annotations

import base64
import json
import secrets
from typing import Any

from chalicelib.intake.secrets import parameter_name
from chalicelib.platform.settings import (
    Settings,
    feedback_queue_name,
    feedback_topic_name,
    notifications_topic_name,
    sms_queue_name,
    webhooks_queue_name,
)
from chalicelib.records.tables import (
    SORT_KEYS,
    STREAMED_TABLES,
    STREAMS,
    TABLES,
    TTL_ATTRIBUTE,
    key_attributes,
    secondary_indexes,
)
from chalicelib.unsubscribe.tokens import parameter_name as unsubscribe_key_name

SES_DOMAIN = "example.com"
HOOK_SOURCES = ("supabase", "clerk")  # the built-in webhook sources

def queue_name(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def create_resources(settings: Settings, session: Any, max_receive_count: int = 3,
                     visibility_timeout_s: int = 30) -> dict[str, str]:
    """Create bucket, queues, tables, the SES event topic and its queue, and the SES
    identity; returns the real queue URLs and the topic's ARN."""
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
        sort = [SORT_KEYS[setting]] if setting in SORT_KEYS else []
        attributes = [{"AttributeName": name, "AttributeType": "S"}
                      for name in key_attributes(setting)]
        args: dict[str, Any] = {
            "TableName": table, "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": key, "KeyType": "HASH"},
                          *[{"AttributeName": name, "KeyType": "RANGE"} for name in sort]],
            "AttributeDefinitions": attributes}
        if indexes:
            args["GlobalSecondaryIndexes"] = secondary_indexes(setting)
        if setting in STREAMS:
            args["StreamSpecification"] = {"StreamEnabled": True,
                                           "StreamViewType": STREAMS[setting]}
        dynamodb.create_table(**args)
        dynamodb.update_time_to_live(TableName=table, TimeToLiveSpecification={
            "Enabled": True, "AttributeName": TTL_ATTRIBUTE})

    feedback = _feedback_path(session, settings.region, max_receive_count=5,
                              visibility_timeout_s=visibility_timeout_s)
    streams = _streamed_tables(dynamodb, settings)

    webhooks = _webhooks_queue(session, settings, visibility_timeout_s)
    sms = _sms_queue(session, settings.region, visibility_timeout_s)
    create_unsubscribe_key(settings, session)

    notifications = create_notifications_topic(session, settings)

    ses = session.client("sesv2", region_name=settings.region)
    ses.create_email_identity(EmailIdentity=SES_DOMAIN)
    if settings.ses_configuration_set:
        ses.create_configuration_set(ConfigurationSetName=settings.ses_configuration_set)
    return {"queue_url": queue_url, "dlq_url": dlq_url, **feedback, **streams, **webhooks,
            **notifications, **sms}


def _streamed_tables(dynamodb: Any, settings: Settings) -> dict[str, str]:
    """Tables with a stream (the users table); returns each one's name and stream ARN,
    as `<setting>` and `<setting>_stream_arn`."""
    found = {}
    for setting, (key, view) in STREAMED_TABLES.items():
        table = getattr(settings, setting)
        description = dynamodb.create_table(
            TableName=table, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": view})
        found[setting] = table
        found[f"{setting}_stream_arn"] = description["TableDescription"]["LatestStreamArn"]
    return found


def _queue_with_dlq(sqs: Any, name: str, max_receive_count: int, visibility_timeout_s: int,
                    dlq_retention_s: int = 1_209_600) -> tuple[str, str]:
    """A queue and its DLQ `<name>-dlq` (14 days unless told); returns both URLs."""
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq", Attributes={
        "MessageRetentionPeriod": str(dlq_retention_s),
        "SqsManagedSseEnabled": "true"})["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    queue_url = sqs.create_queue(QueueName=name, Attributes={
        "VisibilityTimeout": str(visibility_timeout_s), "SqsManagedSseEnabled": "true",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn,
                                     "maxReceiveCount": str(max_receive_count)})})["QueueUrl"]
    return queue_url, dlq_url


def channel_queue_names(settings: Settings) -> dict[str, str]:
    """Each channel's queue, which the notifications topic fills through a subscription
    filtering on the `channel` attribute (as infra/messaging.py wires the stack)."""
    return {"email": queue_name(settings.send_queue_url), "sms": f"herald-{settings.stage}-sms"}


def create_notifications_topic(session: Any, settings: Settings) -> dict[str, str]:
    """The notifications topic and a raw-delivery subscription per channel queue that
    exists (create the channels' queues first); returns the topic's ARN."""
    sns = session.client("sns", region_name=settings.region)
    topic_arn = sns.create_topic(Name=notifications_topic_name())["TopicArn"]
    for channel, name in channel_queue_names(settings).items():
        subscribe_channel_queue(session, settings.region, topic_arn, channel, name)
    return {"notifications_topic_arn": topic_arn}


def subscribe_channel_queue(session: Any, region: str, topic_arn: str, channel: str,
                            queue: str) -> bool:
    """Subscribe the queue named `queue` to the messages for `channel` (filter policy,
    raw delivery); False when there is no such queue yet."""
    sqs = session.client("sqs", region_name=region)
    try:
        url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    except sqs.exceptions.QueueDoesNotExist:
        return False
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    session.client("sns", region_name=region).subscribe(
        TopicArn=topic_arn, Protocol="sqs", Endpoint=arn, Attributes={
            "FilterPolicy": json.dumps({"channel": [channel]}), "RawMessageDelivery": "true"})
    return True


def _webhooks_queue(session: Any, settings: Settings, visibility_timeout_s: int
                    ) -> dict[str, str]:
    """The webhook deliveries' queue and its DLQ, and the message log's stream."""
    queue_url, dlq_url = _queue_with_dlq(session.client("sqs", region_name=settings.region),
                                         webhooks_queue_name(), settings.webhook_max_attempts,
                                         visibility_timeout_s)
    stream_arn = session.client("dynamodb", region_name=settings.region).describe_table(
        TableName=settings.message_log_table)["Table"]["LatestStreamArn"]
    return {"webhooks_queue_url": queue_url, "webhooks_dlq_url": dlq_url,
            "message_log_stream_arn": stream_arn}


def _sms_queue(session: Any, region: str, visibility_timeout_s: int) -> dict[str, str]:
    """The SMS queue and its DLQ, as deployed: 2 receives, failures kept 24 h (seed 001)."""
    queue_url, dlq_url = _queue_with_dlq(session.client("sqs", region_name=region),
                                         sms_queue_name(), 2, visibility_timeout_s, 86_400)
    return {"sms_queue_url": queue_url, "sms_dlq_url": dlq_url}


def _feedback_path(session: Any, region: str, max_receive_count: int,
                   visibility_timeout_s: int) -> dict[str, str]:
    """SES events: topic -> queue (with its own DLQ), as the deployed stack wires them."""
    sqs = session.client("sqs", region_name=region)
    queue_url, dlq_url = _queue_with_dlq(sqs, feedback_queue_name(), max_receive_count,
                                         visibility_timeout_s)
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    sns = session.client("sns", region_name=region)
    topic_arn = sns.create_topic(Name=feedback_topic_name())["TopicArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    return {"feedback_queue_url": queue_url, "feedback_dlq_url": dlq_url,
            "feedback_topic_arn": topic_arn}


def create_cognito_keys(session: Any, region: str) -> dict[str, str]:
    """The KMS keys of Cognito's custom email sender, as the deployed stack has them:
    the symmetric key codes are encrypted with, and the HMAC key of idempotency keys.
    Returns them as the env vars Herald's settings read."""
    kms = session.client("kms", region_name=region)
    code_key = kms.create_key(Description="Herald Cognito codes (local)")["KeyMetadata"]["Arn"]
    mac_key = kms.create_key(Description="Herald Cognito idempotency MACs (local)",
                             KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
    return {"HERALD_COGNITO_KEY_ARN": code_key,
            "HERALD_COGNITO_MAC_KEY_ID": mac_key["KeyMetadata"]["Arn"]}


def create_hook_secrets(settings: Settings, session: Any) -> dict[str, str]:
    """A fresh signing secret per built-in webhook source, stored where the API reads
    it (SecureString parameters, as an operator puts them in AWS); returns them."""
    ssm = session.client("ssm", region_name=settings.region)
    created = {}
    for source in HOOK_SOURCES:
        secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
        ssm.put_parameter(Name=parameter_name(settings.stage, source), Value=secret,
                          Type="SecureString", Overwrite=True)
        created[source] = secret
    return created


def create_unsubscribe_key(settings: Settings, session: Any) -> None:
    """A fresh key for the unsubscribe and preference links, as a SecureString (in AWS
    the operator puts it: README, Unsubscribe)."""
    session.client("ssm", region_name=settings.region).put_parameter(
        Name=unsubscribe_key_name(settings.stage), Value=secrets.token_urlsafe(48),
        Type="SecureString", Overwrite=True)
