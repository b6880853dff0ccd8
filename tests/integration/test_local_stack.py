"""The local stack as a newcomer runs it: a subprocess over real HTTP and boto3."""
from __future__ import annotations

import re
import signal
import time

import requests
from stack_process import healthy, start, wait_for

from local_stack.server import free_port, port_is_free


def _mail_to(base: str, address: str) -> list[dict]:
    """The mails to `address` in /_local/mail."""
    mails = requests.get(f"{base}/_local/mail", timeout=5).json()["mail"]
    return [mail for mail in mails if mail["to"] == address]


def test_starter_templates_and_admin_ui_are_served(stack):
    base = stack.base
    names = {t["name"] for t in requests.get(f"{base}/templates", timeout=5).json()["templates"]}
    assert {"base", "otp-code", "magic-link", "login-alert", "welcome",
            "password-reset"} <= names
    page = requests.get(f"{base}/admin/", timeout=5)
    assert page.status_code == 200 and "<html" in page.text.lower()
    assert requests.get(f"{base}/admin/../app.py", timeout=5).status_code in (400, 403, 404)


def test_save_send_and_read_the_mail(stack):
    base = stack.base
    template = {"subject": "Hello {{ name }}", "category": "notification",
                "html": "<p>Hi {{ name }}, welcome.</p>",
                "variables": {"name": {"required": True, "sample": "Ana"}}}
    saved = requests.put(f"{base}/templates/hello-local", json=template, timeout=5)
    assert saved.status_code == 200, saved.text
    accepted = requests.post(f"{base}/emails", timeout=5, json={
        "to": "newcomer@example.com", "template": "hello-local",
        "variables": {"name": "<Bo & Co>"}})
    assert accepted.status_code == 202, accepted.text
    message_id = accepted.json()["message_id"]

    [mail] = wait_for(lambda: _mail_to(base, "newcomer@example.com"), 20,
                      "the mail in /_local/mail")
    assert mail["subject"] == "Hello <Bo & Co>"
    assert "Hi &lt;Bo &amp; Co&gt;, welcome." in mail["html"]
    assert "Hi <Bo & Co>, welcome." in mail["text"]
    assert mail["headers"]["X-Herald-Message-Id"] == message_id and mail["sent_at"]
    status = requests.get(f"{base}/emails/{message_id}", timeout=5).json()["status"]
    assert status in {"sent", "delivered"}


def test_supersede_while_the_consumer_is_paused(stack):
    base = stack.base
    assert requests.post(f"{base}/_local/consumer", json={"paused": True},
                         timeout=5).json() == {"paused": True}
    try:
        sends = [requests.post(f"{base}/emails", timeout=5, json={
            "to": "late@example.com", "template": "otp-code", "supersede_key": "login",
            "variables": {"code": code, "user_name": "Ana"}}).json()
            for code in ("111111", "222222")]
        assert sends[1]["superseded"] == [sends[0]["message_id"]]
    finally:
        requests.post(f"{base}/_local/consumer", json={"paused": False}, timeout=5)

    def delivered():
        mails = requests.get(f"{base}/_local/mail", timeout=5).json()["mail"]
        return [m for m in mails if m["to"] == "late@example.com"]
    [mail] = wait_for(delivered, 20, "the newer mail in /_local/mail")
    assert "222222" in mail["text"] and "111111" not in mail["text"]
    old = requests.get(f"{base}/emails/{sends[0]['message_id']}", timeout=5).json()
    assert old["status"] == "superseded"


def test_poison_message_reaches_the_dlq_within_30_seconds(stack):
    sqs, info = stack.aws("sqs")
    started = time.monotonic()
    sqs.send_message(QueueUrl=info["queue_url"], MessageBody="not a herald message")

    def in_dlq():
        attributes = sqs.get_queue_attributes(QueueUrl=info["dlq_url"],
                                              AttributeNames=["ApproximateNumberOfMessages"])
        return int(attributes["Attributes"]["ApproximateNumberOfMessages"]) >= 1
    wait_for(in_dlq, 30, "the poison message in the DLQ")
    assert time.monotonic() - started < 30


def test_second_start_on_the_same_port_fails_clearly(stack):
    second = start(stack.port)
    output, _ = second.communicate(timeout=30)
    assert second.returncode == 2
    assert "already in use" in output and "Traceback" not in output


