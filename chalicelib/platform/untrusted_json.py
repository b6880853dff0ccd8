"""Parsing JSON that callers or queues hand in, bounded so it cannot harm Herald.

Used by the API (request bodies) and by the code reading queue bodies back
(DLQ views); the refusals are 400s naming the field at fault.
"""
from __future__ import annotations

import json
import re
from typing import Any

from chalicelib.errors import BadRequest, PayloadTooLarge

# Deep enough for any template or send; json.loads recurses per level and the
# renderer, redaction and response encoding walk the same structure again.
MAX_JSON_DEPTH = 32
_MAX_FIELD_CHARS = 200
# A JSON string, or one bracket: enough to measure nesting without parsing. The
# closing quote is optional so that a match never fails (a failing match would
# rescan to the end from every quote: quadratic on hostile input).
_TOKENS = re.compile(rb'"[^"\\]*(?:\\.?[^"\\]*)*"?|[\[\]{}]', re.DOTALL)
_OPENERS = frozenset(b"[{")
_QUOTE = ord('"')
# A lone surrogate can only come from a \uD800-\uDFFF escape (raw UTF-8 cannot hold one).
_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def load_request_object(raw_body: bytes, max_bytes: int, fields: set[str]) -> dict[str, Any]:
    """A request body that must be a JSON object of at most `max_bytes` with no field
    outside `fields`: 413 or 400 naming what is wrong."""
    if len(raw_body) > max_bytes:
        raise PayloadTooLarge(f"request body is larger than {max_bytes} bytes", field="body")
    body = load_json(raw_body or b"null")
    if not isinstance(body, dict):
        raise BadRequest("request body must be a JSON object", field="body")
    unknown = sorted(set(body) - fields)
    if unknown:
        raise BadRequest(f"unknown field {unknown[0]!r}", field=unknown[0])
    return body


def load_json(raw: bytes | str, max_depth: int = MAX_JSON_DEPTH,
              unicode_only: bool = True) -> Any:
    """Parse untrusted JSON into something Herald can store, enqueue and send:
    nesting is measured before parsing (json.loads raises RecursionError, not
    ValueError, on deep input), and (`unicode_only`) lone surrogates, which no
    UTF-8 encoder, hence no MIME builder, accepts, are refused. 400 naming the
    field at fault."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    _check_depth(data, max_depth)
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):
        raise BadRequest("request body is not valid JSON", field="body") from None
    if unicode_only and _ESCAPED_SURROGATE.search(data) and not _encodes(value):
        _check_text(value)
    return value


def _check_depth(data: bytes, max_depth: int) -> None:
    """Refuse JSON nested deeper than `max_depth`, naming the top-level key it is under."""
    if data.count(b"[") + data.count(b"{") <= max_depth:
        return
    depth, in_object, key = 0, False, b""
    for token in _TOKENS.finditer(data):
        first = token.group()[0]
        if first == _QUOTE:
            key = token.group() if depth == 1 else key
        elif first in _OPENERS:
            in_object = in_object or (depth == 0 and first == ord("{"))
            depth += 1
            if depth > max_depth:
                field = (_key_name(key) if in_object else None) or "body"
                raise BadRequest(f"{field} is nested deeper than {max_depth} levels",
                                 field=field)
        else:
            depth -= 1


def _key_name(token: bytes) -> str | None:
    try:
        name = json.loads(token)
    except ValueError:
        return None
    printable = name.isprintable() and not _SURROGATE.search(name)
    return name if printable and 0 < len(name) <= _MAX_FIELD_CHARS else None


def _encodes(value: Any) -> bool:
    """Whether `value` encodes as UTF-8 (one pass in C; the walk below only names the culprit)."""
    try:
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return False
    return True


def _check_text(value: Any) -> None:
    """Refuse a lone surrogate anywhere (keys too), naming the path to it."""
    pending: list[tuple[Any, str]] = [(value, "")]
    while pending:
        item, path = pending.pop()
        if isinstance(item, str) and _SURROGATE.search(item):
            raise BadRequest(f"{path or 'the request body'} is not valid Unicode text "
                             "(it holds a lone surrogate)", field=path or "body")
        if isinstance(item, dict):
            for key, child in item.items():
                if _SURROGATE.search(key):
                    raise BadRequest(f"a key in {path or 'the request body'} is not valid "
                                     "Unicode text (it holds a lone surrogate)",
                                     field=path or "body")
                pending.append((child, f"{path}.{key}"[:_MAX_FIELD_CHARS] if path else
                                key[:_MAX_FIELD_CHARS]))
        elif isinstance(item, list):
            pending.extend((child, f"{path}[{index}]"[:_MAX_FIELD_CHARS])
                           for index, child in enumerate(item))
