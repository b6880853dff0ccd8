"""The few HTML pages Herald serves to the people it mails (unsubscribe, preferences;
the link gateway's pages, chalicelib/api/link_pages.py, use the same frame).

Every value is escaped by markupsafe; the pages load nothing from elsewhere, and a
strict Content-Security-Policy allows only their own inline style (by its hash)
and forms posting back to Herald. They work at 320 px and with a screen reader:
one heading, labelled controls, a real button. The token stays in the path only:
no referrer is sent, and nothing is cached or indexed.
"""
from __future__ import annotations

import base64
import hashlib
from typing import Callable

from chalice import Response
from markupsafe import Markup

from chalicelib.api.errors import status_of
from chalicelib.errors import Gone, HeraldError, NotFound
from chalicelib.unsubscribe.self_service import Offer, Toggle

_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:1rem;color:#1a1a1a;"
    "background:#fafafa}main{max-width:32rem;margin:2rem auto;background:#fff;"
    "padding:1.5rem;border-radius:8px;border:1px solid #ddd}h1{font-size:1.4rem;"
    "margin-top:0}button{font:inherit;padding:.6rem 1.2rem;border:0;border-radius:6px;"
    "background:#1f5fbf;color:#fff;cursor:pointer;min-height:44px}button:focus{outline:3px "
    "solid #f2b600;outline-offset:2px}fieldset{border:1px solid #ddd;border-radius:6px;"
    "margin:0 0 1rem}label{display:inline-flex;align-items:center;gap:.4rem;min-height:44px;"
    "margin-right:1rem}input{width:1.2rem;height:1.2rem}p.note{color:#444}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": (f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; "
                                "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex",
}
_CHANNEL_NAMES = {"email": "Email", "sms": "Text message (SMS)"}


def page(title: str, content: Markup, status: int = 200) -> Response:
    """`content` under one heading, in the pages' frame, style and headers."""
    html = Markup(
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        "<title>{title}</title><style>{style}</style></head>"
        "<body><main><h1>{title}</h1>{content}</main></body></html>"
    ).format(title=title, style=Markup(_STYLE), content=content)
    return Response(body=str(html), status_code=status, headers=dict(HEADERS))


def _preferences_link(offer: Offer) -> Markup:
    return Markup('<p class="note"><a href="../preferences/{token}">Choose which '
                  "notifications you get</a></p>").format(token=offer.preferences_token)


def unsubscribe_offer(offer: Offer) -> Response:
    """GET /u/{token}: what will be turned off, and the button that does it."""
    content = Markup(
        "<p>Stop receiving <strong>{what}</strong> by email?</p>"
        '<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">'
        "<button type=\"submit\">Unsubscribe</button></form>{more}"
    ).format(what=offer.description, more=_preferences_link(offer))
    return page("Unsubscribe", content)


def unsubscribed(offer: Offer) -> Response:
    """POST /u/{token}: done."""
    content = Markup("<p role=\"status\">You will no longer receive <strong>{what}</strong> "
                     "by email.</p>{more}").format(what=offer.description,
                                                   more=_preferences_link(offer))
    return page("You are unsubscribed", content)


def preferences(toggles: list[Toggle], saved: bool = False) -> Response:
    """GET and POST /preferences/{token}: a box per notification type and channel."""
    if not toggles:
        return page("Your notifications",
                     Markup("<p>There are no notifications to choose from.</p>"))
    fieldsets = Markup("").join(
        Markup("<fieldset><legend>{what}</legend>{boxes}</fieldset>").format(
            what=toggle.description,
            boxes=Markup("").join(
                Markup('<label><input type="checkbox" name="{name}"{checked}> {channel}'
                       "</label>").format(name=f"{toggle.notification_type}:{channel}",
                                          checked=Markup(" checked") if on else "",
                                          channel=_CHANNEL_NAMES.get(channel, channel))
                for channel, on in toggle.channels.items()))
        for toggle in toggles)
    status = Markup('<p role="status">Your choices are saved.</p>') if saved else ""
    content = Markup(
        '{status}<form method="post">{fieldsets}<button type="submit">Save</button></form>'
        '<p class="note">Security mail (sign-in codes, password resets) is always sent.</p>'
    ).format(status=status, fieldsets=fieldsets)
    return page("Your notifications", content)


def error_page(error: HeraldError) -> Response:
    """A clear page for a link that cannot be used (tampered 400, unknown 404, expired 410)."""
    titles = {NotFound: "Nothing to change here", Gone: "This link has expired"}
    title = next((text for kind, text in titles.items() if isinstance(error, kind)),
                 "This link does not work")
    status = status_of(error)
    message = (error.message[:1].upper() + error.message[1:] if status < 500
               else "This could not be done just now; please try again in a few minutes")
    content = Markup("<p>{message}.</p><p class=\"note\">Nothing was changed.</p>").format(
        message=message)
    return page(title, content, status)


def page_or_error(build: Callable[[], Response]) -> Response:
    """The page `build` makes, or the error page of the HeraldError it raised."""
    try:
        return build()
    except HeraldError as error:
        return error_page(error)
