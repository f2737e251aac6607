"""Codes people type: coupon codes, serial codes and gift cards.

The alphabet leaves out look-alikes (0/O, 1/I/L) so a code read off paper or a
screen is typed right; lookups are case-insensitive because codes are stored
upper-case and input is normalised the same way. A pattern such as
"KUPON-####-####" puts random characters where the `#`s are.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
DEFAULT_LENGTH = 12
MAX_CODE_LENGTH = 40
# Refuse a request that would use more than this share of a pattern's space: past it,
# drawing unused codes gets slow and the codes become guessable.
MAX_SPACE_SHARE = 0.01


def normalise_code(text: str) -> str:
    """What a member typed, as stored: upper-case, without spaces or hyphens."""
    return "".join(ch for ch in (text or "").upper() if ch not in " -\t")


@dataclass(frozen=True)
class CodeShape:
    """How generated codes look: a pattern with `#` placeholders, or a prefix and a length."""

    length: int = DEFAULT_LENGTH
    prefix: str = ""
    pattern: str = ""

    @property
    def template(self) -> str:
        return normalise_code(self.pattern) if self.pattern else normalise_code(self.prefix) + "#" * self.length

    @property
    def random_positions(self) -> int:
        return self.template.count("#")

    @property
    def space(self) -> int:
        return len(ALPHABET) ** self.random_positions

    def problem(self, count: int) -> str | None:
        """A reason code when this shape cannot give `count` codes, else None."""
        template = self.template
        if not template or len(template) > MAX_CODE_LENGTH:
            return "INVALID_CODE_PATTERN"
        if any(ch not in ALPHABET and ch != "#" and not ch.isalnum() for ch in template):
            return "INVALID_CODE_PATTERN"
        if self.random_positions < 4:
            return "INVALID_CODE_PATTERN"
        if count > self.space * MAX_SPACE_SHARE:
            return "CODE_SPACE_TOO_SMALL"
        return None

    def draw(self) -> str:
        return "".join(secrets.choice(ALPHABET) if ch == "#" else ch for ch in self.template)

    def draw_many(self, count: int) -> set[str]:
        """`count` distinct codes (distinct among themselves; the database checks the rest)."""
        codes: set[str] = set()
        while len(codes) < count:
            codes.add(self.draw())
        return codes


def random_code(length: int = DEFAULT_LENGTH, prefix: str = "") -> str:
    return CodeShape(length=length, prefix=prefix).draw()
