"""Routes that exist only in the local stack (never registered in a deployed stage)."""
from __future__ import annotations

from typing import Any

from chalice import Blueprint


def make_blueprint(mailbox: Any, info: dict[str, Any]) -> Blueprint:
    local = Blueprint(__name__)

    @local.route("/_local/mail")
    def local_mail() -> dict[str, Any]:
        return {"mail": mailbox.newest_first()}

    @local.route("/_local/info")
    def local_info() -> dict[str, Any]:
        return dict(info)

    return local
