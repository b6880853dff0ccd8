"""Channel preferences: one item per user and notification type (the seed's
record), each channel's state a boolean attribute named after the channel
(`email`, `sms`), stamped with who changed it and when.

Only overrides are stored: a channel without a state here takes its
notification type's default. The key starts with `user_id`, so an IAM policy
can let a signed-in user reach their own items alone (`dynamodb:LeadingKeys`,
README "Notifications").
"""
from __future__ import annotations

import time
from typing import Any, Callable, Mapping

from chalicelib.platform import dynamo
from chalicelib.platform.clock import iso_time


class PreferenceStore:
    def __init__(self, dynamodb: Any, table: str, clock: Callable[[], float] = time.time) -> None:
        self.db = dynamodb
        self.table = table
        self.clock = clock

    def items(self, user_id: str) -> list[dict[str, Any]]:
        """Every stored item of `user_id`: `notification_type`, channel states and stamps."""
        args: dict[str, Any] = {
            "TableName": self.table, "ConsistentRead": True,
            "KeyConditionExpression": "user_id = :user",
            "ExpressionAttributeValues": dynamo.values({":user": user_id})}
        found = []
        while True:
            response = self.db.query(**args)
            found += [dynamo.from_item(item) for item in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                return found
            args["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def get_all(self, user_id: str) -> dict[str, dict[str, bool]]:
        """The stored overrides: notification type -> channel -> on/off."""
        return {item["notification_type"]: channel_states(item) for item in self.items(user_id)}

    def set_channel(self, user_id: str, notification_type: str, channel: str, enabled: bool,
                    author: str) -> None:
        """Turn one channel of one notification type on or off for `user_id`."""
        self._update(user_id, notification_type, {channel: enabled}, author)

    def put_all(self, user_id: str, preferences: Mapping[str, Mapping[str, bool]],
                author: str) -> None:
        """Store the channel states given; types and channels not named stay as they are."""
        for notification_type, channels in preferences.items():
            if channels:
                self._update(user_id, notification_type, channels, author)

    def _update(self, user_id: str, notification_type: str, channels: Mapping[str, bool],
                author: str) -> None:
        values = {**channels, "updated_at": iso_time(self.clock()), "updated_by": author}
        names = {f"#a{n}": name for n, name in enumerate(values)}
        self.db.update_item(
            TableName=self.table,
            Key=dynamo.to_item({"user_id": user_id, "notification_type": notification_type}),
            UpdateExpression="SET " + ", ".join(f"#a{n} = :a{n}" for n in range(len(values))),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=dynamo.values(
                {f":a{n}": value for n, value in enumerate(values.values())}))


def channel_states(item: Mapping[str, Any]) -> dict[str, bool]:
    """The channel states of one stored item (its boolean attributes)."""
    return {name: value for name, value in item.items() if isinstance(value, bool)}
