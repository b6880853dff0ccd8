"""Domain errors and the one place that turns them into HTTP responses."""
from __future__ import annotations

import json

import pytest

from chalicelib import errors
from chalicelib.api.errors import UnsupportedMediaType, error_response, status_of


@pytest.mark.parametrize(("error", "status"), [
    (errors.BadRequest("to is not an address", field="to"), 400),
    (UnsupportedMediaType("send JSON", field="Content-Type"), 415),
    (errors.TemplateInvalid("bad template", field="html", line=3), 400),
    (errors.Forbidden("needs editors"), 403),
    (errors.NotFound("no such template"), 404),
    (errors.Conflict("saved meanwhile"), 409),
    (errors.PayloadTooLarge("too big", field="variables"), 413),
    (errors.RenderError("undefined variable", field="variables"), 422),
    (errors.TooManyRequests("slow down", field="to", retry_after_s=30), 429),
    (errors.ServiceUnavailable("store busy", retry_after_s=1), 503),
    (errors.HeraldError("something else"), 500),
])
def test_each_kind_of_error_has_its_status_and_names_the_field(error, status):
    response = error_response(error)
    assert response.status_code == status
    sent = json.loads(json.dumps(response.body))["error"]
    assert sent["code"] == error.code and sent["message"] == error.message
    assert sent.get("field") == error.field and sent.get("line") == error.line
    if error.retry_after_s is not None:
        assert response.headers["Retry-After"] == str(error.retry_after_s)
    else:
        assert "Retry-After" not in response.headers


def test_only_limits_and_unavailable_stores_are_worth_retrying():
    retryable = {kind.__name__ for kind in vars(errors).values()
                 if isinstance(kind, type) and issubclass(kind, errors.HeraldError)
                 and kind.retryable}
    assert retryable == {"TooManyRequests", "ServiceUnavailable"}


def test_domain_errors_know_nothing_of_http():
    import chalice

    chalice_errors = tuple(kind for kind in vars(chalice).values()
                           if isinstance(kind, type) and issubclass(kind, Exception))
    assert not issubclass(errors.HeraldError, chalice_errors)
    assert status_of(errors.Unprocessable("x")) == 422
