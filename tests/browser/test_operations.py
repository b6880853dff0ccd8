"""Operations: queue and DLQ counts, redrive, message lookup, suppression list."""
from __future__ import annotations

import json

from playwright.sync_api import expect

DLQ_WAIT_MS = 45_000  # 3 receives with short local visibility and backoff: ~15-20 s


def dlq_stat(page, stat):
    return page.get_by_role("region", name="Dead-letter queue").locator(f"dd[data-stat={stat}]")


def test_dlq_count_shows_a_poison_message_and_redrive_empties_it(page, admin, stack):
    page.goto(f"{admin}#/operations")
    expect(dlq_stat(page, "visible")).to_have_text("0")
    sqs, info = stack.aws("sqs")
    sqs.send_message(QueueUrl=info["queue_url"], MessageBody="{not json")

    expect(dlq_stat(page, "visible")).to_have_text("1", timeout=DLQ_WAIT_MS)
    page.get_by_role("button", name="Show messages").click()  # reading the DLQ is a receive
    dead = page.get_by_role("table", name="Dead-letter messages")
    expect(dead).to_contain_text("body is not a Herald send message")
    expect(dead).to_contain_text("{not json")

    page.get_by_role("button", name="Redrive all").click()
    page.get_by_role("dialog").get_by_role("button", name="Redrive all").click()
    expect(page.get_by_text("Moved 1 message back to the send queue.")).to_be_visible()
    expect(dlq_stat(page, "visible")).to_have_text("0")
    expect(page.get_by_text("The dead-letter queue is empty.")).to_be_visible()


def test_one_dlq_message_can_be_deleted_after_a_confirmation(page, admin, stack, herald):
    sqs, info = stack.aws("sqs")
    sqs.send_message(QueueUrl=info["dlq_url"], MessageBody="left for dead")

    page.goto(f"{admin}#/operations")
    page.get_by_role("button", name="Show messages").click()
    row = page.get_by_role("table", name="Dead-letter messages").get_by_role("row").filter(
        has_text="left for dead")
    row.get_by_role("button", name="Delete").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete message").click()

    expect(page.get_by_text("Deleted message")).to_be_visible()
    expect(row).to_have_count(0)
    peeked = herald.call("GET", "/dlq/messages")["messages"]
    assert not [m for m in peeked if "left for dead" in m.get("raw", "")]


def test_message_lookup_shows_status_with_secrets_redacted(page, admin, herald):
    herald.save("lookup-demo", category="notification",
                variables={"name": {"required": True, "sample": "Ana"},
                           "code": {"required": True, "secret": True, "sample": "123456"}},
                html="<p>Hello {{ name }}, {{ code }}</p>")
    send = {"to": "lookup@example.com", "template": "lookup-demo",
            "variables": {"name": "Bo", "code": "987654"}}
    accepted = herald.call("POST", "/emails", send, expect=202)

    page.goto(f"{admin}#/operations")
    page.get_by_label("Message id").fill(accepted["message_id"])
    page.get_by_role("button", name="Look up").click()

    details = page.locator(".message-details")
    expect(details).to_contain_text("lookup@example.com")
    expect(details).to_contain_text("lookup-demo")
    expect(details.get_by_role("list", name="Events")).to_contain_text("queued")
    expect(details).not_to_contain_text("987654")


def test_suppression_list_add_and_remove(page, admin, herald):
    page.goto(f"{admin}#/operations")
    page.get_by_label("Address").fill("gone@example.com")
    page.get_by_label("Reason").fill("asked us to stop")
    page.get_by_role("button", name="Suppress").click()

    table = page.get_by_role("table", name="Suppressed addresses")
    expect(table).to_contain_text("gone@example.com")
    expect(table).to_contain_text("asked us to stop")
    listed = herald.call("GET", "/suppressions")["suppressions"]
    assert [entry["email"] for entry in listed] == ["gone@example.com"]

    page.get_by_role("button", name="Remove gone@example.com").click()
    page.get_by_role("dialog").get_by_role("button", name="Remove from the list").click()
    expect(page.get_by_text("No address is suppressed.")).to_be_visible()
    assert herald.call("GET", "/suppressions")["suppressions"] == []


def test_an_unavailable_api_is_shown_as_a_clean_error(page, admin, console):
    console.expect("status of 503")
    page.route("**/queues", lambda route: route.fulfill(
        status=503, content_type="application/json",
        body=json.dumps({"error": {"code": "unavailable", "message": "SQS is not answering"}})))

    page.goto(f"{admin}#/operations")
    problem = page.get_by_role("alert").filter(has_text="Could not refresh the counts")
    expect(problem).to_contain_text("SQS is not answering")
    expect(page.get_by_role("button", name="Refresh now")).to_be_enabled()
