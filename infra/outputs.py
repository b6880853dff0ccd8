"""Which stack value each stage env var takes: one table for both paths.

The package path sets the env var to the CloudFormation expression; the
`chalice deploy` path reads the stack output of the same name and writes its
value into `.chalice/config.json`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EnvOutput:
    env_var: str
    output: str
    value: dict[str, Any]


def _ref(logical_id: str) -> dict[str, Any]:
    return {"Ref": logical_id}


def _att(logical_id: str, attribute: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [logical_id, attribute]}


ADMIN_UI_ORIGIN = {"Fn::Sub": "https://${AdminUiDistribution.DomainName}"}

STAGE_ENV: tuple[EnvOutput, ...] = (
    EnvOutput("HERALD_TEMPLATE_BUCKET", "TemplateBucketName", _ref("TemplateBucket")),
    EnvOutput("HERALD_SEND_QUEUE_URL", "SendQueueUrl", _ref("SendQueue")),
    EnvOutput("HERALD_SEND_QUEUE_NAME", "SendQueueName", _att("SendQueue", "QueueName")),
    EnvOutput("HERALD_DLQ_URL", "DeadLetterQueueUrl", _ref("DeadLetterQueue")),
    EnvOutput("HERALD_MESSAGE_LOG_TABLE", "MessageLogTableName", _ref("MessageLogTable")),
    EnvOutput("HERALD_IDEMPOTENCY_TABLE", "IdempotencyTableName", _ref("IdempotencyTable")),
    EnvOutput("HERALD_RATE_LIMIT_TABLE", "RateLimitTableName", _ref("RateLimitTable")),
    EnvOutput("HERALD_SUPPRESSION_TABLE", "SuppressionTableName", _ref("SuppressionTable")),
    EnvOutput("HERALD_OUTBOX_TABLE", "OutboxTableName", _ref("OutboxTable")),
    EnvOutput("HERALD_SES_CONFIGURATION_SET", "SesConfigurationSetName",
              _ref("SesConfigurationSet")),
    EnvOutput("HERALD_FEEDBACK_QUEUE_NAME", "FeedbackQueueName",
              _att("FeedbackQueue", "QueueName")),
    EnvOutput("HERALD_ALARM_TOPIC_NAME", "AlarmTopicName", _att("AlarmTopic", "TopicName")),
    EnvOutput("HERALD_ALERT_TOPIC_ARN", "AdminTopicArn", _ref("AdminTopic")),
    EnvOutput("HERALD_ADMIN_ORIGIN", "AdminUiOrigin", ADMIN_UI_ORIGIN),
    EnvOutput("HERALD_COGNITO_USER_POOL_ARN", "UserPoolArn", _att("UserPool", "Arn")),
    EnvOutput("HERALD_COGNITO_KEY_ARN", "CognitoCodeKeyArn", _att("CognitoCodeKey", "Arn")),
    EnvOutput("HERALD_COGNITO_MAC_KEY_ID", "CognitoMacKeyArn", _att("CognitoMacKey", "Arn")),
    # Outbound delivery webhooks
    EnvOutput("HERALD_WEBHOOKS_TABLE", "WebhooksTableName", _ref("WebhooksTable")),
    EnvOutput("HERALD_WEBHOOKS_QUEUE_URL", "WebhooksQueueUrl", _ref("WebhooksQueue")),
    EnvOutput("HERALD_WEBHOOKS_QUEUE_NAME", "WebhooksQueueName",
              _att("WebhooksQueue", "QueueName")),
    EnvOutput("HERALD_MESSAGE_LOG_STREAM_ARN", "MessageLogStreamArn",
              _att("MessageLogTable", "StreamArn")),
    # Notifications to users
    EnvOutput("HERALD_PREFERENCES_TABLE", "PreferencesTableName", _ref("PreferencesTable")),
    EnvOutput("HERALD_NOTIFICATION_TYPES_TABLE", "NotificationTypesTableName",
              _ref("NotificationTypesTable")),
    EnvOutput("HERALD_NOTIFICATIONS_TOPIC_ARN", "NotificationsTopicArn",
              _ref("NotificationsTopic")),
    # SMS
    EnvOutput("HERALD_SMS_QUEUE_URL", "SmsQueueUrl", _ref("SmsQueue")),
    EnvOutput("HERALD_SMS_QUEUE_NAME", "SmsQueueName", _att("SmsQueue", "QueueName")),
    EnvOutput("HERALD_SMS_DLQ_URL", "SmsDeadLetterQueueUrl", _ref("SmsDeadLetterQueue")),
    # Scanner-safe links
    EnvOutput("HERALD_LINKS_TABLE", "LinksTableName", _ref("LinksTable")),
)

# Outputs the deploy tools and the README need beyond the env vars.
EXTRA_OUTPUTS: dict[str, dict[str, Any]] = {
    "AdminUiBucketName": _ref("AdminUiBucket"),
    "AdminUiDistributionId": _ref("AdminUiDistribution"),
    "UserPoolId": _ref("UserPool"),
    "UserPoolClientId": _ref("UserPoolClient"),
    "CognitoDomain": {"Fn::Sub": "${UserPoolDomain}.auth.${AWS::Region}.amazoncognito.com"},
    "ApiAccessLogGroupArn": _att("ApiAccessLogGroup", "Arn"),
}


def outputs(extra: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The template's Outputs: every env var's value, the fixed extras and `extra`."""
    values = {row.output: row.value for row in STAGE_ENV}
    return {name: {"Value": value} for name, value in {**values, **EXTRA_OUTPUTS,
                                                        **extra}.items()}
