"""moto's server, made fit for the local stack's concurrent callers and volume.

moto's DynamoDB backend is not thread safe, and its TransactWriteItems
deep-copies every table it touches for a rollback: under concurrent sends that
fails ("dictionary changed size during iteration"), and as the message log
grows each transaction costs more time and memory. So DynamoDB requests are
served one at a time (other services, SQS long polls among them, stay
concurrent), and a transaction's rollback saves only the items it touches.

`serialize_dynamodb_in_process` does the same for the tests' in-process
moto. moto also ignores TransactWriteItems' ClientRequestToken; DynamoDB answers a
repeated token (within 10 minutes, same items) with success and does nothing
again, and Herald relies on that when botocore resends a transaction whose
response was lost. `honour_transaction_tokens` teaches moto the same, in the
local server and in the tests' in-process emulation.
"""
from __future__ import annotations

import copy
import hashlib
import json
import threading
import time
from typing import Any, Callable, Iterable

from moto.core.responses import ActionResult
from moto.dynamodb.exceptions import DynamodbException
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models import dynamo_type as dynamo_types
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

_original_transact = DynamoDBBackend.transact_write_items


class _TablesAreNotCopied:
    """Stands in for `copy` in moto's DynamoDB module during a transaction."""

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def _touched(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[tuple]:
    """(table, hash key, copy of the item or None) for each item a transaction touches."""
    saved = []
    for entry in transact_items:
        operation = next(iter(entry.values()))
        table = backend.tables.get(operation.get("TableName", ""))
        attributes = operation.get("Key") or operation.get("Item") or {}
        if table is None or table.range_key_attr or table.hash_key_attr not in attributes:
            return []
        hash_key = dynamo_types.DynamoType(attributes[table.hash_key_attr])
        saved.append((table, hash_key, copy.deepcopy(table.items.get(hash_key))))
    return saved


def _transact_with_item_rollback(self: DynamoDBBackend,
                                 transact_items: list[dict[str, Any]]) -> None:
    saved = _touched(self, transact_items)
    if not saved:  # a shape this shortcut does not know: moto's own way
        return _original_transact(self, transact_items)
    module = __import__("moto.dynamodb.models", fromlist=["copy"])
    module.copy = _TablesAreNotCopied
    try:
        return _original_transact(self, transact_items)
    except Exception:
        for table, hash_key, item in reversed(saved):
            if item is None:
                table.items.pop(hash_key, None)
            else:
                table.items[hash_key] = item
        raise
    finally:
        module.copy = copy


_TOKEN_LIFETIME_S = 600
_original_handler = DynamoHandler.transact_write_items
_tokens: dict[str, tuple[float, str]] = {}
_tokens_lock = threading.Lock()


class IdempotentParameterMismatch(DynamodbException):
    def __init__(self) -> None:
        super().__init__("com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException",
                         "The request uses the same client token as a previous, "
                         "but non-identical request.")


def _transact_once_per_token(self: DynamoHandler) -> Any:
    token = self.body.get("ClientRequestToken")
    if not token:
        return _original_handler(self)
    digest = hashlib.sha256(json.dumps(self.body["TransactItems"], sort_keys=True)
                            .encode()).hexdigest()
    now = time.monotonic()
    with _tokens_lock:
        seen = _tokens.get(token)
        if seen and now - seen[0] < _TOKEN_LIFETIME_S:
            if seen[1] != digest:
                raise IdempotentParameterMismatch()
            return ActionResult({"ConsumedCapacity": [], "ItemCollectionMetrics": {}})
    result = _original_handler(self)
    with _tokens_lock:
        for stale in [t for t, (at, _) in _tokens.items() if now - at >= _TOKEN_LIFETIME_S]:
            del _tokens[stale]  # forgotten after 10 minutes, as DynamoDB does
        _tokens[token] = (now, digest)
    return result


def honour_transaction_tokens() -> None:
    """Make moto's TransactWriteItems idempotent per ClientRequestToken, as DynamoDB is."""
    DynamoHandler.transact_write_items = _transact_once_per_token


_in_process_lock = threading.Lock()
_original_call_action = DynamoHandler.call_action


def _call_action_alone(self: DynamoHandler) -> Any:
    with _in_process_lock:
        return _original_call_action(self)


def serialize_dynamodb_in_process() -> None:
    """The tests' in-process moto (`mock_aws`) has no server to serialize DynamoDB
    in front of it: the consumer's threads would race inside its backend."""
    DynamoHandler.call_action = _call_action_alone


class _SerializeDynamoDB:
    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            with self.lock:
                return list(self.app(environ, start_response))
        return self.app(environ, start_response)


class LocalMotoServer(ThreadedMotoServer):
    def _server_entry(self) -> None:
        DynamoDBBackend.transact_write_items = _transact_with_item_rollback
        honour_transaction_tokens()
        app = _SerializeDynamoDB(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(self._ip_address, self._port, app, True,
                                   request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()
