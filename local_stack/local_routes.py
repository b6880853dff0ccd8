"""Routes that exist only in the local stack (never registered in a deployed stage)."""
from __future__ import annotations

import threading
from typing import Any

from chalice import Blueprint


def _json_object(request: Any) -> dict[str, Any]:
    """The request's JSON object body ({} when empty); BadRequest naming `body` for
    anything else (Chalice's own json_body answered bad JSON in its shape, and a list
    made `.get` fail with a 500)."""
    from chalicelib.api.http import json_body
    from chalicelib.errors import BadRequest

    body = json_body(request, optional=True)
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object", field="body")
    return body


def make_blueprint(mailbox: Any, info: dict[str, Any], sms_inbox: Any,
                   consumers_paused: threading.Event) -> Blueprint:
    local = Blueprint(__name__)

    @local.route("/_local/sms")
    def local_sms() -> dict[str, Any]:
        """What the emulated SNS texted, newest first."""
        return {"sms": sms_inbox.newest_first()}

    @local.route("/_local/consumer", methods=["POST"])
    def local_consumer() -> Any:
        """Pause or resume the local consumers: mail waits queued (to see expiry,
        supersede and backlogs)."""
        from chalicelib.api.errors import error_response
        from chalicelib.errors import BadRequest, HeraldError

        try:
            paused = _json_object(local.current_request).get("paused")
        except HeraldError as error:
            return error_response(error)
        if not isinstance(paused, bool):
            return error_response(BadRequest("paused must be true or false", field="paused"))
        if paused:
            consumers_paused.set()
        else:
            consumers_paused.clear()
        return {"paused": consumers_paused.is_set()}

    @local.route("/_local/mail")
    def local_mail() -> dict[str, Any]:
        return {"mail": mailbox.newest_first()}

    @local.route("/_local/info")
    def local_info() -> dict[str, Any]:
        return dict(info)

    @local.route("/_local/cognito", methods=["POST"])
    def local_cognito() -> Any:
        import app as herald
        from chalicelib.api.errors import error_response
        from chalicelib.errors import HeraldError
        from chalicelib.platform.settings import get_settings
        from local_stack.cognito import invoke_sender

        try:
            accepted = invoke_sender(_json_object(local.current_request), get_settings(),
                                     herald.cognito_email_sender)
        except HeraldError as error:  # a bad body, or the handler's refusal as Cognito sees it
            return error_response(error)
        return {"accepted": accepted}

    return local
