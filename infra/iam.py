"""The one declaration of what each Lambda function may do, rendered two ways.

Chalice's autogen reads only app.py and knows no sesv2, so it cannot see
what chalicelib calls. Each function's grants are listed here; resources
are ARN patterns in `Fn::Sub` syntax, so the package path uses them as they
are and the `chalice deploy` path fills them from the stage's env vars into
`.chalice/policy-<stage>-<function>.json`. tests/unit/test_deploy_iam.py and
tests/functional/test_deploy_iam.py check the grants against the boto3 calls the
code makes, both ways.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra import messaging, names, users
from infra.stage import PROJECT, StageConfig

_ACCOUNT = "arn:${AWS::Partition}:%s:${AWS::Region}:${AWS::AccountId}:%s"
TEMPLATE_BUCKET = "arn:${AWS::Partition}:s3:::${TemplateBucket}"
TEMPLATE_OBJECTS = TEMPLATE_BUCKET + "/templates/*"
SEND_QUEUE = "${SendQueue.Arn}"
DEAD_LETTER_QUEUE = "${DeadLetterQueue.Arn}"
FEEDBACK_QUEUE = "${FeedbackQueue.Arn}"
MESSAGE_LOG = "${MessageLogTable.Arn}"
MESSAGE_LOG_INDEXES = MESSAGE_LOG + "/index/*"
IDEMPOTENCY = "${IdempotencyTable.Arn}"
RATE_LIMITS = "${RateLimitTable.Arn}"
SUPPRESSIONS = "${SuppressionTable.Arn}"
OUTBOX = "${OutboxTable.Arn}"
WEBHOOKS = "${WebhooksTable.Arn}"
WEBHOOKS_QUEUE = "${WebhooksQueue.Arn}"
MESSAGE_LOG_STREAM = "${MessageLogTable.StreamArn}"
LINKS = "${LinksTable.Arn}"
CONFIGURATION_SET = _ACCOUNT % ("ses", "configuration-set/${SesConfigurationSet}")
SES_IDENTITY = _ACCOUNT % ("ses", "identity/${SenderDomain}")
ADMIN_TOPIC = "${AdminTopic}"
COGNITO_CODE_KEY = "${CognitoCodeKey.Arn}"
COGNITO_MAC_KEY = "${CognitoMacKey.Arn}"
ANY_KEY = _ACCOUNT % ("kms", "key/*")  # narrowed to the topic key by its alias (condition)
# The webhook intake's signing secrets (SecureStrings the operator puts there; the AWS
# managed key aws/ssm needs no kms grant: its key policy allows use through SSM)
HOOK_SECRETS = _ACCOUNT % ("ssm", "parameter/herald/${Stage}/hooks/*")
# The key of the unsubscribe and preference links (a SecureString the operator puts
# there: README, Unsubscribe): the consumer signs links, the API verifies them
UNSUBSCRIBE_KEY = _ACCOUNT % ("ssm", "parameter/herald/${Stage}/unsubscribe-key")
ANY_RESOURCE = "*"  # only for actions that have no resource-level permissions
USERS_STREAM = _ACCOUNT % ("dynamodb", "table/${UsersTableName}/stream/*")
USERS_STREAM_FAILURES = "${UsersStreamFailureQueue.Arn}"
# Notifications: user profiles in the users table, preferences, types, the topic
USERS_TABLE = _ACCOUNT % ("dynamodb", "table/${UsersTableName}")
PREFERENCES = "${PreferencesTable.Arn}"
NOTIFICATION_TYPES = "${NotificationTypesTable.Arn}"
NOTIFICATIONS_TOPIC = "${NotificationsTopic}"
SMS_QUEUE = "${SmsQueue.Arn}"
# SNS authorises a Publish to a phone number (and the opt-out look-up) on no resource: a
# number has no ARN, so IAM can only name "*" (AWS's Service Authorization Reference lists
# no resource type for CheckIfPhoneNumberIsOptedOut, and a Publish to a number names no
# topic). The grant is narrowed instead by its two actions, held to the SMS consumer alone
# (tests/unit/test_deploy_iam.py), and by a condition: only through the stage's own
# region, whose SMS spend limit and sender ids the operator set (so checkov's CKV_AWS_111,
# write access without constraints, holds without a skip).
PHONE_NUMBERS = ANY_RESOURCE


@dataclass(frozen=True)
class Grant:
    sid: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    # Needed by the Lambda service on the function's behalf (the SQS event
    # source mapping polls with the function's role) or by another service
    # for a call of Herald's (SNS uses KMS to encrypt what Herald publishes),
    # not called by Herald's code itself.
    platform: bool = False
    # IAM condition block, placeholders allowed in its string values
    condition: tuple[tuple[str, str, str], ...] = ()


def _poll(queue: str) -> Grant:
    """What the Lambda service's SQS poller does with the function's role."""
    return Grant("Poll", ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                          "sqs:ChangeMessageVisibility"), (queue,), platform=True)


# What an intake needs to hand a mail to the accept path (chalicelib/sending/accept.py).
ACCEPT_PATH = (
    Grant("ReadTemplates", ("s3:GetObject", "s3:GetObjectVersion"), (TEMPLATE_OBJECTS,)),
    Grant("Enqueue", ("sqs:SendMessage",), (SEND_QUEUE,)),
    Grant("MessageLog", ("dynamodb:GetItem", "dynamodb:PutItem"), (MESSAGE_LOG,)),
    Grant("Idempotency", ("dynamodb:GetItem", "dynamodb:PutItem"), (IDEMPOTENCY,)),
    Grant("RateLimits", ("dynamodb:UpdateItem",), (RATE_LIMITS,)),
    Grant("Suppressions", ("dynamodb:ConditionCheckItem",), (SUPPRESSIONS,)),
    Grant("Outbox", ("dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:DeleteItem"), (OUTBOX,)),
)
POLICIES: dict[str, tuple[Grant, ...]] = {
    names.API_HANDLER: (
        Grant("TemplateObjects", ("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject",
                                  "s3:PutObjectTagging", "s3:DeleteObject"),
              (TEMPLATE_OBJECTS,)),
        Grant("TemplateListing", ("s3:ListBucket", "s3:ListBucketVersions"), (TEMPLATE_BUCKET,)),
        Grant("Enqueue", ("sqs:SendMessage",), (SEND_QUEUE,)),
        Grant("QueueCounts", ("sqs:GetQueueAttributes",), (SEND_QUEUE, DEAD_LETTER_QUEUE)),
        # StartMessageMoveTask also needs receive/delete/attributes on the DLQ
        # and SendMessage on the send queue, all granted here anyway.
        Grant("DeadLetterOps", ("sqs:ReceiveMessage", "sqs:DeleteMessage",
                                "sqs:ChangeMessageVisibility", "sqs:StartMessageMoveTask"),
              (DEAD_LETTER_QUEUE,)),
        Grant("QueueAgeMetric", ("cloudwatch:GetMetricStatistics",), (ANY_RESOURCE,)),
        Grant("MessageLog", ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"),
              (MESSAGE_LOG,)),
        Grant("Idempotency", ("dynamodb:GetItem", "dynamodb:PutItem"), (IDEMPOTENCY,)),
        Grant("RateLimits", ("dynamodb:UpdateItem",), (RATE_LIMITS,)),
        Grant("Suppressions", ("dynamodb:ConditionCheckItem", "dynamodb:PutItem",
                               "dynamodb:DeleteItem", "dynamodb:Scan"), (SUPPRESSIONS,)),
        # PutItem inside the accept transaction; read and cleared once enqueued
        Grant("Outbox", ("dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:DeleteItem"),
              (OUTBOX,)),
        Grant("HookSecrets", ("ssm:GetParameter",), (HOOK_SECRETS,)),
        # hook-status#<source> rows beside the rate counters: bumped, read for GET /hooks
        Grant("HookStatus", ("dynamodb:GetItem",), (RATE_LIMITS,)),
        Grant("Webhooks", ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
                           "dynamodb:DeleteItem", "dynamodb:Scan"), (WEBHOOKS,)),
        Grant("EnqueueWebhookTest", ("sqs:SendMessage",), (WEBHOOKS_QUEUE,)),
        # Notifications (chalicelib/notifications/): profile fields only, never the item
        Grant("UserProfiles", ("dynamodb:GetItem", "dynamodb:UpdateItem"), (USERS_TABLE,)),
        Grant("Preferences", ("dynamodb:Query", "dynamodb:UpdateItem"), (PREFERENCES,)),
        Grant("NotificationTypes", ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Scan"),
              (NOTIFICATION_TYPES,)),
        Grant("PublishNotifications", ("sns:Publish",), (NOTIFICATIONS_TOPIC,)),
        Grant("EncryptNotifications", ("kms:GenerateDataKey", "kms:Decrypt"), (ANY_KEY,),
              platform=True, condition=(("ForAnyValue:StringEquals", "kms:ResourceAliases",
                                         "${TopicKeyAlias}"),)),
        Grant("UnsubscribeKey", ("ssm:GetParameter",), (UNSUBSCRIBE_KEY,)),
        Grant("EnqueueSms", ("sqs:SendMessage",), (SMS_QUEUE,)),  # test-send of an SMS
        # GET/HEAD /l/{token} read a link, POST /l/{token} marks it followed
        Grant("Links", ("dynamodb:GetItem", "dynamodb:UpdateItem"), (LINKS,)),
        # GET /messages: the search indexes (by recipient, accept day, attention), then the
        # page's rows (chalicelib/records/message_search.py)
        Grant("FindMail", ("dynamodb:Query",), (MESSAGE_LOG_INDEXES,)),
        Grant("FindMailRows", ("dynamodb:BatchGetItem",), (MESSAGE_LOG,)),
    ),
    "consume_send_queue": (
        _poll(SEND_QUEUE),
        Grant("AcknowledgeRequeueAndBackOff", ("sqs:DeleteMessage", "sqs:SendMessage",
                                               "sqs:ChangeMessageVisibility"), (SEND_QUEUE,)),
        Grant("ReadTemplates", ("s3:GetObject", "s3:GetObjectVersion"), (TEMPLATE_OBJECTS,)),
        # SES checks every resource of a send: the stage's sending identity and,
        # since Herald always names it, the configuration set; From must be an
        # address of the sending domain (issue 12, item 3).
        Grant("SendMail", ("ses:SendEmail",), (SES_IDENTITY, CONFIGURATION_SET),
              condition=(("StringLike", "ses:FromAddress", "*@${SenderDomain}"),)),
        Grant("MessageLog", ("dynamodb:GetItem", "dynamodb:UpdateItem"), (MESSAGE_LOG,)),
        Grant("Suppressions", ("dynamodb:ConditionCheckItem",), (SUPPRESSIONS,)),
        Grant("Outbox", ("dynamodb:DeleteItem",), (OUTBOX,)),  # inside a transaction
        Grant("UnsubscribeKey", ("ssm:GetParameter",), (UNSUBSCRIBE_KEY,)),
        # a mail's gateway links, recorded while it is built (conditional: a retry keeps them)
        Grant("Links", ("dynamodb:PutItem",), (LINKS,)),
    ),
    "handle_ses_feedback": (
        _poll(FEEDBACK_QUEUE),
        Grant("FindMessage", ("dynamodb:Query",), (MESSAGE_LOG_INDEXES,)),
        Grant("MessageLog", ("dynamodb:UpdateItem",), (MESSAGE_LOG,)),
        Grant("Suppressions", ("dynamodb:PutItem",), (SUPPRESSIONS,)),
    ),
    "reconcile": (
        Grant("Outbox", ("dynamodb:Scan", "dynamodb:DeleteItem"), (OUTBOX,)),
        Grant("MessageLog", ("dynamodb:GetItem",), (MESSAGE_LOG,)),
        Grant("Enqueue", ("sqs:SendMessage",), (SEND_QUEUE,)),
        Grant("EnqueueSms", ("sqs:SendMessage",), (SMS_QUEUE,)),
    ),
    "forward_alarm": (
        Grant("NoticeWindows", ("dynamodb:UpdateItem",), (RATE_LIMITS,)),
        Grant("Notify", ("sns:Publish",), (ADMIN_TOPIC,)),
        Grant("EncryptNotice", ("kms:GenerateDataKey", "kms:Decrypt"), (ANY_KEY,), platform=True,
              condition=(("ForAnyValue:StringEquals", "kms:ResourceAliases",
                          "${TopicKeyAlias}"),)),
    ),
    # the accept path of POST /emails, plus the two keys of chalicelib/intake/cognito.py
    "cognito_email_sender": (
        Grant("DecryptCodes", ("kms:Decrypt",), (COGNITO_CODE_KEY,)),
        Grant("IdempotencyMac", ("kms:GenerateMac",), (COGNITO_MAC_KEY,)),
        *ACCEPT_PATH,
    ),
    # The accept path of POST /emails (chalicelib/sending/accept.py), fed by the users stream
    users.FUNCTION: (
        Grant("ReadStream", ("dynamodb:DescribeStream", "dynamodb:GetRecords",
                             "dynamodb:GetShardIterator", "dynamodb:ListStreams"),
              (USERS_STREAM,), platform=True),
        # the mapping's on-failure destination, written with the function's role
        Grant("StreamFailures", ("sqs:SendMessage",), (USERS_STREAM_FAILURES,), platform=True),
        *ACCEPT_PATH,
    ),
    # Outbound delivery webhooks: the message log's stream -> the webhooks queue -> receivers
    "fan_out_webhook_events": (
        # what the Lambda service's stream poller does with the function's role (as SAM's
        # DynamoDBStreamReadPolicy: ListStreams on the table's streams)
        Grant("ReadStream", ("dynamodb:DescribeStream", "dynamodb:GetRecords",
                             "dynamodb:GetShardIterator"), (MESSAGE_LOG_STREAM,), platform=True),
        Grant("ListStreams", ("dynamodb:ListStreams",), (MESSAGE_LOG + "/stream/*",),
              platform=True),
        Grant("Subscribers", ("dynamodb:Scan",), (WEBHOOKS,)),
        Grant("EnqueueDeliveries", ("sqs:SendMessage",), (WEBHOOKS_QUEUE,)),
    ),
    "send_webhooks": (
        _poll(WEBHOOKS_QUEUE),
        Grant("AcknowledgeAndBackOff", ("sqs:DeleteMessage", "sqs:ChangeMessageVisibility"),
              (WEBHOOKS_QUEUE,)),
        Grant("Endpoints", ("dynamodb:GetItem", "dynamodb:UpdateItem"), (WEBHOOKS,)),
    ),
    # SMS: the SMS queue's consumer, consume_send_queue's twin with SNS for SES
    "consume_sms_queue": (
        _poll(SMS_QUEUE),
        Grant("AcknowledgeRequeueAndBackOff", ("sqs:DeleteMessage", "sqs:SendMessage",
                                               "sqs:ChangeMessageVisibility"), (SMS_QUEUE,)),
        Grant("ReadTemplates", ("s3:GetObject", "s3:GetObjectVersion"), (TEMPLATE_OBJECTS,)),
        Grant("SendSms", ("sns:Publish", "sns:CheckIfPhoneNumberIsOptedOut"), (PHONE_NUMBERS,),
              condition=(("StringEquals", "aws:RequestedRegion", "${AWS::Region}"),)),
        Grant("MessageLog", ("dynamodb:GetItem", "dynamodb:UpdateItem"), (MESSAGE_LOG,)),
        Grant("Suppressions", ("dynamodb:ConditionCheckItem",), (SUPPRESSIONS,)),
        Grant("Outbox", ("dynamodb:DeleteItem",), (OUTBOX,)),  # inside a transaction
    ),
}

_PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")


def functions_granted(prefix: str) -> list[str]:
    """The functions with any action of a service (`s3:`), for resource policies."""
    return [function for function, grants in POLICIES.items()
            if any(action.startswith(prefix) for grant in grants for action in grant.actions)]


def _log_grant(stage: StageConfig, function: str) -> Grant:
    group = "/aws/lambda/" + names.function_name(stage.prefix, function)
    return Grant("OwnLogs", ("logs:CreateLogStream", "logs:PutLogEvents"),
                 (_ACCOUNT % ("logs", f"log-group:{group}:*"),))


def _statement(grant: Grant, render: Any) -> dict[str, Any]:
    statement = {"Sid": grant.sid, "Effect": "Allow", "Action": sorted(set(grant.actions)),
                 "Resource": [render(resource) for resource in grant.resources]}
    if grant.condition:
        statement["Condition"] = {operator: {key: render(value)}
                                  for operator, key, value in grant.condition}
    return statement


def _document(stage: StageConfig, function: str, render: Any) -> dict[str, Any]:
    grants = (_log_grant(stage, function), *POLICIES[function])
    return {"Version": "2012-10-17",
            "Statement": [_statement(grant, render) for grant in grants]}


def _stage_values(stage: StageConfig) -> dict[str, str]:
    """Placeholders known from the stage's config alone, in both paths."""
    return {"SenderDomain": stage.sender_domain, "Stage": stage.stage,
            "TopicKeyAlias": messaging.topic_key_alias(stage),
            "UsersTableName": users.table_name(stage)}


