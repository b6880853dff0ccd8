"""Hostile input without the API (issue 12, items 4 and 7): stored sizes against the real
limits, the DLQ view of odd bodies, and group claims that try to pose as another group.
tests/functional/test_hostile_input.py sends the same classes through the API."""
from __future__ import annotations

import json

import pytest
from helpers import herald_send_body as _herald_body

from chalicelib.api import auth
from chalicelib.errors import PayloadTooLarge
from chalicelib.messages.envelope import encode
from chalicelib.operations.dlq_view import dlq_view
from chalicelib.sending.request import SQS_MESSAGE_LIMIT, check_stored_sizes, queued_bytes


def test_stored_sizes_are_checked_against_the_real_limits():
    small = {"message_id": "m", "variables": {"name": "Bo"}}
    check_stored_sizes(encode(small), {**small, "variables": json.dumps(small["variables"])})
    over_sqs = {"variables": {"name": "é" * (SQS_MESSAGE_LIMIT // 6)}}
    assert queued_bytes(over_sqs) > SQS_MESSAGE_LIMIT
    with pytest.raises(PayloadTooLarge) as refused:
        check_stored_sizes(encode(over_sqs), small)
    assert refused.value.field == "variables"
    with pytest.raises(PayloadTooLarge):
        check_stored_sizes(encode(small), {"variables": "x" * (390 * 1024)})  # 400 KB


@pytest.mark.parametrize("attributes", [
    {"SentTimestamp": "not a number"},
    {"SentTimestamp": "9" * 5000},
    {"ApproximateReceiveCount": "many"},
])
def test_dlq_view_of_odd_sqs_attributes_is_unreadable(attributes):
    view = dlq_view({"MessageId": "q-1", "Body": _herald_body(), "Attributes": attributes})
    assert view["error"] and view["id"] == "q-1" and "SECRET" not in json.dumps(view)


def test_dlq_view_shows_a_poison_send_with_a_surrogate():
    view = dlq_view({"MessageId": "q-1", "Body": _herald_body(to="\\ud800@example.com"),
                     "Attributes": {"SentTimestamp": "1700000000000"}})
    assert view["message_id"] == "m-odd" and view["sent_at"].startswith("2023-11-14T")


class _Claims:
    def __init__(self, groups) -> None:
        self.context = {"authorizer": {"claims": {"cognito:groups": groups}}}


@pytest.mark.parametrize("claim, groups", [
    ("x,operators", {"x,operators"}),
    ("[x,operators]", {"x,operators"}),
    ('["x,operators"]', {"x,operators"}),
    ("[x,operators editors]", {"x,operators", "editors"}),
    ("x,operators,editors", {"x,operators,editors"}),
    ("[editors, operators]", {"editors", "operators"}),
    ('["editors","operators"]', {"editors", "operators"}),
    ("[editors,, operators]", {"editors,", "operators"}),
    ('["broken', set()),
    ('{"a": 1}', {'{"a":', "1}"}),
])
def test_group_claim_cannot_pose_as_another_group(claim, groups):
    assert auth.groups_of(_Claims(claim)) == groups
