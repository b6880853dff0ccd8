"""Herald's DynamoDB tables (keys, indexes, TTL attribute), defined once.

`infra/` builds the deployed tables from this, `local_stack/` creates the
emulated ones, and the code names its indexes through it, so the three
cannot drift apart.
"""
from __future__ import annotations

TTL_ATTRIBUTE = "expires_ttl"

# table setting name -> (partition key, attributes with a KEYS_ONLY index each)
TABLES: dict[str, tuple[str, list[str]]] = {
    "message_log_table": ("message_id", ["ses_message_id"]),
    "idempotency_table": ("idempotency_key", []),
    "rate_limit_table": ("counter_key", []),
    "suppression_table": ("email", []),
    "outbox_table": ("message_id", []),
    "webhooks_table": ("name", []),
    # Notifications (chalicelib/notifications/): per-user channel preferences, one item
    # per user and notification type (sort key below), and the notification types
    "preferences_table": ("user_id", []),
    "notification_types_table": ("name", []),
    # scanner-safe links, keyed by the SHA-256 of the token (chalicelib/links/store.py)
    "links_table": ("token_digest", []),
}

# table setting name -> its sort key (tables without one: absent)
SORT_KEYS: dict[str, str] = {
    "preferences_table": "notification_type",
}

# table setting name -> the view its DynamoDB stream carries (tables without one: absent)
STREAMS: dict[str, str] = {
    # each status change becomes a delivery webhook event (chalicelib/webhooks/fanout.py)
    "message_log_table": "NEW_AND_OLD_IMAGES",
}


def index_name(attribute: str) -> str:
    """The name of the index on `attribute`."""
    return f"by_{attribute}"

# Tables read through their DynamoDB stream: setting name -> (partition key, stream view).
# The users table's INSERTs send welcome mail (chalicelib/intake/stream.py); the stack
# creates it unless the stage names an existing one, so it stands apart from TABLES.
STREAMED_TABLES: dict[str, tuple[str, str]] = {
    "users_table": ("user_id", "NEW_IMAGE"),
}
