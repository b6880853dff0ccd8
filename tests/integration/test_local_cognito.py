"""POST /_local/cognito on the running local stack: the code is encrypted with the
local KMS key as Cognito would, the real handler decrypts it, and the mail appears."""
from __future__ import annotations

import requests
from stack_process import wait_for


def test_a_cognito_sign_up_code_arrives_in_the_local_mailbox(stack):
    base = stack.base
    event = {"triggerSource": "CustomEmailSender_SignUp", "userName": "ana",
             "code": "482913", "userAttributes": {"email": "cognito-user@example.com",
                                                  "name": "Ana"}}
    first = requests.post(f"{base}/_local/cognito", json=event, timeout=10)
    assert first.status_code == 200, first.text
    retry = requests.post(f"{base}/_local/cognito", json=event, timeout=10)  # re-encrypted
    assert retry.json()["accepted"]["message_id"] == first.json()["accepted"]["message_id"]

    def delivered():
        mails = requests.get(f"{base}/_local/mail", timeout=5).json()["mail"]
        return [m for m in mails if m["to"] == "cognito-user@example.com"]
    [mail] = wait_for(delivered, 20, "the Cognito mail in /_local/mail")
    assert "Confirm your" in mail["subject"] and "482913" in mail["text"] + mail["html"]


def test_a_body_without_a_trigger_is_refused_with_a_json_error(stack):
    refused = requests.post(f"{stack.base}/_local/cognito", json={"code": "1"}, timeout=5)
    assert refused.status_code == 400
    assert refused.json()["error"]["field"] == "triggerSource"
