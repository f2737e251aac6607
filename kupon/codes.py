"""Codes people type: coupon codes now, serial codes and gift cards later.

The alphabet leaves out look-alikes (0/O, 1/I/L) so a code read off paper or a
screen is typed right; lookups are case-insensitive because codes are stored
upper-case and input is normalised the same way.
"""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
DEFAULT_LENGTH = 12


def normalise_code(text: str) -> str:
    """What a member typed, as stored: upper-case, without spaces or hyphens."""
    return "".join(ch for ch in (text or "").upper() if ch not in " -\t")


def random_code(length: int = DEFAULT_LENGTH, prefix: str = "") -> str:
    return normalise_code(prefix) + "".join(secrets.choice(ALPHABET) for _ in range(length))