def test_ctrl_c_stops_everything_and_frees_the_port():
    port = free_port()
    process = start(port)
    base = f"http://127.0.0.1:{port}"
    wait_for(lambda: healthy(base), 60, "/health")
    aws_endpoint = requests.get(f"{base}/_local/info", timeout=5).json()["aws_endpoint"]
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=20) == 0
    assert port_is_free(port)
    assert port_is_free(int(aws_endpoint.rsplit(":", 1)[1]))


def test_lifecycle_mirrors_the_ses_mailbox_simulator(stack):
    base = stack.base
    variables = {"user_name": "Ana", "getting_started_link": "https://app.example.com/start"}

    def send(to):
        response = requests.post(f"{base}/emails", timeout=5, json={
            "to": to, "template": "welcome", "variables": variables})
        assert response.status_code == 202, response.text
        return response.json()["message_id"]

    def status_of(message_id, wanted):
        return lambda: requests.get(f"{base}/emails/{message_id}",
                                    timeout=5).json()["status"] == wanted
    delivered = send("reader@example.com")
    bounced = send("bounce@simulator.amazonses.com")
    complained = send("complaint@simulator.amazonses.com")
    wait_for(status_of(delivered, "delivered"), 20, "a Delivery event")
    wait_for(status_of(bounced, "bounced"), 20, "a Bounce event")
    wait_for(status_of(complained, "complained"), 20, "a Complaint event")
    suppressed = {entry["email"] for entry in
                  requests.get(f"{base}/suppressions", timeout=5).json()["suppressions"]}
    assert {"bounce@simulator.amazonses.com", "complaint@simulator.amazonses.com"} <= suppressed
    retry_key = {"Idempotency-Key": "after-bounce"}
    again = requests.post(f"{base}/emails", timeout=5, headers=retry_key, json={
        "to": "Bounce@Simulator.AmazonSES.com", "template": "welcome", "variables": variables})
    assert again.status_code == 422 and again.json()["error"]["code"] == "suppressed"
    # the refused transaction kept nothing: once unsuppressed, the same key is a new send
    assert requests.delete(f"{base}/suppressions/bounce@simulator.amazonses.com",
                           timeout=5).status_code == 204
    fresh = requests.post(f"{base}/emails", timeout=5, headers=retry_key, json={
        "to": "bounce@simulator.amazonses.com", "template": "welcome", "variables": variables})
    assert fresh.status_code == 202 and not fresh.json().get("replayed")


def test_concurrent_sends_are_all_accepted_and_sent(stack):
    from concurrent.futures import ThreadPoolExecutor

    base = stack.base
    variables = {"user_name": "Ana", "getting_started_link": "https://app.example.com/start"}

    def send(index):
        return requests.post(f"{base}/emails", timeout=30, json={
            "to": f"crowd{index}@example.com", "template": "welcome", "variables": variables})
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, range(60)))
    assert {answer.status_code for answer in answers} == {202}
    ids = [answer.json()["message_id"] for answer in answers]

    def all_sent():
        return all(requests.get(f"{base}/emails/{message_id}", timeout=5).json()["status"]
                   in {"sent", "delivered"} for message_id in ids)
    wait_for(all_sent, 60, "all 60 mails sent")


def test_a_supabase_signed_hook_makes_a_mail_appear(stack):
    # as the README's snippet does it: the secret from /_local/info, the published algorithm
    import base64
    import hashlib
    import hmac
    import json

    base = stack.base
    secret = requests.get(f"{base}/_local/info", timeout=5).json()["hook_secrets"]["supabase"]
    assert requests.get(f"{base}/_local/info", timeout=5).json()["hook_secrets"]["clerk"]
    event = {"user": {"email": "hooked@example.com"}, "email_data": {
        "token": "123456", "token_hash": "pkce_local", "redirect_to": "http://localhost:3000/",
        "email_action_type": "magiclink", "site_url": "http://127.0.0.1:54321",
        "token_new": "", "token_hash_new": ""}}
    raw = json.dumps(event).encode()
    webhook_id, timestamp = "msg_local_1", str(int(time.time()))
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signature = base64.b64encode(hmac.new(key, f"{webhook_id}.{timestamp}.".encode() + raw,
                                          hashlib.sha256).digest()).decode()
    answer = requests.post(f"{base}/hooks/supabase", data=raw, timeout=5, headers={
        "Content-Type": "application/json", "webhook-id": webhook_id,
        "webhook-timestamp": timestamp, "webhook-signature": f"v1,{signature}"})
    assert (answer.status_code, answer.json()) == (200, {})

    [mail] = wait_for(lambda: _mail_to(base, "hooked@example.com"), 20,
                      "the hook's mail in /_local/mail")
    # the magic link goes through the scanner-safe gateway; its button leads to Supabase
    # (and Supabase's code is the fallback)
    [link] = set(re.findall(re.escape(base) + r"/l/[A-Za-z0-9_-]{43}", mail["html"]))
    followed = requests.post(link, data={}, timeout=5, allow_redirects=False)
    assert followed.headers["Location"] == ("http://127.0.0.1:54321/auth/v1/verify"
                                            "?token=pkce_local&type=magiclink"
                                            "&redirect_to=http%3A%2F%2Flocalhost%3A3000%2F")
    assert "Or enter this code: 123456" in mail["text"]


