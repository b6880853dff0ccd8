"""SNS topics (admin alerts, SES events), the KMS key that encrypts them, and
SES: the configuration set publishing its events to SNS and, optionally, the
sending domain's identity (Easy DKIM, custom MAIL FROM, default configuration set)."""
from __future__ import annotations

from typing import Any

from infra.stage import StageConfig

SES_EVENT_TYPES = ["bounce", "complaint", "delivery", "reject", "deliveryDelay",
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


def identity_outputs(stage: StageConfig) -> dict[str, Any]:
    """The three Easy DKIM CNAME records to publish, when the stack owns the identity."""
    if not stage.infra.get("manage_ses_identity"):
        return {}
    return {f"DkimRecord{n}": {"Fn::Join": [" CNAME ", [
        {"Fn::GetAtt": ["SesIdentity", f"DkimDNSTokenName{n}"]},
        {"Fn::GetAtt": ["SesIdentity", f"DkimDNSTokenValue{n}"]}]]} for n in (1, 2, 3)}


def resources(stage: StageConfig) -> dict[str, Any]:
    found = {"TopicKey": _topic_key(), "AdminTopic": _topic(stage, "alerts"),
             "SesEventsTopic": _topic(stage, "ses-events"),
             "SesEventsTopicPolicy": _ses_events_topic_policy(), **_ses(stage)}
    email = stage.infra.get("alarm_email")
    if email:
        found["AdminEmailSubscription"] = {"Type": "AWS::SNS::Subscription", "Properties": {
            "TopicArn": {"Ref": "AdminTopic"}, "Protocol": "email", "Endpoint": email}}
    return found
