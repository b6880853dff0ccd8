"""How an SMS text travels: its encoding and how many segments (billed parts) it takes.

A text whose every character is in the GSM 03.38 alphabet goes as GSM-7: 160
characters in one segment, 153 per segment once it needs several (the rest
of each is the concatenation header). A character of the extension table
(`€ [ ] { } \\ ^ ~ |` and form feed) is sent as an escape plus the character:
it counts two, and a segment never splits the pair. Any other character makes
the whole text UCS-2: 70 per segment, 67 when split, counted in UTF-16 units
(an emoji outside the Basic Multilingual Plane counts two and is never split).
"""
from __future__ import annotations

from dataclasses import dataclass

GSM_7, UCS_2 = "GSM-7", "UCS-2"
# GSM 03.38 basic table, in code order 0x00-0x7F, without 0x1B (the escape to the
# extension table, not a character a text may carry)
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")
# (one segment, each of several) in units of the encoding
_LIMITS = {GSM_7: (160, 153), UCS_2: (70, 67)}


@dataclass(frozen=True)
class SmsParts:
    encoding: str
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int

    def to_dict(self) -> dict[str, object]:
        return {"encoding": self.encoding, "units": self.units, "segments": self.segments}


def _unit_sizes(text: str) -> tuple[str, list[int]]:
    """The encoding `text` needs and the units each of its characters takes."""
    if all(char in GSM_BASIC or char in GSM_EXTENSION for char in text):
        return GSM_7, [2 if char in GSM_EXTENSION else 1 for char in text]
    return UCS_2, [2 if ord(char) > 0xFFFF else 1 for char in text]


def sms_parts(text: str) -> SmsParts:
    """Encoding, size and segment count of `text` as a phone receives it."""
    encoding, sizes = _unit_sizes(text)
    units = sum(sizes)
    single, each = _LIMITS[encoding]
    if units <= single:
        return SmsParts(encoding, units, 1 if units else 0)
    segments, room = 1, each
    for size in sizes:  # fill segments in order; a two-unit character stays whole
        if size > room:
            segments, room = segments + 1, each
        room -= size
    return SmsParts(encoding, units, segments)