# Scanner-safe links: the magic link in /_local/mail points at the stack's own /l/{token};
# GET and HEAD show the page, the button's POST redirects (303) to the real URL, once.
MAGIC_TARGET = "https://app.example.com/auth/magic?token=local_7c1e"


def test_a_magic_link_goes_through_the_gateway(stack):
    base = stack.base
    accepted = requests.post(f"{base}/emails", timeout=5, json={
        "to": "links@example.com", "template": "magic-link",
        "variables": {"link": MAGIC_TARGET, "code": "493817"}})
    assert accepted.status_code == 202, accepted.text
    message_id = accepted.json()["message_id"]

    [mail] = wait_for(lambda: _mail_to(base, "links@example.com"), 20,
                      "the magic link in /_local/mail")
    assert "local_7c1e" not in mail["html"] + mail["text"]
    assert "Or enter this code: 493817" in mail["text"]
    [link] = set(re.findall(re.escape(base) + r"/l/[A-Za-z0-9_-]{43}", mail["text"]))

    for method in ("GET", "HEAD"):
        page = requests.request(method, link, timeout=5, allow_redirects=False)
        assert page.status_code == 200 and "Location" not in page.headers
        assert page.headers["Cache-Control"] == "no-store"
    assert "Continue to sign in" in requests.get(link, timeout=5).text

    followed = requests.post(link, data={}, timeout=5, allow_redirects=False)
    assert (followed.status_code, followed.headers["Location"]) == (303, MAGIC_TARGET)
    again = requests.post(link, data={}, timeout=5, allow_redirects=False)
    assert again.status_code == 410 and "Location" not in again.headers

    entry = requests.get(f"{base}/emails/{message_id}", timeout=5).json()
    events = [e["event"] for e in entry["events"] if e.get("event")]
    assert events == ["link_viewed"] * 3 + ["link_followed"]
    assert "local_7c1e" not in str(entry)


def test_variable_contract_and_timings_over_http(stack, tmp_path, capsys):
    from tools import check

    base = stack.base
    good = tmp_path / "good.json"
    good.write_text('{"to": "a@example.com", "template": "otp-code", "variables": {"code": "1"}}')
    assert check.main(["--url", base, "--template", "otp-code", str(good)]) == 0
    bad = tmp_path / "bad.json"
    bad.write_text('{"user_name": "Ana"}')
    assert check.main(["--url", base, "--template", "otp-code", str(bad)]) == 1
    assert "'code' is a required property" in capsys.readouterr().out
    # the local SES relay's Delivery event gives the mail its time to inbox
    accepted = requests.post(f"{base}/emails", timeout=5, json={
        "to": "timed@example.com", "template": "otp-code", "variables": {"code": "42"}}).json()

    def delivered():
        entry = requests.get(f"{base}/emails/{accepted['message_id']}", timeout=5).json()
        return entry if entry["status"] == "delivered" else None
    entry = wait_for(delivered, 20, "the Delivery event")
    assert entry["timings"]["delivered_at"] and entry["timings"]["time_to_inbox_ms"] >= 0
    assert entry["late"] is False


def test_an_unknown_path_is_a_json_404_naming_it(stack):
    for method in ("GET", "POST", "DELETE"):
        response = requests.request(method, f"{stack.base}/no/such/path?x=1", timeout=5)
        assert response.status_code == 404
        assert response.json()["error"] == {"code": "not_found", "field": "path",
                                             "message": f"no route for {method} /no/such/path"}
