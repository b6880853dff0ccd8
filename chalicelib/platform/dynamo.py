"""Small helpers shared by the DynamoDB adapters: (de)serialising items and
running a transaction whose failures are told apart by what each of its
operations is (its tag), never by position or operation type."""
from __future__ import annotations

import math
from decimal import Decimal
from typing import Any, Mapping

# boto3.dynamodb.types would do this too, but importing it loads most of boto3
# (s3transfer, boto3.resources: ~100 ms of cold start); Herald stores only the
# types below, so a few lines of its own keep it off the import path.


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    """A DynamoDB item from plain values; attributes whose value is None are left out."""
    return {k: serialize(v) for k, v in values.items() if v is not None}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """Plain values from a DynamoDB item: numbers as int where whole, else float."""
    return {k: deserialize(v) for k, v in item.items()}


def values(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """ExpressionAttributeValues from plain Python values."""
    return {k: serialize(v) for k, v in mapping.items()}


def serialize(value: Any) -> dict[str, Any]:
    """One attribute value in DynamoDB's wire form (None inside lists and maps is NULL)."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):  # before int: bool is an int
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, (int, float, Decimal)):
        return {"N": _number(value)}
    if isinstance(value, Mapping):
        return {"M": {str(k): serialize(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return {"L": [serialize(v) for v in value]}
    if isinstance(value, (bytes, bytearray)):
        return {"B": bytes(value)}
    raise TypeError(f"cannot store a {type(value).__name__} in DynamoDB")


def deserialize(attribute: Mapping[str, Any]) -> Any:
    """A plain value from one attribute in DynamoDB's wire form."""
    (kind, raw), = attribute.items()
    if kind == "S" or kind == "B":
        return raw
    if kind == "N":
        return _plain_number(raw)
    if kind == "BOOL":
        return bool(raw)
    if kind == "NULL":
        return None
    if kind == "M":
        return {k: deserialize(v) for k, v in raw.items()}
    if kind == "L":
        return [deserialize(v) for v in raw]
    if kind == "SS" or kind == "BS":
        return set(raw)
    if kind == "NS":
        return {_plain_number(n) for n in raw}
    raise TypeError(f"unknown DynamoDB attribute type {kind}")


def _number(value: int | float | Decimal) -> str:
    if isinstance(value, int):
        return str(value)
    finite = value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
    if not finite:  # DynamoDB has no NaN or Infinity
        raise TypeError(f"cannot store {value} in DynamoDB")
    return str(value) if isinstance(value, Decimal) else repr(value)


def _plain_number(text: str) -> int | float:
    """Whole numbers as int (JSON-friendly, exact), others as float."""
    number = Decimal(text)
    return int(number) if number == number.to_integral_value() else float(number)


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
