"""Herald's own DynamoDB item (de)serialiser (kept off boto3 for cold start):
what an adapter writes must read back as the same plain values."""
from __future__ import annotations

from decimal import Decimal

import pytest

from chalicelib.platform import dynamo


def test_an_item_reads_back_as_written():
    values = {"id": "m-1", "attempts": 3, "sent": True, "score": 0.25,
              "events": [{"at": 1700000000, "kind": "Delivery", "ok": False}],
              "tags": {"flow": "otp", "nested": {"list": ["a", 1, [2, "b"]]}}}

    assert dynamo.from_item(dynamo.to_item(values)) == values


def test_none_attributes_are_left_out_but_kept_as_null_inside_maps():
    item = dynamo.to_item({"id": "m-1", "error": None, "detail": {"code": None}})

    assert set(item) == {"id", "detail"}
    assert dynamo.from_item(item) == {"id": "m-1", "detail": {"code": None}}


def test_numbers_are_plain_ints_where_whole_and_floats_otherwise():
    item = dynamo.to_item({"whole": Decimal("5"), "exp": Decimal("1E+2"),
                           "half": Decimal("2.5"), "big": 2**62})

    assert item["whole"] == {"N": "5"}
    plain = dynamo.from_item(item)
    assert plain == {"whole": 5, "exp": 100, "half": 2.5, "big": 2**62}
    assert isinstance(plain["exp"], int) and isinstance(plain["half"], float)


def test_wire_form_matches_dynamodb_types():
    assert dynamo.values({":s": "x", ":n": 7, ":b": False, ":l": [], ":m": {}}) == {
        ":s": {"S": "x"}, ":n": {"N": "7"}, ":b": {"BOOL": False}, ":l": {"L": []},
        ":m": {"M": {}}}


@pytest.mark.parametrize("value", [float("nan"), Decimal("Infinity"), object()])
def test_values_dynamodb_cannot_hold_are_refused_before_any_call(value):
    with pytest.raises(TypeError):
        dynamo.to_item({"bad": value})


def test_sets_written_by_other_tools_still_read():
    assert dynamo.from_item({"ss": {"SS": ["a"]}, "ns": {"NS": ["1", "1.5"]}}) == {
        "ss": {"a"}, "ns": {1, 1.5}}
