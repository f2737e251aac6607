"""SMS length in EUC-KR bytes as carriers count it, at the SMS and LMS boundaries."""

from __future__ import annotations

from kupon.messaging import SmsKind, measure_sms
from kupon.messaging.sms_length import has_unencodable, sms_bytes


def test_ascii_is_one_byte_and_korean_two():
    assert sms_bytes("abc") == 3
    assert sms_bytes("쿠폰") == 4
    assert sms_bytes("(광고) 10% 할인") == 1 + 4 + 1 + 1 + 3 + 1 + 4
    assert sms_bytes("줄\n바꿈") == 7


def test_korean_outside_ks_x_1001_and_emoji_count_two_bytes():
    # Python's strict EUC-KR would spell '똠' as an 8-byte make-up sequence; carriers count CP949's 2.
    assert sms_bytes("똠햏") == 4
    assert sms_bytes("🎁") == 2
    assert has_unencodable("선물🎁") and not has_unencodable("선물 똠")


def test_ninety_bytes_is_sms_ninety_one_is_lms():
    assert measure_sms("a" * 90) == (90, SmsKind.SMS)
    assert measure_sms("a" * 91) == (91, SmsKind.LMS)
    assert measure_sms("가" * 45) == (90, SmsKind.SMS)
    assert measure_sms("가" * 45 + "a") == (91, SmsKind.LMS)


def test_two_thousand_bytes_is_lms_more_is_too_long():
    assert measure_sms("가" * 1000) == (2000, SmsKind.LMS)
    assert measure_sms("가" * 1000 + "a") == (2001, SmsKind.TOO_LONG)
    assert measure_sms("a" * 2001).kind is SmsKind.TOO_LONG
