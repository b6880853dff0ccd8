"""The consumer's side of the gateway: while a mail is built for sending, each link
variable's target is recorded in the links table and the mail gets
`{public base}/l/{token}` in its place."""
from __future__ import annotations

import re
import time
from typing import Any, Callable, Mapping

from chalicelib.errors import ServiceUnavailable
from chalicelib.links import tokens
from chalicelib.links.store import Link, LinkStore

_HTTPS_BASE = re.compile(r"https://[^\s/?#@]+(?:/[^\s?#]*)?")
_LOCAL_BASE = re.compile(r"http://(?:127\.0\.0\.1|localhost)(?::\d{1,5})?")


class CannotMakeLinks(ValueError):
    """A mail with link variables that cannot get its gateway links (no seed in its queue
    message, no gateway wired): permanent, building it again fails the same way."""


class LinkIssuer:
    def __init__(self, store: LinkStore, public_base: str, local_mode: bool,
                 default_ttl_s: int, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.public_base = public_base.rstrip("/")
        self.local_mode = local_mode
        self.default_ttl_s = default_ttl_s
        self.clock = clock

    def substitute(self, message_id: str, variables: Mapping[str, Any], link_names: list[str],
                   seed: str | None, expires_at: float | None, ttl_s: int | None = None,
                   single_use: bool = False) -> dict[str, Any]:
        """`variables` with each link variable's target replaced by its gateway URL, the
        links recorded first (the same tokens on a retry: recorded once)."""
        present = [name for name in link_names if variables.get(name)]
        if not present:
            return dict(variables)
        if not seed:
            raise CannotMakeLinks("the mail has link variables but no link seed")
        base = self._base()
        ends = int(expires_at if expires_at else self.clock() + (ttl_s or self.default_ttl_s))
        replaced = dict(variables)
        for name in present:
            token = tokens.token_for(seed, message_id, name)
            self.store.put(Link(digest=tokens.token_digest(token) or "", message_id=message_id,
                                variable=name, target=str(variables[name]), expires_at=ends,
                                single_use=single_use))
            replaced[name] = f"{base}/l/{token}"
        return replaced

    def _base(self) -> str:
        """The public base, https (http://127.0.0.1 or localhost in the local stack); the
        mail waits (retried) while it is not configured: never a link to nowhere."""
        base = self.public_base
        if _HTTPS_BASE.fullmatch(base) or (self.local_mode and _LOCAL_BASE.fullmatch(base)):
            return base
        raise ServiceUnavailable("HERALD_PUBLIC_BASE_URL is not an https URL (the stage's API "
                                 "URL or custom domain); mail with links waits for it",
                                 code="public_base_missing")
