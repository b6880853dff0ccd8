"""CloudWatch alarms. They publish their state changes to the raw alarm topic;
the `forward_alarm` function (chalicelib/operations/alerts.py) passes each change on to
the admin topic at most once per alarm per 15 minutes (seed 000). The
forwarder's own failures alarm straight to the admin topic, so a broken
forwarder still reaches a person."""
from __future__ import annotations

from typing import Any

from infra import names, users
from infra.stage import StageConfig

CONSUMER = "consume_send_queue"
FORWARDER = "forward_alarm"
# every function of the app but the forwarder (alarmed apart, above)
FUNCTIONS = {names.API_HANDLER: "Api", CONSUMER: "Consumer",
             "handle_ses_feedback": "Feedback", "reconcile": "Reconciler",
             "cognito_email_sender": "CognitoSender", users.FUNCTION: "Welcome",
             "fan_out_webhook_events": "WebhookFanOut", "send_webhooks": "WebhookSender"}
FIVE_MINUTES = 300
ALARM_TOPIC = {"Ref": "AlarmTopic"}
ADMIN_TOPIC = {"Ref": "AdminTopic"}


def _alarm(description: str, namespace: str, metric: str, dimensions: dict[str, Any],
           statistic: str, threshold: float, period: int = FIVE_MINUTES,
           notify: dict[str, str] = ALARM_TOPIC) -> dict[str, Any]:
    # a percentile (p95) is an extended statistic in CloudWatch's terms
    kind = "ExtendedStatistic" if statistic.startswith("p") else "Statistic"
    return {"Type": "AWS::CloudWatch::Alarm", "Properties": {
        "AlarmDescription": description, "Namespace": namespace, "MetricName": metric,
        "Dimensions": [{"Name": name, "Value": value} for name, value in dimensions.items()],
        kind: statistic, "Period": period, "EvaluationPeriods": 1,
        "Threshold": threshold, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "TreatMissingData": "notBreaching",
        "AlarmActions": [notify], "OKActions": [notify]}}


def _function_alarms(stage: StageConfig) -> dict[str, Any]:
    """Errors and Throttles of every function."""
    found = {}
    for function, label in FUNCTIONS.items():
        dimensions = {"FunctionName": names.function_name(stage.prefix, function)}
        found[f"{label}ErrorsAlarm"] = _alarm(
            f"The {function} Lambda failed (see its log group)", "AWS/Lambda", "Errors",
            dimensions, "Sum", 1)
        found[f"{label}ThrottlesAlarm"] = _alarm(
            f"The {function} Lambda was throttled (concurrency limits)", "AWS/Lambda",
            "Throttles", dimensions, "Sum", 1)
    found["ForwarderErrorsAlarm"] = _alarm(
        "The alarm forwarder failed: alarm notifications may be missing; see the CloudWatch "
        "console", "AWS/Lambda", "Errors",
        {"FunctionName": names.function_name(stage.prefix, FORWARDER)}, "Sum", 1,
        notify=ADMIN_TOPIC)
    return found


def resources(stage: StageConfig) -> dict[str, Any]:
    infra = stage.infra
    low, high = infra["dlq_alarm_thresholds"]
    dlq = {"QueueName": {"Fn::GetAtt": ["DeadLetterQueue", "QueueName"]}}
    feedback_dlq = {"QueueName": {"Fn::GetAtt": ["FeedbackDeadLetterQueue", "QueueName"]}}
    queue = {"QueueName": {"Fn::GetAtt": ["SendQueue", "QueueName"]}}
    webhooks_dlq = {"QueueName": {"Fn::GetAtt": ["WebhooksDeadLetterQueue", "QueueName"]}}
    return {
        "DeadLetterAlarm": _alarm(
            f"Mail failed {infra['max_receive_count']} times and waits in the DLQ: "
            "see GET /dlq/messages", "AWS/SQS", "ApproximateNumberOfMessagesVisible", dlq,
            "Maximum", low),
        "DeadLetterBacklogAlarm": _alarm(
            "Several mails wait in the DLQ: a systematic failure", "AWS/SQS",
            "ApproximateNumberOfMessagesVisible", dlq, "Maximum", high),
        "FeedbackDeadLetterAlarm": _alarm(
            "SES events the feedback handler could not record wait in its DLQ", "AWS/SQS",
            "ApproximateNumberOfMessagesVisible", feedback_dlq, "Maximum", 1),
        "WebhooksDeadLetterAlarm": _alarm(
            f"A webhook delivery failed {stage.env['HERALD_WEBHOOK_MAX_ATTEMPTS']} times and "
            "waits in the webhooks DLQ: see GET /webhooks/{name}/deliveries", "AWS/SQS",
            "ApproximateNumberOfMessagesVisible", webhooks_dlq, "Maximum", 1),
        "QueueAgeAlarm": _alarm(
            "The oldest queued mail has waited too long: the consumer is stuck or slow",
            "AWS/SQS", "ApproximateAgeOfOldestMessage", queue, "Maximum",
            infra["queue_age_alarm_s"]),
        # chalicelib/platform/metrics.py writes EMF with the one dimension Stage
        "FailedMailAlarm": _alarm(
            "Mail failed for good (rejected, render error, or SES refused it: e.g. a "
            "recipient not verified while SES is in the sandbox)", "Herald", "Failed",
            {"Stage": stage.stage}, "Sum", infra["failed_alarm_threshold"]),
        **_function_alarms(stage),
        # feedback/ses.py: accepted -> delivered per category (and per auth template)
        "AuthTimeToInboxAlarm": _alarm(
            "Auth mail is slow to reach inboxes (p95 of accepted -> delivered): codes arrive "
            "late; see the TimeToInbox metric per template", "Herald", "TimeToInbox",
            {"Stage": stage.stage, "Category": "auth"}, "p95",
            infra["time_to_inbox_p95_alarm_ms"]),
        "BounceRateAlarm": _alarm(
            "SES bounce rate is high: SES reviews accounts at 5% and may pause sending",
            "AWS/SES", "Reputation.BounceRate", {}, "Maximum", infra["bounce_rate_alarm"]),
        "ComplaintRateAlarm": _alarm(
            "SES complaint rate is high: SES reviews accounts at 0.1%",
            "AWS/SES", "Reputation.ComplaintRate", {}, "Maximum", infra["complaint_rate_alarm"]),
        **_users_stream_alarms(stage),
    }


def _users_stream_alarms(stage: StageConfig) -> dict[str, Any]:
    """The welcome mail's stream falls behind, or gave up on records (infra/users.py)."""
    failures = {"QueueName": {"Fn::GetAtt": ["UsersStreamFailureQueue", "QueueName"]}}
    function = {"FunctionName": names.function_name(stage.prefix, users.FUNCTION)}
    return {
        "UsersStreamFailuresAlarm": _alarm(
            "New users the welcome mail gave up on (retries or record age exhausted): their "
            "stream positions wait in the users-stream-failures queue", "AWS/SQS",
            "ApproximateNumberOfMessagesVisible", failures, "Maximum", 1),
        "UsersStreamAgeAlarm": _alarm(
            "The users stream's oldest unsent record is old: welcome mails are late (the "
            "handler fails or is throttled)", "AWS/Lambda", "IteratorAge", function, "Maximum",
            stage.infra["users_stream_age_alarm_ms"]),
    }
