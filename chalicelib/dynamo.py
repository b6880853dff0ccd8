"""Small helpers shared by the DynamoDB adapters: (de)serialising items and
running a transaction whose failures are told apart by what each of its
operations is (its tag), never by position or operation type."""
from __future__ import annotations

from typing import Any, Mapping

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in values.items() if v is not None}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _plain(_deserializer.deserialize(v)) for k, v in item.items()}


def values(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """ExpressionAttributeValues from plain Python values."""
    return {k: _serializer.serialize(v) for k, v in mapping.items()}


def _plain(value: Any) -> Any:
    """Decimals back to int where whole (JSON-friendly)."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class TransactionCancelled(Exception):
    """DynamoDB refused a transaction; `reasons` maps each refusing operation's tag to
    its code (ConditionalCheckFailed, TransactionConflict, ...)."""

    def __init__(self, reasons: dict[str, str]) -> None:
        super().__init__(", ".join(f"{tag}: {code}" for tag, code in reasons.items()))
        self.reasons = reasons

    def refused(self, tag: str) -> bool:
        """The operation tagged `tag` failed its condition."""
        return self.reasons.get(tag) == "ConditionalCheckFailed"

    @property
    def conflict(self) -> bool:
        """Another request touched the same items at once: worth retrying."""
        return "TransactionConflict" in self.reasons.values()


def transact(db: Any, ops: list[tuple[str, dict[str, Any]]], token: str) -> None:
    """TransactWriteItems of tagged `ops`, idempotent per `token` (<= 36 characters):
    botocore's resend of a transaction that took effect succeeds instead of
    failing on its own conditions."""
    try:
        db.transact_write_items(TransactItems=[op for _, op in ops], ClientRequestToken=token)
    except Exception as exc:
        codes = cancellation_codes(exc)
        if error_code(exc) != "TransactionCanceledException" or not codes:
            raise
        raise TransactionCancelled({tag: code for (tag, _), code in zip(ops, codes, strict=False)
                                    if code not in ("None", "")}) from None


def cancellation_codes(error: Exception) -> list[str]:
    """Per-item reason codes of a TransactionCanceledException, in request order."""
    response = getattr(error, "response", {}) or {}
    return [reason.get("Code", "None") for reason in response.get("CancellationReasons", [])]


def error_code(error: Exception) -> str:
    response = getattr(error, "response", {}) or {}
    return str(response.get("Error", {}).get("Code", ""))
