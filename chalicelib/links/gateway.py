"""The API's side of the gateway: what GET, HEAD and POST of `/l/{token}` do.

Mail scanners (Defender Safe Links, Mimecast, Proofpoint) fetch every link of a
mail before its reader does, with GET and HEAD. So a view changes nothing but
the message log (a `link_viewed` event, with a hint when the client looks like
a scanner); only a POST, which a scanner does not send and a person's click on
the page's button does, follows the link (`link_followed`) and says where to go.
"""
from __future__ import annotations

import re
import time
from typing import Callable

from chalicelib.links.outcomes import EXPIRED, GONE_TO, OFFER, UNKNOWN, USED, Outcome
from chalicelib.links.store import FOLLOWED, Link, LinkStore
from chalicelib.links.tokens import token_digest
from chalicelib.platform import logs
from chalicelib.records.message_log import MessageLog

# User-Agent words of link scanners, preview fetchers and scripted clients
_SCANNER_WORDS = re.compile(
    r"safelinks|safe links|defender|microsoft office|ms-office|mimecast|proofpoint|barracuda|"
    r"symantec|trend ?micro|forcepoint|cisco|ironport|fireeye|sophos|bingpreview|preview|"
    r"bot\b|crawler|spider|scan|headless|python-|curl/|wget/|go-http-client|java/|"
    r"okhttp|libwww|httpclient", re.IGNORECASE)


def scanner_hint(method: str, user_agent: str | None) -> str | None:
    """Why this request looks like a scanner rather than a person, or None."""
    if method == "HEAD":
        return "HEAD request (link checkers probe with HEAD; browsers do not)"
    if not (user_agent or "").strip():
        return "no User-Agent"
    found = _SCANNER_WORDS.search(user_agent or "")
    if found:
        return f"User-Agent mentions {found.group(0).strip().lower()!r}"
    return None


class LinkGateway:
    def __init__(self, store: LinkStore, log: MessageLog,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.log = log
        self.clock = clock

    def view(self, token: str, method: str, user_agent: str | None) -> Outcome:
        """GET or HEAD: the page, recorded as a view; nothing else changes."""
        digest = token_digest(token)
        link = self.store.get(digest) if digest else None
        if link is None:
            return Outcome(UNKNOWN)
        if link.expires_at <= self.clock():
            return Outcome(EXPIRED)
        if link.single_use and link.state == FOLLOWED:
            return Outcome(USED)
        extra = {"variable": link.variable}
        hint = scanner_hint(method, user_agent)
        if hint:
            extra["scanner_hint"] = hint
        self._record(link, "link_viewed", f"link {link.variable!r} viewed ({method})", extra)
        return Outcome(OFFER)

    def follow(self, token: str) -> Outcome:
        """POST: the redirect to the target, recorded as a follow (once, when single-use)."""
        digest = token_digest(token)
        if digest is None:
            return Outcome(UNKNOWN)
        found = self.store.follow(digest)
        if isinstance(found, str):
            return Outcome(found)
        self._record(found, "link_followed", f"link {found.variable!r} followed",
                     {"variable": found.variable})
        return Outcome(GONE_TO, found.target)

    def _record(self, link: Link, event: str, detail: str, extra: dict[str, str]) -> None:
        """Append the event at the mail's current status (a note: never a status move);
        best effort, the page is answered either way."""
        with logs.bind(message_id=link.message_id):
            try:
                for _ in range(2):  # the status moved between the read and the write: once more
                    entry = self.log.get(link.message_id)
                    if entry is None or self.log.note(link.message_id, entry["status"], detail,
                                                      event=event, extra=extra):
                        break
                logs.info(event.replace("_", " "), variable=link.variable,
                          scanner_hint=extra.get("scanner_hint"))
            except Exception:  # noqa: BLE001 - the visitor still gets the page
                logs.warning(f"{event} not recorded in the message log", exc_info=True)

