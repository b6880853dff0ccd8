"""The mixed fault load of the soak runs: every fault kind at every AWS call
Herald makes, at rates that make each path happen many times in 10,000 mails."""
from __future__ import annotations

from .harness import Traffic
from .injector import Rule, puts_into, sets_status


def mixed_rules(message_log_table: str, scale: float = 1.0) -> list[Rule]:
    """Faults per call; `scale` multiplies every probability."""
    def p(value: float) -> float:
        return min(1.0, value * scale)

    return [
        # the process dies at the points that matter
        Rule("crash", "dynamodb.*", process="api", when=puts_into(message_log_table),
             probability=p(0.01)),
        Rule("crash", "dynamodb.*", process="consumer", when=sets_status("sending"),
             probability=p(0.005)),
        Rule("crash", "sesv2.SendEmail", process="consumer", probability=p(0.005)),
        # lost answers after the call took effect (the SDK resends)
        Rule("lost_response", "dynamodb.TransactWriteItems", probability=p(0.01)),
        Rule("lost_response", "dynamodb.UpdateItem", probability=p(0.01)),
        Rule("lost_response", "sesv2.SendEmail", probability=p(0.01)),
        Rule("lost_response", "sqs.SendMessage", probability=p(0.005)),
        # a slow SES call now and then (beyond a lease)
        Rule("slow", "sesv2.SendEmail", probability=p(0.001), seconds=5.0),
        # throttling, 5xx and connection errors everywhere
        Rule("throttle", "*", probability=p(0.01)),
        Rule("error", "*", probability=p(0.005)),
        Rule("connect", "*", probability=p(0.003)),
    ]


def mixed_traffic(consumers: int = 3) -> Traffic:
    return Traffic(consumers=consumers, duplicate_delivery=0.01, send_event_drop=0.02,
                   send_event_delay_s=0.3)
