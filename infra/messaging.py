"""SNS topics (raw alarms, admin alerts, SES events), the KMS key that encrypts
them, the SES events' way to the feedback queue (SNS -> SQS, so no event is
dropped), and SES: the configuration set publishing its events to SNS and,
optionally, the sending domain's identity (Easy DKIM, custom MAIL FROM,
default configuration set)."""
from __future__ import annotations

from typing import Any

from infra.stage import StageConfig

# `send`: SES accepted the mail (resolves an in-doubt send, issue 11)
SES_EVENT_TYPES = ["send", "bounce", "complaint", "delivery", "reject", "deliveryDelay",
                   "renderingFailure"]
_SOURCE_ACCOUNT = {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}


def _topic_key() -> dict[str, Any]:
    """A customer managed key: CloudWatch and SES cannot publish to topics
    encrypted with the AWS managed SNS key."""
    publishers = {
        "Sid": "AlarmAndSesPublishers", "Effect": "Allow",
        "Principal": {"Service": ["cloudwatch.amazonaws.com", "ses.amazonaws.com"]},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
        "Condition": _SOURCE_ACCOUNT}
    owner = {"Sid": "AccountAdministers", "Effect": "Allow",
             "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}},
             "Action": "kms:*", "Resource": "*"}
    return {"Type": "AWS::KMS::Key", "Properties": {
        "Description": "Herald SNS topics", "EnableKeyRotation": True,
        "KeyPolicy": {"Version": "2012-10-17", "Statement": [owner, publishers]}}}


def topic_key_alias(stage: StageConfig) -> str:
    """The key's alias: IAM policies name the key by it (its id is not known in advance)."""
    return f"alias/{stage.prefix}-topics"


def _topic(stage: StageConfig, suffix: str) -> dict[str, Any]:
    return {"Type": "AWS::SNS::Topic", "Properties": {
        "TopicName": f"{stage.prefix}-{suffix}", "KmsMasterKeyId": {"Ref": "TopicKey"}}}


def _ses_events_topic_policy() -> dict[str, Any]:
    publish = {
        "Sid": "SesPublishes", "Effect": "Allow", "Principal": {"Service": "ses.amazonaws.com"},
        "Action": "sns:Publish", "Resource": {"Ref": "SesEventsTopic"},
        "Condition": {**_SOURCE_ACCOUNT, "ArnLike": {"aws:SourceArn": {"Fn::Sub": (
            "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:"
            "configuration-set/${SesConfigurationSet}")}}}}
    return {"Type": "AWS::SNS::TopicPolicy", "Properties": {
        "Topics": [{"Ref": "SesEventsTopic"}],
        "PolicyDocument": {"Version": "2012-10-17", "Statement": [publish]}}}


def _feedback_subscription(stage: StageConfig) -> dict[str, Any]:
    """SES events go SNS -> SQS -> Lambda: an SNS-invoked Lambda is invoked
    asynchronously and an event is dropped after 2 failed retries, while the
    queue keeps it (then its DLQ). Not raw: the handler reads the SNS envelope."""
    only_the_topic = {
        "Sid": "SesEventsTopicSends", "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
        "Resource": {"Fn::GetAtt": ["FeedbackQueue", "Arn"]},
        "Condition": {"ArnEquals": {"aws:SourceArn": {"Ref": "SesEventsTopic"}}}}
    return {
        "FeedbackQueuePolicy": {"Type": "AWS::SQS::QueuePolicy", "Properties": {
            "Queues": [{"Ref": "FeedbackQueue"}],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [only_the_topic]}}},
        "FeedbackSubscription": {
            "Type": "AWS::SNS::Subscription", "DependsOn": "FeedbackQueuePolicy",
            "Properties": {"TopicArn": {"Ref": "SesEventsTopic"}, "Protocol": "sqs",
                           "Endpoint": {"Fn::GetAtt": ["FeedbackQueue", "Arn"]},
                           "RawMessageDelivery": False}},
    }


