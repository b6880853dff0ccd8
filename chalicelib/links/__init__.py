"""Scanner-safe links (SPEC C10): a template variable declared `"link": true` is sent
as `{public base}/l/{token}`; GET and HEAD of it show a page, only POST redirects.

tokens: the token of a mail's link and the digest the links table is keyed by;
store: the links table; issuer: the consumer's side (links made while the mail is
built); gateway: the API's side (view, follow) and the scanner hint.
"""
from chalicelib.platform.exports import exported, lazy_exports

_WHERE = exported({
    "tokens": ("new_seed", "token_for", "token_digest"),
    "store": ("Link", "LinkStore"),
    "issuer": ("LinkIssuer", "CannotMakeLinks"),
    "gateway": ("LinkGateway", "scanner_hint"),
    "outcomes": ("Outcome",),
})
__all__ = [*_WHERE]
__getattr__ = lazy_exports(__name__, _WHERE)
