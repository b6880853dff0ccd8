"""Schemathesis over the OpenAPI document against the local stack: for every
operation, generated requests (valid and invalid) never get a 5xx, and every
answer has a documented status, content type and body schema.

Bounded for `make test`: a few examples per operation, derandomized (the same
requests every run), no per-example deadline (the stack's first calls warm up).
"""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from chalicelib.api.reference import DOCUMENT

schema = schemathesis.openapi.from_path(DOCUMENT)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@schema.parametrize()
@settings(max_examples=10, derandomize=True, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case, stack):
    case.call_and_validate(base_url=stack.base, checks=CHECKS, timeout=15)
