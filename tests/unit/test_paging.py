"""Paged lists: `?limit=` takes plain numbers in range only, and a cursor carries any key
through a query string and back unchanged; anything else is a 400 naming the parameter."""
from __future__ import annotations

import pytest

from chalicelib.errors import BadRequest
from chalicelib.platform.paging import decode_cursor, encode_cursor, limit


def test_limit_defaults_and_accepts_the_whole_range():
    assert limit(None, default=50, maximum=100) == 50
    assert [limit(raw, 50, 100) for raw in ("1", "07", "100")] == [1, 7, 100]


@pytest.mark.parametrize("raw", ["0", "101", "-1", "1e2", " 5", "²", "١٠", "9" * 5000, ""])
def test_limit_outside_the_range_or_not_plain_digits_is_refused(raw):
    with pytest.raises(BadRequest, match="limit must be a number from 1 to 100") as refused:
        limit(raw, 50, 100)
    assert refused.value.field == "limit"


@pytest.mark.parametrize("key", ["ana@example.com", "a+b@example.com", "é/ü?=&", "x" * 2048])
def test_a_cursor_is_url_safe_and_gives_its_key_back(key):
    cursor = encode_cursor(key)
    assert not set(cursor) & set("+/=&?# ")
    assert decode_cursor(cursor) == key


def test_no_cursor_means_the_first_page():
    assert decode_cursor(None) is None and decode_cursor("") is None


@pytest.mark.parametrize("raw", ["not base64!", "a+b/", "_w", encode_cursor("x" * 2049),
                                 encode_cursor("é")[:-1]])
def test_a_cursor_this_api_did_not_give_is_refused(raw):
    with pytest.raises(BadRequest, match="cursor is not one this API gave") as refused:
        decode_cursor(raw)
    assert refused.value.field == "cursor"
