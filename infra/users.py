"""The users table whose stream sends welcome mail (chalicelib/intake/stream.py),
and how its stream mapping behaves.

The stack creates `<app>-<stage>-users` (key and stream view from
chalicelib/records/tables.py) unless the stage names an existing table's
stream in `herald_infra.users_stream_arn`. Either way the mapping reports
partial batch failures, splits a failing batch, gives up on a record after
`users_stream_max_retries` tries or `users_stream_max_record_age_s`, and
then sends the record's position (no item data) to an on-failure queue,
which alarms (infra/alarms.py).
"""
from __future__ import annotations

from typing import Any

from chalicelib.intake.stream import table_of
from chalicelib.records.tables import STREAMED_TABLES
from infra.stage import StageConfig

FUNCTION = "send_welcome_mail"
STREAM_ENV = "HERALD_USERS_STREAM_ARN"  # read by app.py's decorator (deploy path)
STREAM_OUTPUT = "UsersStreamArn"
FAILURE_QUEUE_OUTPUT = "UsersStreamFailureQueueArn"
# The table's name: user profiles for notifications are read and written there too
TABLE_ENV = "HERALD_USERS_TABLE"
TABLE_OUTPUT = "UsersTableName"
FAILURE_RETENTION_S = 1_209_600  # 14 days, SQS's longest: time to look at the stream's records


def existing_stream(stage: StageConfig) -> str:
    """The stream ARN of a table the stage already has; empty: the stack creates one."""
    return str(stage.infra.get("users_stream_arn") or "")


def table_name(stage: StageConfig) -> str:
    existing = existing_stream(stage)
    return table_of(existing) if existing else f"{stage.prefix}-users"


def stream_arn(stage: StageConfig) -> Any:
    """The stream's ARN: the existing one, or the created table's."""
    return existing_stream(stage) or {"Fn::GetAtt": ["UsersTable", "StreamArn"]}


def failure_queue_name(stage: StageConfig) -> str:
    return f"{stage.prefix}-users-stream-failures"


def _table(stage: StageConfig) -> dict[str, Any]:
    key, view = STREAMED_TABLES["users_table"]
    return {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain", "Properties": {
                "TableName": table_name(stage), "BillingMode": "PAY_PER_REQUEST",
                "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": key, "AttributeType": "S"}],
                "StreamSpecification": {"StreamViewType": view},
                "SSESpecification": {"SSEEnabled": True},
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                "Tags": _tags(stage)}}


def _tags(stage: StageConfig) -> list[dict[str, str]]:
    from infra.storage import tags  # storage imports iam, which imports this module

    return tags(stage)


def resources(stage: StageConfig) -> dict[str, Any]:
    queue = {"Type": "AWS::SQS::Queue", "Properties": {
        "QueueName": failure_queue_name(stage), "SqsManagedSseEnabled": True,
        "MessageRetentionPeriod": FAILURE_RETENTION_S, "Tags": _tags(stage)}}
    found = {"UsersStreamFailureQueue": queue}
    if not existing_stream(stage):
        found["UsersTable"] = _table(stage)
    return found


def outputs(stage: StageConfig) -> dict[str, Any]:
    return {STREAM_OUTPUT: stream_arn(stage),
            FAILURE_QUEUE_OUTPUT: {"Fn::GetAtt": ["UsersStreamFailureQueue", "Arn"]},
            TABLE_OUTPUT: table_name(stage)}


def mapping_settings(stage: StageConfig) -> dict[str, Any]:
    """The mapping's failure handling, as the Lambda API's UpdateEventSourceMapping
    takes it (the on-failure destination apart: its ARN comes from the stack)."""
    return {"FunctionResponseTypes": ["ReportBatchItemFailures"],
            "BisectBatchOnFunctionError": True,
            "MaximumRetryAttempts": int(stage.infra["users_stream_max_retries"]),
            "MaximumRecordAgeInSeconds": int(stage.infra["users_stream_max_record_age_s"])}


def mapping_properties(stage: StageConfig) -> dict[str, Any]:
    """The SAM DynamoDB event's properties Chalice does not set."""
    return {"Stream": stream_arn(stage), **mapping_settings(stage),
            "DestinationConfig": {"OnFailure": {
                "Type": "SQS", "Destination": {"Fn::GetAtt": ["UsersStreamFailureQueue", "Arn"]}}}}
