"""The OpenAPI document (chalicelib/api/openapi.json) is true to the app: every
Chalice route and no other, each with the auth its route group enforces, the
request fields the parsers accept, and a valid OpenAPI 3.1 document."""
from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest
from chalice import Chalice, CognitoUserPoolAuthorizer, IAMAuthorizer
from helpers import routes
from openapi_spec_validator import validate

from chalicelib.api.reference import DOCUMENT
from chalicelib.notifications import notifier, profiles
from chalicelib.records.users import PROFILE_FIELDS
from chalicelib.sending import request, staff_send
from chalicelib.templating import manager, model
from chalicelib.webhooks import admin, events
from local_stack.local_routes import make_blueprint

METHODS = {"get", "put", "post", "delete", "head", "patch", "options"}


@pytest.fixture(scope="module")
def document() -> dict:
    return json.loads(Path(DOCUMENT).read_text(encoding="utf-8"))


def operations(document: dict) -> dict[tuple[str, str], dict]:
    return {(path, method.upper()): operation
            for path, item in document["paths"].items()
            for method, operation in item.items() if method in METHODS}


def local_routes() -> set[tuple[str, str]]:
    app = Chalice(app_name="local-routes")
    app.register_blueprint(make_blueprint(None, {}, None, threading.Event()))
    return {(path, method) for path, methods in app.routes.items() for method in methods}


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_route_is_documented_and_nothing_else(document):
    app_routes = {(path, method) for path, method, _ in routes()}
    documented = set(operations(document))
    everything = app_routes | local_routes()
    assert sorted(everything - documented) == [], "routes missing from openapi.json"
    assert sorted(documented - everything) == [], "openapi.json documents routes the app lacks"


def test_local_routes_and_only_those_are_marked_local_only(document):
    marked = {key for key, operation in operations(document).items()
              if operation.get("x-local-only")}
    assert marked == local_routes()


def test_each_operation_declares_the_auth_its_route_group_enforces(document):
    documented = operations(document)
    for path, method, entry in routes():
        operation = documented[(path, method)]
        if isinstance(entry.authorizer, IAMAuthorizer):
            assert operation["security"] == [{"sigv4": []}], (method, path)
        elif isinstance(entry.authorizer, CognitoUserPoolAuthorizer):
            assert operation["security"] == [{"cognito": []}], (method, path)
            assert sorted(operation["x-herald-groups"]) == sorted(
                entry.view_function.groups), (method, path)
        else:
            assert operation["security"] == [], (method, path)


def test_path_parameters_match_the_path_and_operation_ids_are_unique(document):
    ids = []
    for (path, method), operation in operations(document).items():
        declared = set()
        for parameter in operation.get("parameters", []):
            if "$ref" in parameter:
                parameter = document["components"]["parameters"][
                    parameter["$ref"].rsplit("/", 1)[1]]
            if parameter["in"] == "path":
                declared.add(parameter["name"])
        assert declared == set(re.findall(r"{(\w+)}", path)), (method, path)
        ids.append(operation["operationId"])
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(("schema", "fields"), [
    ("SendRequest", request._FIELDS),
    ("TemplateInput", model._FIELDS),
    ("VariableDeclaration", model._VARIABLE_FIELDS),
    ("TestSendRequest", staff_send._FIELDS),
    ("PreviewSavedRequest", manager._PREVIEW_FIELDS),
    ("PreviewDraftRequest", {"template", "variables", "locale"}),
    ("WebhookInput", admin._FIELDS),
    ("UserInput", set(PROFILE_FIELDS)),
    ("NotificationTypeInput", profiles._TYPE_FIELDS),
    ("NotificationRequest", notifier._FIELDS),
])
def test_request_schemas_name_exactly_the_fields_the_parsers_accept(document, schema, fields):
    body = document["components"]["schemas"][schema]
    assert set(body["properties"]) == set(fields)
    assert body["additionalProperties"] is False  # the parsers refuse unknown fields


def test_webhook_event_types_are_the_ones_herald_emits(document):
    assert (document["components"]["schemas"]["WebhookEventType"]["enum"]
            == list(events.EVENT_TYPES))


def test_the_error_schema_is_the_shape_herald_answers_errors_in(document):
    from jsonschema import Draft202012Validator

    from chalicelib.api.errors import error_response
    from chalicelib.errors import TemplateInvalid

    body = error_response(TemplateInvalid("unknown tag", field="html", line=3)).body
    schema = document["components"]["schemas"]["Error"]
    assert list(Draft202012Validator(schema).iter_errors(body)) == []
    assert list(Draft202012Validator(schema).iter_errors({"error": {"code": "x"}})) != []
