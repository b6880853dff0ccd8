"""CloudWatch alarms, all notifying the admin topic (alarms notify on state
changes only, which keeps alert volume low)."""
from __future__ import annotations

from typing import Any

from infra import names
from infra.stage import StageConfig

CONSUMER = "consume_send_queue"
FIVE_MINUTES = 300


def _alarm(description: str, namespace: str, metric: str, dimensions: dict[str, Any],
           statistic: str, threshold: float, period: int = FIVE_MINUTES) -> dict[str, Any]:
    return {"Type": "AWS::CloudWatch::Alarm", "Properties": {
        "AlarmDescription": description, "Namespace": namespace, "MetricName": metric,
        "Dimensions": [{"Name": name, "Value": value} for name, value in dimensions.items()],
        "Statistic": statistic, "Period": period, "EvaluationPeriods": 1,
        "Threshold": threshold, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "TreatMissingData": "notBreaching",
        "AlarmActions": [{"Ref": "AdminTopic"}], "OKActions": [{"Ref": "AdminTopic"}]}}


def resources(stage: StageConfig) -> dict[str, Any]:
    infra = stage.infra
    low, high = infra["dlq_alarm_thresholds"]
    dlq = {"QueueName": {"Fn::GetAtt": ["DeadLetterQueue", "QueueName"]}}
    queue = {"QueueName": {"Fn::GetAtt": ["SendQueue", "QueueName"]}}
    consumer = {"FunctionName": names.function_name(stage.prefix, CONSUMER)}
    return {
        "DeadLetterAlarm": _alarm(
            f"Mail failed {infra['max_receive_count']} times and waits in the DLQ: "
            "see GET /dlq/messages", "AWS/SQS", "ApproximateNumberOfMessagesVisible", dlq,
            "Maximum", low),
        "DeadLetterBacklogAlarm": _alarm(
            "Several mails wait in the DLQ: a systematic failure", "AWS/SQS",
            "ApproximateNumberOfMessagesVisible", dlq, "Maximum", high),
        "QueueAgeAlarm": _alarm(
            "The oldest queued mail has waited too long: the consumer is stuck or slow",
            "AWS/SQS", "ApproximateAgeOfOldestMessage", queue, "Maximum",
            infra["queue_age_alarm_s"]),
        "ConsumerErrorsAlarm": _alarm(
            "The consumer Lambda failed", "AWS/Lambda", "Errors", consumer, "Sum", 1),
        "BounceRateAlarm": _alarm(
            "SES bounce rate is high: SES reviews accounts at 5% and may pause sending",
            "AWS/SES", "Reputation.BounceRate", {}, "Maximum", infra["bounce_rate_alarm"]),
        "ComplaintRateAlarm": _alarm(
            "SES complaint rate is high: SES reviews accounts at 0.1%",
            "AWS/SES", "Reputation.ComplaintRate", {}, "Maximum", infra["complaint_rate_alarm"]),
    }
