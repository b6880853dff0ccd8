"""Herald's DynamoDB tables (keys, indexes, TTL attribute), defined once.

`infra/` builds the deployed tables from this, `local_stack/` creates the
emulated ones, and the code names its indexes through it, so the three
cannot drift apart.
"""
from __future__ import annotations

from typing import Any

TTL_ATTRIBUTE = "expires_ttl"

# table setting name -> (partition key, attributes with a KEYS_ONLY index each)
TABLES: dict[str, tuple[str, list[str]]] = {
    "message_log_table": ("message_id", ["ses_message_id", "recipient_key", "accept_day",
                                         "attention"]),
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


# Finding mail (chalicelib/records/message_search.py): table setting name -> {index
# attribute: its sort key}. Each is KEYS_ONLY: it carries the recipient, the accept day or
# the attention status, and the ids, never a variable; a page reads the rest from the table.
#   by_recipient_key: one recipient's mail, newest first (a partition per address, lower-cased
#     as suppression and rate limits key it)
#   by_accept_day: everyone's mail, newest first, a partition per UTC day (`YYYY-MM-DD`):
#     written once per mail (no attribute of it changes), so a day takes ~1,000 new mails
#     a second (a partition's write limit), five times the SES quota Herald asks for
#   by_attention: sparse: mail in a status a person looks for (states.ATTENTION: failed,
#     bounced...), newest first. Only such mail has `attention` (the message log sets it
#     with the status and removes it when the mail leaves), so ordinary mail, moving
#     queued -> sending -> sent -> delivered, never writes this index; those statuses are
#     found by walking by_accept_day
INDEX_SORT_KEYS: dict[str, dict[str, str]] = {
    "message_log_table": {"recipient_key": "created_at", "accept_day": "created_at",
                          "attention": "created_at"},
}


def key_attributes(setting: str) -> list[str]:
    """The table's and its indexes' key attributes (all strings), each once."""
    key, indexes = TABLES[setting]
    sort = [SORT_KEYS[setting]] if setting in SORT_KEYS else []
    named = [key, *sort, *indexes, *INDEX_SORT_KEYS.get(setting, {}).values()]
    return list(dict.fromkeys(named))


def secondary_indexes(setting: str) -> list[dict[str, Any]]:
    """The table's GlobalSecondaryIndexes (CloudFormation and CreateTable spell them alike)."""
    sorts = INDEX_SORT_KEYS.get(setting, {})
    return [{"IndexName": index_name(name), "Projection": {"ProjectionType": "KEYS_ONLY"},
             "KeySchema": [{"AttributeName": name, "KeyType": "HASH"},
                           *([{"AttributeName": sorts[name], "KeyType": "RANGE"}]
                             if name in sorts else [])]}
            for name in TABLES[setting][1]]

# Tables read through their DynamoDB stream: setting name -> (partition key, stream view).
# The users table's INSERTs send welcome mail (chalicelib/intake/stream.py); the stack
# creates it unless the stage names an existing one, so it stands apart from TABLES.
STREAMED_TABLES: dict[str, tuple[str, str]] = {
    "users_table": ("user_id", "NEW_IMAGE"),
}
