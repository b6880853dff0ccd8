"""The base every other package stands on: AWS clients with explicit timeouts and
retry rules, DynamoDB items and transactions, settings, the clock, JSON logs,
EMF metrics, redaction, paging cursors, bounded parsing of untrusted JSON, and
the SQS batch runner (partial failures, deletes, backoff) both queue handlers use.
Imports nothing of Herald's but the error vocabulary (chalicelib/errors.py).
"""
from chalicelib.platform.exports import exported, lazy_exports

_WHERE = exported({
    "settings": ("Settings", "get_settings"),
    "clock": ("iso_time",),
    "dynamo": ("TransactionCancelled", "transact", "error_code"),
    "untrusted_json": ("load_json",),
    "sqs_batch": ("BatchRunner", "Backoff", "Retry", "BatchFailed"),
})
_SUBMODULES = ("aws", "dynamo", "logs", "metrics", "redaction", "paging")
__all__ = [*_WHERE, *_SUBMODULES]
__getattr__ = lazy_exports(__name__, _WHERE, _SUBMODULES)
