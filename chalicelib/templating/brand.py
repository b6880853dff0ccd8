"""The stage's brand (product name, support address, logo URL) as template variables.

One source for every render: preview, test send and real sends all get these
values from the stage's settings (`HERALD_BRAND_NAME`, `HERALD_SUPPORT_EMAIL`,
`HERALD_LOGO_URL`), never from a template's sample or default, so what staff
preview is what users receive. A send that passes one of these variables itself
still wins (a multi-product caller may name its product per mail).
"""
from __future__ import annotations

from typing import Mapping

from chalicelib.platform.settings import Settings

# template variable -> the Settings field holding the stage's value
BRAND_FIELDS = {"product_name": "brand_name", "support_email": "support_email",
                "logo_url": "logo_url"}


def brand_variables(settings: Settings) -> Mapping[str, str]:
    """The stage's brand values by variable name; an empty value means "none" (the
    starter layout then leaves out the support line or the logo)."""
    return {variable: getattr(settings, field) for variable, field in BRAND_FIELDS.items()}
