"""A template's variables as JSON Schema: types from samples, secrets marked."""
from __future__ import annotations

from chalicelib.templating.model import parse_template
from chalicelib.templating.schema import json_type, variables_schema


def test_types_come_from_samples_with_booleans_apart_from_integers():
    assert [json_type(v) for v in (True, 3, 2.5, "x", [1], {"a": 1}, None)] == [
        "boolean", "integer", "number", "string", "array", "object", None]


def test_required_secret_and_defaulted_variables():
    doc = parse_template("demo", {
        "subject": "Hi", "html": "<p>{{ code }} {{ count }} {{ vip }} {{ note }}</p>",
        "variables": {"code": {"required": True, "secret": True, "sample": "123456"},
                      "count": {"required": True, "sample": 3},
                      "vip": {"required": False, "sample": False},
                      "note": {"required": True, "default": "none"}}})
    schema = variables_schema(doc, "v1")
    assert schema["required"] == ["code", "count"]  # `note` has a default
    assert schema["additionalProperties"] is False
    assert schema["properties"]["code"] == {"type": "string", "writeOnly": True,
                                            "x-herald-secret": True}
    assert schema["properties"]["count"] == {"type": "integer", "examples": [3]}
    assert schema["properties"]["vip"]["type"] == "boolean"
    assert schema["properties"]["note"]["default"] == "none"
    assert schema["$id"] == "herald:template:demo:v1"
