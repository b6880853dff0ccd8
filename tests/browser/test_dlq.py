"""The DLQ panel: why a mail failed, redrive it alone, and a table that fits 390 px."""
from __future__ import annotations

import json

from playwright.sync_api import expect

REASON = "SES Throttling; will retry"


def dead_mail(stack, message_id):
    """A mail that failed its attempts (as the consumer logs them) and sits in the DLQ."""
    dynamodb, info = stack.aws("dynamodb")
    event = {"M": {"status": {"S": "queued"}, "at": {"S": "2026-11-30T05:00:00.000Z"},
                   "detail": {"S": REASON}}}
    dynamodb.put_item(TableName="herald-dev-message-log", Item={
        "message_id": {"S": message_id}, "status": {"S": "queued"},
        "to": {"S": "dead@example.com"}, "template": {"S": "otp-code"},
        "created_at": {"S": "2026-11-30T05:00:00.000Z"}, "events": {"L": [event] * 3}})
    sqs, _ = stack.aws("sqs")
    sqs.send_message(QueueUrl=info["dlq_url"], MessageBody=json.dumps({
        "v": 1, "message_id": message_id, "to": "dead@example.com", "template": "otp-code",
        "version": "v-gone", "variables": {"code": "SECRET-4242"}, "secret": ["code"],
        "enqueued_at": 1_700_000_000_000}))


def test_a_dead_mail_shows_why_and_is_redriven_alone(page, admin, stack, console, screenshot):
    dead_mail(stack, "dlq-demo-1")
    dead_mail(stack, "dlq-demo-2")
    console.expect("Failed to load resource")  # the redriven mail's retry may 4xx nothing here
    page.goto(f"{admin}#/operations")
    page.get_by_role("button", name="Show messages").click()
    table = page.get_by_role("table", name="Dead-letter messages")
    row = table.get_by_role("row").filter(has_text="dlq-demo-1")
    expect(row).to_contain_text(REASON)
    expect(row).to_contain_text("3 times")
    expect(table).not_to_contain_text("SECRET-4242")
    screenshot(page, "operations", height=1100)

    row.get_by_role("button", name="Redrive message dlq-demo-1").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("dlq-demo-1")  # the id the row shows
    dialog.get_by_role("button", name="Redrive message").click()
    expect(page.get_by_text("Moved message dlq-demo-1 back to the send queue.")).to_be_visible()
    expect(table.get_by_role("row").filter(has_text="dlq-demo-1")).to_have_count(0)
    expect(table.get_by_role("row").filter(has_text="dlq-demo-2")).to_have_count(1)


def test_the_dlq_table_fits_390_px(page, admin, stack):
    dead_mail(stack, "dlq-narrow-0123456789abcdef0123456789abcdef")
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{admin}#/operations")
    page.get_by_role("button", name="Show messages").click()
    expect(page.get_by_role("table", name="Dead-letter messages")).to_contain_text(REASON)
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= 390
