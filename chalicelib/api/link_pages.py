"""The pages of the scanner-safe link gateway (`/l/{token}`), in the frame and under
the headers of Herald's other pages (chalicelib/api/pages.py: strict CSP that allows
no script, no-store, no-referrer, noindex).

A page never moves the browser by itself: no `Location`, no meta refresh, no
script. The one way on is the form's button, a POST, which mail scanners do not
send; the 303 it gets sends no referrer either (the token is in the path).
"""
from __future__ import annotations

from chalice import Response
from markupsafe import Markup

from chalicelib.api.pages import HEADERS, page
from chalicelib.links.outcomes import EXPIRED, GONE_TO, OFFER, USED, Outcome

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
_REDIRECT_HEADERS = {name: HEADERS[name] for name in ("Cache-Control", "Referrer-Policy")}


def link_response(outcome: Outcome) -> Response:
    """The page for a view, the 303 for a follow, or the page saying why not."""
    if outcome.kind == OFFER:
        return page("Continue to sign in", _OFFER)
    if outcome.kind == GONE_TO and outcome.target:
        return Response(body="", status_code=303,
                        headers={"Location": outcome.target, **_REDIRECT_HEADERS})
    status, title, text = _DEAD_ENDS.get(outcome.kind, _UNKNOWN)
    return page(title, Markup("<p>{text}</p>").format(text=text), status)
