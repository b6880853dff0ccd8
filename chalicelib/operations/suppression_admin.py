"""The suppression-list routes: request checks in front of the list adapter.

Addresses in paths are parsed to their normal form, so an entry added as
`Ana@Example.COM` is found, and removed, as `ana@example.com`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from chalicelib.addresses import Address, parse_address
from chalicelib.errors import BadRequest, NotFound
from chalicelib.platform import paging

if TYPE_CHECKING:  # named for type checkers; wiring builds it with the list
    from chalicelib.records.suppression import SuppressionList

_DEFAULT_LIMIT = 100
_MAX_LIMIT = 1000
_MAX_REASON = 200


def _address(raw: str) -> Address:
    return parse_address(unquote(raw), field="email")  # API Gateway may pass it encoded


class SuppressionAdmin:
    def __init__(self, suppressions: SuppressionList) -> None:
        self.suppressions = suppressions

    def list_page(self, limit: str | None, cursor: str | None) -> dict[str, Any]:
        """GET /suppressions: one page, and the cursor of the next (null on the last)."""
        entries, next_key = self.suppressions.page(
            paging.limit(limit, _DEFAULT_LIMIT, _MAX_LIMIT), paging.decode_cursor(cursor))
        return {"suppressions": entries,
                "next_cursor": paging.encode_cursor(next_key) if next_key else None}

    def add(self, raw_email: str, body: Any, author: str) -> dict[str, Any]:
        """PUT /suppressions/{email}: body `{"reason"?}`; adding again replaces the entry."""
        address = _address(raw_email)
        if not isinstance(body, dict):
            raise BadRequest("request body must be a JSON object", field="body")
        unknown = sorted(set(body) - {"reason"})
        if unknown:
            raise BadRequest(f"unknown field {unknown[0]!r}", field=unknown[0])
        reason = body.get("reason", "manual")
        if not isinstance(reason, str) or not 1 <= len(reason.strip()) <= _MAX_REASON:
            raise BadRequest(f"reason must be text of 1 to {_MAX_REASON} characters",
                             field="reason")
        return self.suppressions.add(address, reason.strip(), detail=f"added by {author}")

    def remove(self, raw_email: str) -> None:
        """DELETE /suppressions/{email}: 404 when the address is not on the list."""
        if not self.suppressions.remove(_address(raw_email)):
            raise NotFound("the address is not on the suppression list", field="email")