def cfn_policy(stage: StageConfig, function: str) -> dict[str, Any]:
    """The policy with CloudFormation references (package path)."""
    known = _stage_values(stage)

    def render(pattern: str) -> Any:
        pattern = _PLACEHOLDER.sub(lambda m: known.get(m.group(1), m.group(0)), pattern)
        return pattern if "${" not in pattern else {"Fn::Sub": pattern}

    return _document(stage, function, render)


def partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    return "aws-us-gov" if region.startswith("us-gov-") else "aws"


def _literals(stage: StageConfig) -> dict[str, str]:
    """The value of each placeholder, from the stage's env vars."""
    env, region, account = stage.env, stage.region, stage.account_id
    head = f"arn:{partition(region)}"

    def queue(url_var: str) -> str:
        return f"{head}:sqs:{region}:{account}:{env[url_var].rstrip('/').rsplit('/', 1)[-1]}"

    def table(name_var: str) -> str:
        return f"{head}:dynamodb:{region}:{account}:table/{env[name_var]}"

    return {
        "AWS::Partition": partition(region), "AWS::Region": region, "AWS::AccountId": account,
        "TemplateBucket": env["HERALD_TEMPLATE_BUCKET"],
        "SendQueue.Arn": queue("HERALD_SEND_QUEUE_URL"),
        "DeadLetterQueue.Arn": queue("HERALD_DLQ_URL"),
        "MessageLogTable.Arn": table("HERALD_MESSAGE_LOG_TABLE"),
        "IdempotencyTable.Arn": table("HERALD_IDEMPOTENCY_TABLE"),
        "RateLimitTable.Arn": table("HERALD_RATE_LIMIT_TABLE"),
        "SuppressionTable.Arn": table("HERALD_SUPPRESSION_TABLE"),
        "OutboxTable.Arn": table("HERALD_OUTBOX_TABLE"),
        "FeedbackQueue.Arn": f"{head}:sqs:{region}:{account}:{env['HERALD_FEEDBACK_QUEUE_NAME']}",
        "SesConfigurationSet": env["HERALD_SES_CONFIGURATION_SET"],
        "AdminTopic": env["HERALD_ALERT_TOPIC_ARN"],
        "CognitoCodeKey.Arn": env["HERALD_COGNITO_KEY_ARN"],
        "CognitoMacKey.Arn": env["HERALD_COGNITO_MAC_KEY_ID"],
        "UsersStreamFailureQueue.Arn":
            f"{head}:sqs:{region}:{account}:{users.failure_queue_name(stage)}",
        "WebhooksTable.Arn": table("HERALD_WEBHOOKS_TABLE"),
        "WebhooksQueue.Arn": queue("HERALD_WEBHOOKS_QUEUE_URL"),
        "MessageLogTable.StreamArn": env["HERALD_MESSAGE_LOG_STREAM_ARN"],
        "PreferencesTable.Arn": table("HERALD_PREFERENCES_TABLE"),
        "NotificationTypesTable.Arn": table("HERALD_NOTIFICATION_TYPES_TABLE"),
        "NotificationsTopic": env["HERALD_NOTIFICATIONS_TOPIC_ARN"],
        "SmsQueue.Arn": queue("HERALD_SMS_QUEUE_URL"),
        "LinksTable.Arn": table("HERALD_LINKS_TABLE"),
        **_stage_values(stage),
    }


def literal_policy(stage: StageConfig, function: str) -> dict[str, Any]:
    """The policy with real ARNs (the `chalice deploy` path's policy files)."""
    values = _literals(stage)
    return _document(stage, function,
                     lambda pattern: _PLACEHOLDER.sub(lambda m: values[m.group(1)], pattern))


def write_policy_files(stage: StageConfig, chalice_dir: Path = PROJECT / ".chalice") -> list[Path]:
    """Write every function's policy file for `stage`; returns the paths."""
    written = []
    for function in POLICIES:
        path = chalice_dir / names.policy_file(stage.stage, function)
        path.write_text(json.dumps(literal_policy(stage, function), indent=2) + "\n")
        written.append(path)
    return written
