"""The night-time ban at its edges, and the text an advertising message must carry."""

from datetime import datetime

import pytest

from gql.resolvers.ad_rules import (
    ShopIdentity,
    advertising_subject,
    advertising_text,
    in_night_ban,
    next_allowed,
    night_ban_applies,
)
from kupon.timeutil import SEOUL


def seoul(hour: int, minute: int, second: int, day: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=SEOUL)


@pytest.mark.parametrize(("moment", "banned"), [
    (seoul(20, 59, 59), False),
    (seoul(21, 0, 0), True),
    (seoul(23, 59, 59), True),
    (seoul(0, 0, 0), True),
    (seoul(7, 59, 59), True),
    (seoul(8, 0, 0), False),
])
def test_night_ban_edges(moment, banned):
    assert in_night_ban(moment) is banned
    assert in_night_ban(moment.astimezone(SEOUL).replace(tzinfo=SEOUL)) is banned


def test_next_allowed_is_eight_in_the_morning():
    assert next_allowed(seoul(21, 0, 0)) == seoul(8, 0, 0, day=11)
    assert next_allowed(seoul(7, 59, 59)) == seoul(8, 0, 0)
    assert next_allowed(seoul(20, 59, 59)) == seoul(20, 59, 59)


def test_email_is_exempt_only_when_the_shop_says_so():
    assert night_ban_applies("EMAIL", ban_email=True)
    assert not night_ban_applies("EMAIL", ban_email=False)
    assert night_ban_applies("FRIENDTALK", ban_email=False)


def test_advertising_text_carries_prefix_shop_and_free_opt_out():
    shop = ShopIdentity(name="에듀몰", opt_out_number="080-123-4567")
    text = advertising_text("(광고) 첫 구매 쿠폰을 드려요", "SMS", shop)
    assert text.startswith("(광고)[에듀몰]\n첫 구매 쿠폰을 드려요")
    assert text.count("(광고)") == 1
    assert text.endswith("무료수신거부 080-123-4567")
    mail = advertising_text("쿠폰", "EMAIL", shop, unsubscribe_url="https://shop.example/u/abc")
    assert "https://shop.example/u/abc" in mail and mail.startswith("(광고)")
    assert advertising_subject("(광고)  봄 세일") == "(광고) 봄 세일"
