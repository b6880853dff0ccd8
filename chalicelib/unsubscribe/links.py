"""The links a notification mail for a user carries: its one-click unsubscribe URL
(the List-Unsubscribe header, RFC 8058) and the user's preference page (for the
footer, as the template variables `unsubscribe_url` and `preferences_url`)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Collection

from chalicelib.errors import ServiceUnavailable
from chalicelib.messages.envelope import Audience
from chalicelib.unsubscribe.tokens import PREFERENCES, UNSUBSCRIBE, LinkSigner

# RFC 8058 wants https; the local stack serves http on loopback only
_HTTPS_BASE = re.compile(r"https://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~/-]*)?")
_LOCAL_BASE = re.compile(r"http://(?:127\.0\.0\.1|localhost)(?::[0-9]{1,5})?/?")


@dataclass(frozen=True)
class MailLinks:
    unsubscribe_url: str
    preferences_url: str

    def variables(self, declared: Collection[str]) -> dict[str, str]:
        """The links as the template variables it declares (a template opts in by
        declaring `unsubscribe_url` or `preferences_url`, not required)."""
        links = {"unsubscribe_url": self.unsubscribe_url,
                 "preferences_url": self.preferences_url}
        return {name: url for name, url in links.items() if name in declared}


class LinkMaker:
    def __init__(self, signer: LinkSigner, public_base: str, local_mode: bool) -> None:
        self.signer = signer
        self.public_base = public_base.rstrip("/")
        self.local_mode = local_mode

    def for_audience(self, audience: Audience) -> MailLinks:
        """Signed links for this user and type; ServiceUnavailable (the mail waits and is
        retried) while the public base or the key is not configured: notification mail
        is never sent without a working unsubscribe link."""
        base = self._base()
        unsubscribe = self.signer.token_for(UNSUBSCRIBE, audience.user_id,
                                       audience.notification_type)
        preferences = self.signer.token_for(PREFERENCES, audience.user_id)
        return MailLinks(f"{base}/u/{unsubscribe}", f"{base}/preferences/{preferences}")

    def _base(self) -> str:
        base = self.public_base
        if _HTTPS_BASE.fullmatch(base) or (self.local_mode and _LOCAL_BASE.fullmatch(base + "/")):
            return base
        raise ServiceUnavailable("HERALD_PUBLIC_BASE_URL is not an https URL (the stage's API "
                                 "URL or custom domain); notification mail waits for it",
                                 code="public_base_missing")