def _ses(stage: StageConfig) -> dict[str, Any]:
    found = {
        "SesConfigurationSet": {"Type": "AWS::SES::ConfigurationSet", "Properties": {
            "Name": stage.prefix,
            "ReputationOptions": {"ReputationMetricsEnabled": True},
            "SendingOptions": {"SendingEnabled": True}}},
        "SesEventDestination": {
            "Type": "AWS::SES::ConfigurationSetEventDestination",
            "DependsOn": "SesEventsTopicPolicy",
            "Properties": {"ConfigurationSetName": {"Ref": "SesConfigurationSet"},
                           "EventDestination": {
                               "Name": "herald-feedback", "Enabled": True,
                               "MatchingEventTypes": SES_EVENT_TYPES,
                               "SnsDestination": {"TopicARN": {"Ref": "SesEventsTopic"}}}}},
    }
    if stage.infra.get("manage_ses_identity"):
        domain = stage.sender_domain
        found["SesIdentity"] = {"Type": "AWS::SES::EmailIdentity", "Properties": {
            "EmailIdentity": domain,
            "ConfigurationSetAttributes": {"ConfigurationSetName": {"Ref": "SesConfigurationSet"}},
            "DkimAttributes": {"SigningEnabled": True},
            "DkimSigningAttributes": {"NextSigningKeyLength": "RSA_2048_BIT"},
            "MailFromAttributes": {
                "MailFromDomain": f"{stage.infra['mail_from_subdomain']}.{domain}",
                "BehaviorOnMxFailure": "USE_DEFAULT_VALUE"}}}
    return found


# POST /notifications publishes each channel's queue message to NotificationsTopic with a
# `channel` attribute; a raw-delivery subscription per channel filters it into that
# channel's queue (logical id). The SMS queue is the SMS channel's (SmsQueue): its
# subscription exists once the template holds that queue.
CHANNEL_QUEUES = {"email": "SendQueue", "sms": "SmsQueue"}


def _channel_subscription(channel: str, queue: str) -> dict[str, Any]:
    policy_id = f"{queue}NotificationsPolicy"
    only_the_topic = {
        "Sid": "NotificationsTopicSends", "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
        "Resource": {"Fn::GetAtt": [queue, "Arn"]},
        "Condition": {"ArnEquals": {"aws:SourceArn": {"Ref": "NotificationsTopic"}}}}
    return {
        policy_id: {"Type": "AWS::SQS::QueuePolicy", "Properties": {
            "Queues": [{"Ref": queue}],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [only_the_topic]}}},
        f"{queue}NotificationsSubscription": {
            "Type": "AWS::SNS::Subscription", "DependsOn": policy_id,
            "Properties": {"TopicArn": {"Ref": "NotificationsTopic"}, "Protocol": "sqs",
                           "Endpoint": {"Fn::GetAtt": [queue, "Arn"]},
                           "RawMessageDelivery": True,
                           "FilterPolicyScope": "MessageAttributes",
                           "FilterPolicy": {"channel": [channel]}}},
    }


def notification_resources(stage: StageConfig, queues: Any) -> dict[str, Any]:
    """The notifications topic and a subscription for each channel whose queue is among
    `queues` (the template's logical ids)."""
    found = {"NotificationsTopic": _topic(stage, "notifications")}
    for channel, queue in CHANNEL_QUEUES.items():
        if queue in queues:
            found.update(_channel_subscription(channel, queue))
    return found


def identity_outputs(stage: StageConfig) -> dict[str, Any]:
    """The three Easy DKIM CNAME records to publish, when the stack owns the identity."""
    if not stage.infra.get("manage_ses_identity"):
        return {}
    return {f"DkimRecord{n}": {"Fn::Join": [" CNAME ", [
        {"Fn::GetAtt": ["SesIdentity", f"DkimDNSTokenName{n}"]},
        {"Fn::GetAtt": ["SesIdentity", f"DkimDNSTokenValue{n}"]}]]} for n in (1, 2, 3)}


def resources(stage: StageConfig) -> dict[str, Any]:
    found = {"TopicKey": _topic_key(),
             "TopicKeyAlias": {"Type": "AWS::KMS::Alias", "Properties": {
                 "AliasName": topic_key_alias(stage), "TargetKeyId": {"Ref": "TopicKey"}}},
             # alarms publish here; forward_alarm passes them on to AdminTopic
             "AlarmTopic": _topic(stage, "alarms"), "AdminTopic": _topic(stage, "alerts"),
             "SesEventsTopic": _topic(stage, "ses-events"),
             "SesEventsTopicPolicy": _ses_events_topic_policy(),
             **_feedback_subscription(stage), **_ses(stage)}
    email = stage.infra.get("alarm_email")
    if email:
        found["AdminEmailSubscription"] = {"Type": "AWS::SNS::Subscription", "Properties": {
            "TopicArn": {"Ref": "AdminTopic"}, "Protocol": "email", "Endpoint": email}}
    return found
