"""The users table of the local stack, as the README shows it: insert a user with boto3
at /_local/info's endpoint and the welcome mail appears in /_local/mail."""
from __future__ import annotations

import time

import requests
from stack_process import wait_for


def _mail_to(base: str, address: str) -> list[dict]:
    mails = requests.get(f"{base}/_local/mail", timeout=5).json()["mail"]
    return [mail for mail in mails if mail["to"] == address]


def test_a_new_user_gets_one_welcome_and_an_update_none(stack):
    dynamodb, info = stack.aws("dynamodb")
    assert info["users_table"] == "herald-dev-users"
    started = time.monotonic()
    dynamodb.put_item(TableName=info["users_table"], Item={
        "user_id": {"S": "u-42"}, "email": {"S": "new.user@example.com"},
        "name": {"S": "Ana"}, "locale": {"S": "en"}})
    [mail] = wait_for(lambda: _mail_to(stack.base, "new.user@example.com"), 10,
                      "the welcome mail in /_local/mail")
    print(f"insert -> welcome in /_local/mail: {time.monotonic() - started:.1f} s")
    assert mail["subject"] == "Welcome to Herald, Ana"
    assert "https://app.example.com/getting-started" in mail["html"]
    # an update of the same user (a MODIFY) and a deletion send nothing more
    dynamodb.put_item(TableName=info["users_table"], Item={
        "user_id": {"S": "u-42"}, "email": {"S": "new.user@example.com"},
        "name": {"S": "Ana Maria"}})
    dynamodb.delete_item(TableName=info["users_table"], Key={"user_id": {"S": "u-42"}})
    dynamodb.put_item(TableName=info["users_table"], Item={
        "user_id": {"S": "u-43"}, "email": {"S": "marker@example.com"}, "name": {"S": "Bo"}})
    wait_for(lambda: _mail_to(stack.base, "marker@example.com"), 10, "the marker's welcome")
    assert len(_mail_to(stack.base, "new.user@example.com")) == 1
