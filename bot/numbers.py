"""Numbers people and payloads write: only the digits 0–9, within the range they stand for."""

from __future__ import annotations

from typing import Any

MAX_ID = 2**31 - 1  # database ids are 32-bit integers


def whole_number(value: Any, *, maximum: int = MAX_ID) -> int | None:
    """A whole number from 0 to `maximum` written with the ASCII digits 0–9 only, else None.

    `str.isdigit` is not enough: it accepts "²" and "٣", which `int` then refuses or reads as another number.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= maximum else None
    if not isinstance(value, str) or not value.isascii() or not value.isdigit() or len(value) > len(str(maximum)):
        return None
    number = int(value)
    return number if number <= maximum else None
