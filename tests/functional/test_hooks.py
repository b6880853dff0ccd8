"""POST /hooks/{source} end to end under moto: a signed Supabase, Clerk or mapped event queues
the right starter with the right variables; a redelivery sends nothing new; a bad, stale or
unknown delivery is refused and leaves no trace; GET /hooks shows the counters."""
from __future__ import annotations

import json
import time
from pathlib import Path

import boto3
import pytest
from helpers import HOOK_SECRET, body, post_hook, put_hook_secret, put_template

from chalicelib import wiring
from tools.template_files import read_all

STARTERS = read_all(Path(__file__).resolve().parents[2] / "templates")
SIGNUP = {"user": {"email": "ana@example.com", "user_metadata": {"full_name": "Ana"}},
          "email_data": {"token": "305805", "token_hash": "pkce_7d5b7b1964cf5d38",
                         "redirect_to": "http://localhost:3000/", "email_action_type": "signup",
                         "site_url": "https://abcd.supabase.co", "token_new": "",
                         "token_hash_new": ""}}


@pytest.fixture
def hooks(client):
    for name in ("base", "confirm-signup", "email-change", "otp-code"):
        assert put_template(client, name, STARTERS[name]).status_code == 200
    for source in ("supabase", "clerk"):
        put_hook_secret(source)
    return client


def queued(aws) -> list[dict]:
    sqs = boto3.client("sqs")
    messages = sqs.receive_message(QueueUrl=aws.send_queue_url, MaxNumberOfMessages=10,
                                   VisibilityTimeout=0).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def status_rows(aws) -> list[dict]:
    return [item for item in boto3.client("dynamodb").scan(
        TableName=aws.rate_limit_table)["Items"]
        if item["counter_key"]["S"].startswith("hook-status#")]


def test_a_signed_supabase_signup_queues_the_confirmation_once(hooks, aws):
    first = post_hook(hooks, "supabase", SIGNUP, webhook_id="msg_2KWPBgLl")
    assert (first.status_code, body(first)) == (200, {})
    [mail] = queued(aws)
    assert (mail["to"], mail["template"]) == ("ana@example.com", "confirm-signup")
    assert mail["variables"] == {
        "link": "https://abcd.supabase.co/auth/v1/verify?token=pkce_7d5b7b1964cf5d38"
                "&type=signup&redirect_to=http%3A%2F%2Flocalhost%3A3000%2F",
        "code": "305805", "user_name": "Ana"}
    # Supabase retries with the same id (and a new timestamp): 200, nothing new
    again = post_hook(hooks, "supabase", SIGNUP, webhook_id="msg_2KWPBgLl",
                      at=int(time.time()) + 30)
    assert (again.status_code, body(again)) == (200, {})
    assert len(queued(aws)) == 1


def test_a_secure_email_change_mails_both_addresses(hooks, aws):
    event = {"user": {"email": "ana@example.com", "new_email": "ana.new@example.com"},
             "email_data": {**SIGNUP["email_data"], "email_action_type": "email_change",
                            "token": "111111", "token_hash": "hash-new", "token_new": "222222",
                            "token_hash_new": "hash-current"}}
    assert post_hook(hooks, "supabase", event).status_code == 200
    mails = {m["to"]: m["variables"] for m in queued(aws)}
    assert "token=hash-current" in mails["ana@example.com"]["link"]
    assert mails["ana@example.com"]["code"] == "111111"
    assert "token=hash-new" in mails["ana.new@example.com"]["link"]
    assert mails["ana.new@example.com"]["code"] == "222222"


def test_a_clerk_verification_code_signed_by_svix(hooks, aws):
    event = {"type": "email.created", "object": "event", "data": {
        "slug": "verification_code", "to_email_address": "bo@example.com",
        "data": {"otp_code": "482913", "app": {"name": "Acme"}}}}
    answer = post_hook(hooks, "clerk", event, webhook_id="msg_clerk1", prefix="svix-")
    assert answer.status_code == 200 and body(answer)["message_id"]
    [mail] = queued(aws)
    assert (mail["template"], mail["variables"]) == ("otp-code", {"code": "482913"})
    other = post_hook(hooks, "clerk", {"type": "user.created", "data": {}}, webhook_id="msg_2",
                      prefix="svix-")
    assert (other.status_code, body(other)) == (200, {})


