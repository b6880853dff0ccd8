"""Alarm notifications to the admins, at most one per alarm per 15 minutes (seed 000).

CloudWatch notifies on every state change, so a flapping alarm could mail the
admins every minute. Alarms publish to a raw topic instead; `forward_alarm`
passes a change on to the admin topic only if the same alarm was not
forwarded within the window. The window is claimed by one conditional
DynamoDB update, so concurrent invocations agree on who forwards. Changes
held back are counted and the count goes out with the alarm's next
notification; the alarm's current state is always in the CloudWatch console.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.platform import dynamo, logs

WINDOW_S = 15 * 60
KEY_PREFIX = "alarm-notice#"  # rows of the rate-limit table, apart from recipients' counters
SUBJECT_LIMIT = 100  # SNS: at most 100 printable ASCII characters


@dataclass(frozen=True)
class AlarmChange:
    name: str
    state: str
    reason: str
    description: str
    changed_at: str

    @classmethod
    def from_message(cls, message: str) -> AlarmChange:
        """Read CloudWatch's alarm notification (JSON); anything else is
        forwarded as it came, under the name `unrecognised`."""
        try:
            alarm = json.loads(message)
            return cls(name=str(alarm["AlarmName"]), state=str(alarm["NewStateValue"]),
                       reason=str(alarm.get("NewStateReason", "")),
                       description=str(alarm.get("AlarmDescription") or ""),
                       changed_at=str(alarm.get("StateChangeTime", "")))
        except (ValueError, KeyError, TypeError):
            return cls(name="unrecognised", state="UNKNOWN", reason=message[:4000],
                       description="", changed_at="")

    def subject(self, stage: str) -> str:
        text = f"Herald {stage} {self.state}: {self.name}"
        printable = "".join(ch if " " <= ch <= "~" else "?" for ch in text)
        return printable[:SUBJECT_LIMIT]

    def body(self, held: int) -> str:
        lines = [f"Alarm: {self.name}", f"State: {self.state} (since {self.changed_at})",
                 f"Why: {self.reason}"]
        if self.description:
            lines.append(f"What it means: {self.description}")
        if held:
            lines.append(f"{held} earlier change(s) of this alarm were held back: at most one "
                         f"notification per alarm every {WINDOW_S // 60} minutes.")
        return "\n".join(lines)


class AlarmForwarder:
    """Forwards alarm changes from the raw alarm topic to the admin topic."""

    def __init__(self, dynamodb: Any, table: str, sns: Any, topic_arn: str, stage: str,
                 clock: Callable[[], float] = time.time, window_s: int = WINDOW_S) -> None:
        self.db = dynamodb
        self.table = table
        self.sns = sns
        self.topic_arn = topic_arn
        self.stage = stage
        self.clock = clock
        self.window_s = window_s

    def handle(self, records: Iterable[Mapping[str, Any]]) -> dict[str, int]:
        """Handle an SNS event's records; returns how many were forwarded and held."""
        outcome = {"forwarded": 0, "held": 0}
        for record in records:
            change = AlarmChange.from_message(record["Sns"]["Message"])
            forwarded = self.forward(change)
            outcome["forwarded" if forwarded else "held"] += 1
        return outcome

    def forward(self, change: AlarmChange) -> bool:
        """Publish `change` unless its alarm was forwarded within the window."""
        now = int(self.clock())
        previous = self._claim(change.name, now)
        if previous is None:
            self._count_held(change.name)
            logs.info("alarm notification held", alarm=change.name, state=change.state)
            return False
        try:
            self.sns.publish(TopicArn=self.topic_arn, Subject=change.subject(self.stage),
                             Message=change.body(int(previous.get("held", 0))))
        except Exception:
            self._release(change.name, now, previous)  # so Lambda's retry can forward it
            raise
        logs.info("alarm notification forwarded", alarm=change.name, state=change.state)
        return True

    def _key(self, name: str) -> dict[str, Any]:
        return {"counter_key": {"S": KEY_PREFIX + name}}

    def _claim(self, name: str, now: int) -> dict[str, Any] | None:
        """Take the alarm's window; the row as it was before, or None if the
        window is still someone else's. TTL only tidies up: the condition
        reads the time, since TTL deletes late."""
        try:
            found = self.db.update_item(
                TableName=self.table, Key=self._key(name),
                UpdateExpression="SET forwarded_at = :now, held = :zero, expires_ttl = :ttl",
                ConditionExpression="attribute_not_exists(forwarded_at) OR forwarded_at <= :cutoff",
                ExpressionAttributeValues=dynamo.values({
                    ":now": now, ":zero": 0, ":cutoff": now - self.window_s,
                    ":ttl": now + 2 * self.window_s}),
                ReturnValues="ALL_OLD")
        except ClientError as exc:
            if dynamo.error_code(exc) == "ConditionalCheckFailedException":
                return None
            raise
        return dynamo.from_item(found.get("Attributes", {}))

    def _count_held(self, name: str) -> None:
        self.db.update_item(TableName=self.table, Key=self._key(name),
                            UpdateExpression="ADD held :one",
                            ExpressionAttributeValues=dynamo.values({":one": 1}))

    def _release(self, name: str, now: int, previous: Mapping[str, Any]) -> None:
        """Give the window back after a failed publish (only if still ours)."""
        values = {":now": now, ":held": int(previous.get("held", 0))}
        if "forwarded_at" in previous:
            update = "SET forwarded_at = :previous, held = :held"
            values[":previous"] = int(previous["forwarded_at"])
        else:
            update = "REMOVE forwarded_at SET held = :held"
        try:
            self.db.update_item(TableName=self.table, Key=self._key(name),
                                UpdateExpression=update,
                                ConditionExpression="forwarded_at = :now",
                                ExpressionAttributeValues=dynamo.values(values))
        except (BotoCoreError, ClientError) as exc:  # the publish error is the one to raise
            logs.error("alarm window not released", alarm=name, error=dynamo.error_code(exc))
