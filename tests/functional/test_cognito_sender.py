"""The Cognito custom email sender against emulated KMS: a code encrypted by the
Encryption SDK as Cognito does is decrypted, mapped to its template and sent
once, however often Cognito retries; a tampered code fails the invocation."""
from __future__ import annotations

import os
import subprocess
import sys
from email import message_from_bytes
from pathlib import Path

import boto3
import pytest
from helpers import consume, receive_event, sent_mail

from chalicelib import wiring
from local_stack.cognito import cognito_event, encrypt_as_cognito
from local_stack.resources import create_cognito_keys
from tools.template_files import read_all

PROJECT = Path(__file__).resolve().parents[2]
CODE = "482913"


@pytest.fixture
def cognito(client, aws, monkeypatch):
    """The client, with the stage's KMS keys and the starter templates in place;
    returns (client, encrypt) where `encrypt` encrypts a code as Cognito does."""
    for name, value in create_cognito_keys(boto3.session.Session(), aws.region).items():
        monkeypatch.setenv(name, value)
    wiring.reset()
    for name, payload in read_all(PROJECT / "templates").items():
        wiring.services().templates.save(name, payload, author="templates/")
    key_arn = os.environ["HERALD_COGNITO_KEY_ARN"]
    return client, lambda code: encrypt_as_cognito(key_arn, code)


def invoke(client, encrypt, trigger="CustomEmailSender_SignUp", code=CODE, **attributes):
    body = {"triggerSource": trigger, "userName": "ana-123", "code": code,
            "userAttributes": {"email": "ana@example.com", "name": "Ana", **attributes}}
    event = cognito_event(body, wiring.services().settings, encrypt)
    return client.lambda_.invoke("cognito_email_sender", event), event


def deliver(client, aws) -> list:
    sqs = boto3.client("sqs", region_name=aws.region)
    consume(client, receive_event(sqs, aws.send_queue_url))
    return [message_from_bytes(raw.raw_data.encode()) for raw in sent_mail()]


def text_of(mail) -> str:
    return "".join(part.get_payload(decode=True).decode() for part in mail.walk()
                   if part.get_content_type() in ("text/plain", "text/html"))


def test_a_code_encrypted_as_cognito_does_arrives_in_the_mapped_template(cognito, aws):
    client, encrypt = cognito
    response, event = invoke(client, encrypt, "CustomEmailSender_ForgotPassword")
    assert event["request"]["code"].startswith("AgV4")  # the SDK's committed, signed format
    assert response.payload["status"] == "queued"
    [mail] = deliver(client, aws)
    assert mail["To"] == "ana@example.com"
    assert mail["Subject"].startswith("Your ") and "password reset code" in mail["Subject"]
    assert CODE in text_of(mail) and "Hi Ana," in text_of(mail)


def test_cognito_retrying_with_the_code_re_encrypted_sends_one_mail(cognito, aws):
    client, encrypt = cognito
    first, event_one = invoke(client, encrypt)
    retry, event_two = invoke(client, encrypt)
    assert event_one["request"]["code"] != event_two["request"]["code"]
    assert retry.payload["message_id"] == first.payload["message_id"]
    assert retry.payload["replayed"] is True
    assert len(deliver(client, aws)) == 1


def test_a_tampered_code_fails_the_invocation_and_the_log_holds_neither_code(cognito, capsys):
    client, encrypt = cognito
    ciphertext = encrypt(CODE)
    tampered = ciphertext[:100] + ("A" if ciphertext[100] != "A" else "B") + ciphertext[101:]
    body = {"triggerSource": "CustomEmailSender_SignUp", "code": "x",
            "userAttributes": {"email": "ana@example.com"}}
    event = cognito_event(body, wiring.services().settings, lambda _code: tampered)
    with pytest.raises(Exception, match="could not be decrypted"):
        client.lambda_.invoke("cognito_email_sender", event)
    out = capsys.readouterr().out
    assert "cognito code not decrypted" in out
    assert tampered[:40] not in out and CODE not in out
    assert sent_mail() == []


def test_the_api_import_path_loads_no_encryption_sdk():
    script = ("import sys, app; app.app; "
              "print(sorted(m for m in sys.modules "
              "if m.split('.')[0] in ('aws_encryption_sdk', 'cryptography')))")
    loaded = subprocess.run([sys.executable, "-c", script], cwd=PROJECT, capture_output=True,
                            text=True, check=True).stdout.strip()
    assert loaded == "[]"