def test_a_mapped_source_from_stage_config_answers_202_then_200(hooks, aws, monkeypatch):
    monkeypatch.setenv("HERALD_HOOK_MAPPINGS", json.dumps({"acme": {
        "to": "data.email", "template_field": "type", "templates": {"code.sent": "otp-code"},
        "variables": {"code": "data.code"}}}))
    wiring.reset()
    put_hook_secret("acme")
    event = {"type": "code.sent", "data": {"email": "cy@example.com", "code": "777777"}}
    first = post_hook(hooks, "acme", event, webhook_id="evt_1")
    assert first.status_code == 202
    again = post_hook(hooks, "acme", event, webhook_id="evt_1")
    assert (again.status_code, body(again)) == (200, body(first))
    assert [m["variables"] for m in queued(aws)] == [{"code": "777777"}]
    unmapped = post_hook(hooks, "acme", {"type": "code.sent", "data": {}}, webhook_id="evt_2")
    assert unmapped.status_code == 422
    assert body(unmapped)["error"]["field"] == "data.email"


@pytest.mark.parametrize(("source", "change", "status"), [
    ("supabase", {"secret": "whsec_" + "d3Jvbmcta2V5LW9mLTI0LWJ5dGVzISE="}, 401),
    ("supabase", {"skew": -310}, 401),
    ("supabase", {"skew": 310}, 401),
    ("nobody", {}, 404),
])
def test_bad_stale_or_unknown_deliveries_are_refused_and_leave_no_trace(hooks, aws, source,
                                                                        change, status):
    skew = change.pop("skew", None)
    if skew is not None:
        change["at"] = int(time.time()) + skew
    refused = post_hook(hooks, source, SIGNUP, **change)
    assert refused.status_code == status
    assert body(refused)["error"]["message"]
    assert queued(aws) == [] and status_rows(aws) == []


def test_a_request_without_signature_headers_is_401_in_supabases_error_shape(hooks, aws):
    refused = hooks.http.post("/hooks/supabase", body=json.dumps(SIGNUP),
                              headers={"Content-Type": "application/json"})
    assert refused.status_code == 401
    assert body(refused) == {"error": {"http_code": 401,
                                       "message": "webhook-id is missing or malformed"}}


def test_an_unmappable_supabase_event_is_422_naming_the_field_and_counted(hooks, aws, capsys):
    event = {**SIGNUP, "email_data": {**SIGNUP["email_data"], "email_action_type": "email"}}
    refused = post_hook(hooks, "supabase", event)
    assert refused.status_code == 422
    assert "email_data.email_action_type" in body(refused)["error"]["message"]
    assert queued(aws) == []
    [row] = body(hooks.http.get("/hooks"))["sources"][:1]
    assert (row["source"], row["configured"], row["events"], row["failures"]) == (
        "supabase", True, 0, 1)
    assert row["last_failure"]["reason"] == "unmappable_event (email_data.email_action_type)"
    logged = capsys.readouterr().out
    assert "hook event not mappable" in logged
    for secret in ("305805", "pkce_7d5b7b1964cf5d38", "ana@example.com"):
        assert secret not in logged


def test_an_oversized_body_is_413(hooks):
    large = {**SIGNUP, "padding": "x" * 70_000}
    assert post_hook(hooks, "supabase", large).status_code == 413


def test_secrets_never_reach_the_logs(hooks, aws, capsys):
    post_hook(hooks, "supabase", SIGNUP)
    post_hook(hooks, "supabase", SIGNUP, secret="whsec_" + "d3Jvbmcta2V5LW9mLTI0LWJ5dGVzISE=")
    logged = capsys.readouterr().out
    assert "hook delivery refused" in logged
    for secret in (HOOK_SECRET, HOOK_SECRET[6:], "305805", "pkce_7d5b7b1964cf5d38"):
        assert secret not in logged


def test_the_status_view_lists_sources_and_counts_events(hooks, aws):
    post_hook(hooks, "supabase", SIGNUP)
    post_hook(hooks, "supabase", SIGNUP)  # a replay is an event too
    sources = {row["source"]: row for row in body(hooks.http.get("/hooks"))["sources"]}
    assert sources["supabase"]["events"] == 2 and sources["supabase"]["last_event_at"]
    assert sources["clerk"] == {"source": "clerk", "kind": "builtin", "configured": True,
                                "last_event_at": None, "events": 0, "failures": 0,
                                "last_failure": None}


def test_the_status_view_is_for_staff_only(staff_client):
    assert staff_client.http.get("/hooks").status_code in (401, 403)
