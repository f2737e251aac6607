"""SMS length as Korean carriers count it: bytes, not characters.

Carriers bill and split by EUC-KR bytes: an ASCII character is 1 byte, a Korean character
(and every other KS X 1001 symbol such as '·' or '€') 2 bytes. Up to 90 bytes is one SMS;
longer text goes as an LMS of up to 2,000 bytes; anything longer is refused with
`TOO_LONG_REASON`.

Characters outside KS X 1001 are counted the way the gateways do:
- Hangul syllables outside KS X 1001 (e.g. '똠', '햏') are sent in CP949 (the extended
  EUC-KR that every Korean gateway accepts) and count 2 bytes. Python's strict 'euc_kr'
  codec would spell them as 8-byte make-up sequences, which no carrier counts.
- Anything CP949 cannot encode (emoji, most non-Korean scripts) counts 2 bytes, the width
  the gateways reserve for an unknown double-byte character. Such characters may arrive
  as '?' on older handsets, so the editor should warn about them (`has_unencodable`).
Line breaks count as they are: '\\n' is 1 byte, '\\r\\n' 2.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

SMS_MAX_BYTES = 90
LMS_MAX_BYTES = 2000
TOO_LONG_REASON = "MESSAGE_TOO_LONG"
UNKNOWN_CHARACTER_BYTES = 2


class SmsKind(StrEnum):
    SMS = "SMS"
    LMS = "LMS"
    TOO_LONG = "TOO_LONG"


class SmsLength(NamedTuple):
    bytes: int
    kind: SmsKind


def sms_bytes(text: str) -> int:
    """The number of bytes a carrier counts for `text` (see the module docstring)."""
    try:
        return len(text.encode("cp949"))
    except UnicodeEncodeError:
        return sum(_character_bytes(character) for character in text)


def _character_bytes(character: str) -> int:
    try:
        return len(character.encode("cp949"))
    except UnicodeEncodeError:
        return UNKNOWN_CHARACTER_BYTES


def has_unencodable(text: str) -> bool:
    """True when some character cannot be sent in CP949 and may show as '?' on a handset."""
    try:
        text.encode("cp949")
    except UnicodeEncodeError:
        return True
    return False


def measure_sms(text: str) -> SmsLength:
    """(bytes, SMS | LMS | TOO_LONG) for a text message, as the campaign editor shows it."""
    count = sms_bytes(text)
    if count <= SMS_MAX_BYTES:
        return SmsLength(count, SmsKind.SMS)
    if count <= LMS_MAX_BYTES:
        return SmsLength(count, SmsKind.LMS)
    return SmsLength(count, SmsKind.TOO_LONG)
