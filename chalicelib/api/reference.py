"""GET /openapi.json: the OpenAPI 3.1 document of the HTTP API (openapi.json beside
this file), read on the first request only, never at import: cold starts skip it."""
from __future__ import annotations

import functools
import os

from chalice import Response

DOCUMENT = os.path.join(os.path.dirname(__file__), "openapi.json")


@functools.cache
def _document_text() -> str:
    with open(DOCUMENT, encoding="utf-8") as file:
        return file.read()


def openapi_response() -> Response:
    """The document as sent (the file's text: no parse, no re-encoding)."""
    return Response(body=_document_text(), status_code=200,
                    headers={"Content-Type": "application/json",
                             "Cache-Control": "public, max-age=300"})
