"""The notifications topic: a queue message published once per channel, with a
`channel` message attribute the topic's subscriptions filter on, so SNS puts
it in that channel's queue (raw delivery: the SQS body is the message)."""
from __future__ import annotations

from typing import Any

CHANNEL_ATTRIBUTE = "channel"


class ChannelTopic:
    def __init__(self, sns: Any, topic_arn: str) -> None:
        self.sns = sns
        self.topic_arn = topic_arn

    def publish(self, message_id: str, body: str, channel: str) -> str:
        """Publish one encoded queue message for `channel`; returns SNS's message id.
        (`message_id` is Herald's, already inside `body`: the accept path's dispatch
        hands it to every dispatcher.)"""
        return self.sns.publish(TopicArn=self.topic_arn, Message=body, MessageAttributes={
            CHANNEL_ATTRIBUTE: {"DataType": "String", "StringValue": channel}})["MessageId"]
