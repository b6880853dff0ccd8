"""A template's variables as a JSON Schema (2020-12), so callers can check their
payloads in their own CI before Herald ever sees them.

Types come from each variable's sample (or default); a variable without either
accepts any JSON value. Secret variables are marked (`writeOnly`, and Herald's
`x-herald-secret`) and never carry their sample as an example.
"""
from __future__ import annotations

from typing import Any

from chalicelib.templating.model import TemplateDoc, Variable

DIALECT = "https://json-schema.org/draft/2020-12/schema"
_JSON_TYPES: tuple[tuple[type, str], ...] = (
    (bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"),
    (list, "array"), (dict, "object"))


def json_type(value: Any) -> str | None:
    """The JSON Schema type of a sample value (bool before int: True is an int)."""
    return next((name for kind, name in _JSON_TYPES if isinstance(value, kind)), None)


def _property(variable: Variable) -> dict[str, Any]:
    prop: dict[str, Any] = {}
    example = variable.sample if variable.sample is not None else variable.default
    kind = json_type(example)
    if kind == "integer":
        kind = "number" if isinstance(variable.default, float) else kind
    if kind:
        prop["type"] = kind
    if variable.description:
        prop["description"] = variable.description
    if variable.default is not None:
        prop["default"] = variable.default
    if variable.secret:
        prop["writeOnly"] = True
        prop["x-herald-secret"] = True
    elif variable.sample is not None:
        prop["examples"] = [variable.sample]
    return prop


def variables_schema(doc: TemplateDoc, version_id: str) -> dict[str, Any]:
    """The schema of `variables` in a send of this template version."""
    required = sorted(name for name, variable in doc.variables.items()
                      if variable.required and variable.default is None)
    return {"$schema": DIALECT, "$id": f"herald:template:{doc.name}:{version_id}",
            "title": f"variables of {doc.name}", "type": "object",
            "properties": {name: _property(variable)
                           for name, variable in sorted(doc.variables.items())},
            "required": required, "additionalProperties": False}
