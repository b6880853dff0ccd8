"""Routes that exist only in the local stack (never registered in a deployed stage)."""
from __future__ import annotations

from typing import Any

from chalice import Blueprint


def make_blueprint(mailbox: Any, info: dict[str, Any], sms_inbox: Any) -> Blueprint:
    local = Blueprint(__name__)

    @local.route("/_local/sms")
    def local_sms() -> dict[str, Any]:
        """What the emulated SNS texted, newest first."""
        return {"sms": sms_inbox.newest_first()}

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
            accepted = invoke_sender(local.current_request.json_body or {}, get_settings(),
                                     herald.cognito_email_sender)
        except HeraldError as error:  # a bad body, or the handler's refusal as Cognito sees it
            return error_response(error)
        return {"accepted": accepted}

    return local
