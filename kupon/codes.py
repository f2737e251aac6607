"""Codes people type: coupon codes, serial codes and gift cards.

The alphabet leaves out look-alikes (0/O, 1/I/L) so a code read off paper or a
screen is typed right; lookups are case-insensitive because codes are stored
upper-case and input is normalised the same way. A pattern such as
"KUPON-####-####" puts random characters where the `#`s are.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
DEFAULT_LENGTH = 12
MAX_CODE_LENGTH = 40
# Refuse a request that would use more than this share of a pattern's space: past it,
# drawing unused codes gets slow and the codes become guessable.
MAX_SPACE_SHARE = 0.01

# Random characters come from random bytes: a byte below 248 (8 x 31) picks ALPHABET[byte % 31],
# the others are dropped and drawn again, so every character is exactly equally likely.
_BYTE_LIMIT = 256 - 256 % len(ALPHABET)
_BYTE_TO_CHARACTER = bytes(ord(ALPHABET[b % len(ALPHABET)]) if b < _BYTE_LIMIT else 0 for b in range(256))
_DROPPED_BYTES = bytes(range(_BYTE_LIMIT, 256))


def random_characters(count: int) -> str:
    """`count` characters of ALPHABET, each drawn uniformly and independently with `secrets`."""
    chunks, have = [], 0
    while have < count:
        wanted = count - have
        # About 3% of the bytes are dropped: ask for a little more, so one draw nearly always does.
        chunk = secrets.token_bytes(wanted + wanted // 16 + 16).translate(_BYTE_TO_CHARACTER, _DROPPED_BYTES)
        chunks.append(chunk)
        have += len(chunk)
    return b"".join(chunks)[:count].decode("ascii")


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
        return self.draw_list(1)[0]

    def draw_list(self, count: int) -> list[str]:
        """`count` codes drawn independently (so, in a small space, possibly the same one twice)."""
        template = self.template
        positions = template.count("#")
        characters = random_characters(count * positions)
        fixed = re.split("#+", template)
        if len(fixed) == 1:  # no random positions at all
            return [template] * count
        if len(fixed) == 2:  # one run of random characters: a prefix and/or suffix around it
            before, after = fixed
            return [before + characters[i:i + positions] + after
                    for i in range(0, count * positions, positions)]
        # Several runs ("A###B###"): each code's characters are sliced into the runs in order.
        runs, start = [], 0
        for run in re.findall("#+", template):
            runs.append((start, start + len(run)))
            start += len(run)
        form = "%s".join(part.replace("%", "%%") for part in fixed)
        codes = []
        for i in range(0, count * positions, positions):
            code = characters[i:i + positions]
            codes.append(form % tuple(code[a:b] for a, b in runs))
        return codes

    def draw_many(self, count: int) -> set[str]:
        """`count` distinct codes (distinct among themselves; the database checks the rest)."""
        codes: set[str] = set()
        while len(codes) < count:
            codes.update(self.draw_list(count - len(codes)))
        return codes


def random_code(length: int = DEFAULT_LENGTH, prefix: str = "") -> str:
    return CodeShape(length=length, prefix=prefix).draw()
