"""Untrusted JSON (platform/untrusted_json.load_json): nesting is refused before parsing,
lone surrogates (which no MIME builder can encode) are refused naming where they are, and
both answer 400 naming the field a caller has to fix."""
from __future__ import annotations

import json

import pytest

from chalicelib.errors import BadRequest
from chalicelib.platform.untrusted_json import MAX_JSON_DEPTH, load_json


def _nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def test_nesting_up_to_the_limit_is_parsed():
    assert load_json(json.dumps({"variables": {"a": json.loads(_nested(MAX_JSON_DEPTH - 2))}}))
    assert load_json(_nested(MAX_JSON_DEPTH)) == json.loads(_nested(MAX_JSON_DEPTH))


@pytest.mark.parametrize("raw, field", [
    ('{"variables": {"a": ' + _nested(MAX_JSON_DEPTH - 1) + "}}", "variables"),
    (_nested(MAX_JSON_DEPTH + 1), "body"),
    ("[" * 200_000, "body"),  # never parsed: json.loads would raise RecursionError
    ('{"to": "a", "template": {"x": ' * 20_000, "template"),
])
def test_deeper_nesting_is_refused_naming_the_top_level_key(raw, field):
    with pytest.raises(BadRequest, match=f"{field} is nested deeper than {MAX_JSON_DEPTH}") \
            as refused:
        load_json(raw)
    assert refused.value.field == field


@pytest.mark.parametrize("raw, field", [
    ('{"variables": {"name": "a\\ud800"}}', "variables.name"),
    ('{"to": "\\udfff@example.com"}', "to"),
    ('{"variables": {"list": ["ok", "\\ud83d"]}}', "variables.list[1]"),
    ('"\\udc00"', "body"),
])
def test_a_lone_surrogate_is_refused_naming_where_it_is(raw, field):
    with pytest.raises(BadRequest, match="not valid Unicode text") as refused:
        load_json(raw)
    assert refused.value.field == field


def test_a_surrogate_in_a_key_is_refused_naming_the_object_holding_it():
    with pytest.raises(BadRequest, match="a key in variables is not valid Unicode") as refused:
        load_json('{"variables": {"\\ud800": 1}}')
    assert refused.value.field == "variables"


def test_a_surrogate_pair_is_one_ordinary_character():
    assert load_json('{"name": "\\ud83d\\ude00"}') == {"name": "😀"}


def test_surrogates_pass_where_only_json_is_asked_for():
    assert load_json('"\\ud800"', unicode_only=False) == "\ud800"


@pytest.mark.parametrize("raw", ["", "{", "{'a': 1}", b"\xff\xfe", "NaN-ish"])
def test_text_that_is_not_json_is_refused_as_the_body(raw):
    with pytest.raises(BadRequest, match="request body is not valid JSON") as refused:
        load_json(raw)
    assert refused.value.field == "body"
