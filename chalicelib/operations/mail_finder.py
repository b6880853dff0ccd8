"""Find any mail (GET /messages, GET /messages/{id}): by recipient, recent activity by
status, and one mail as it was sent.

A mail is re-rendered from the template versions its log entry pinned, with the
variables the log kept: secret ones were stored as `[redacted]` (their values are
never kept anywhere), and a variable the consumer added at send time (an
unsubscribe link) shows as `[redacted]` too. So the lookup shows what the mail
looked like, never a code or a link it carried.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.addresses import parse_address, parse_phone
from chalicelib.errors import BadRequest, HeraldError
from chalicelib.platform import logs, paging
from chalicelib.platform.redaction import REDACTED
from chalicelib.records import states
from chalicelib.records.message_log import MessageLog, public_view
from chalicelib.records.message_search import MessageSearch, decode_start, encode_start

if TYPE_CHECKING:  # wiring builds it
    from chalicelib.templating.cache import TemplateCache

_DEFAULT_LIMIT = 25
_MAX_LIMIT = 100
STATUSES = tuple(sorted(states.MOVES))


def recipient_key(raw: str) -> str:
    """`?to=` as the log keys it: an address (Address.key) or an E.164 number; 400 naming
    `to` otherwise."""
    text = unquote(raw).strip()  # API Gateway may pass it encoded
    return parse_phone(text).key if text.startswith("+") else parse_address(text).key


class MailFinder:
    def __init__(self, search: MessageSearch, log: MessageLog, cache: TemplateCache) -> None:
        self.search = search
        self.log = log
        self.cache = cache

    def list_page(self, to: str | None, status: str | None, limit: str | None,
                  cursor: str | None) -> dict[str, Any]:
        """GET /messages[?to=|?status=]: one page, newest first, and the next page's cursor.

        A status needing attention reads its sparse index; an ordinary one (most mail
        is in it) filters the recent-activity walk, whose page may be short, even
        empty, with a cursor to go on (message_search.py says why)."""
        size = paging.limit(limit, _DEFAULT_LIMIT, _MAX_LIMIT)
        if status is not None and status not in STATUSES:
            raise BadRequest(f"status must be one of {', '.join(STATUSES)}", field="status")
        if to is not None and status is not None:
            raise BadRequest("filter by to or by status, not both", field="status")
        start = decode_start(paging.decode_cursor(cursor))
        if to is not None:
            rows, after = self.search.by_recipient(recipient_key(to), size, start)
        elif status in states.ATTENTION:
            rows, after = self.search.needing_attention(status, size, start)
        else:
            rows, after = self.search.recent(size, start, status)
        text = encode_start(after)
        return {"messages": rows, "next_cursor": paging.encode_cursor(text) if text else None}

    def look_up(self, message_id: str) -> dict[str, Any]:
        """GET /messages/{id}: the log entry's view and the mail as it was sent."""
        entry = self.log.entry(message_id)
        return {**public_view(entry), "rendered": self.rendered(entry)}

    def rendered(self, entry: dict[str, Any]) -> dict[str, Any]:
        """The pinned versions rendered with the kept variables; `{"error"}` when they
        cannot be (a version gone, a render that needs a value the log does not keep)."""
        try:
            compiled = self.cache.pinned(entry["template"], entry["template_version"],
                                         entry.get("pins"))
            kept = json.loads(entry.get("variables") or "{}")
            not_kept = {name: REDACTED for name, declared in compiled.variables.items()
                        if name not in kept and declared.required and declared.default is None}
            mail = compiled.preview({**not_kept, **kept}, entry.get("locale"))
        except HeraldError as exc:
            return {"error": exc.message, "pins": entry.get("pins")}
        except (ClientError, BotoCoreError) as exc:
            logs.warning("could not re-render a logged mail", exc_info=True)
            return {"error": f"the template could not be read ({type(exc).__name__})",
                    "pins": entry.get("pins")}
        return {**mail.to_dict(), "pins": compiled.pins}
