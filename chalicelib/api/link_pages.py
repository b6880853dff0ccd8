"""The pages of the scanner-safe link gateway (`/l/{token}`).

A page never moves the browser by itself: no `Location`, no meta refresh, no
script at all (the CSP allows none). The one way on is the form's button, a
POST, which mail scanners do not send. Nothing is cached, no referrer leaves
(the token is in the path), robots are asked not to index, and the page works
with a screen reader and at 320 px: one heading, a real button.
"""
from __future__ import annotations

import base64
import hashlib

from chalice import Response
from markupsafe import Markup

from chalicelib.links.outcomes import EXPIRED, GONE_TO, OFFER, USED, Outcome

_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:1rem;color:#1a1a1a;"
    "background:#fafafa}main{max-width:32rem;margin:2rem auto;background:#fff;"
    "padding:1.5rem;border-radius:8px;border:1px solid #ddd}h1{font-size:1.4rem;margin-top:0}"
    "button{font:inherit;padding:.6rem 1.2rem;border:0;border-radius:6px;background:#1d4ed8;"
    "color:#fff;cursor:pointer;min-height:44px}button:focus{outline:3px solid #f2b600;"
    "outline-offset:2px}p.note{color:#444}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": (f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; "
                                "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
}
_OFFER = Markup(
    "<p>Press the button to continue. This extra step keeps mail security scanners, "
    "which open every link in a mail, from using your link before you do.</p>"
    '<form method="post"><button type="submit">Continue to sign in</button></form>'
    '<p class="note">If you did not ask for this mail, close this page: nothing happens '
    "until you press the button.</p>")
# why there is no way on -> (status, title, explanation)
_DEAD_ENDS = {
    EXPIRED: (410, "This link has expired",
              "Links in sign-in mail work for a short time only. Ask for a new mail."),
    USED: (410, "This link was already used",
           "It works once. If it was not you who used it, ask for a new mail; the code "
           "in the mail may still work."),
}
_UNKNOWN = (404, "This link does not work",
            "It is not a link Herald made, or it was copied incompletely. Ask for a new mail.")


def _page(title: str, content: Markup, status: int) -> Response:
    html = Markup(
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="robots" content="noindex,nofollow">'
        "<title>{title}</title><style>{style}</style></head>"
        "<body><main><h1>{title}</h1>{content}</main></body></html>"
    ).format(title=title, style=Markup(_STYLE), content=content)
    return Response(body=str(html), status_code=status, headers=dict(HEADERS))


def link_response(outcome: Outcome) -> Response:
    """The page for a view, the 303 for a follow, or the page saying why not."""
    if outcome.kind == OFFER:
        return _page("Continue to sign in", _OFFER, 200)
    if outcome.kind == GONE_TO and outcome.target:
        return Response(body="", status_code=303,
                        headers={"Location": outcome.target, "Cache-Control": "no-store",
                                 "Referrer-Policy": "no-referrer"})
    status, title, text = _DEAD_ENDS.get(outcome.kind, _UNKNOWN)
    return _page(title, Markup("<p>{text}</p>").format(text=text), status)
