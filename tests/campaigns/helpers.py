"""Shared data for the campaign tests: a downloadable coupon, a valid form, an operator."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time

from gql.resolvers.access import operator_actor
from gql.resolvers.campaigns import CampaignInput
from kupon.timeutil import SEOUL
from models.access import Role
from tests.factories import make_coupon, make_operator

# A Tuesday noon in Seoul: every test sets the clock here unless it needs another moment.
NOON = datetime(2026, 3, 10, 12, 0, tzinfo=SEOUL)


def seoul(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), tzinfo=SEOUL)


async def operator(role: Role = Role.OPERATOR):
    return operator_actor(await make_operator(role))


async def download_coupon(**fields):
    return await make_coupon(**{"name": "신규 회원 첫 구매 쿠폰", "issue_method": "DOWNLOAD", **fields})


def block(coupon_id: int, **changes) -> dict:
    return {"kind": "PERCENT", "percent": 10, "name": "신규 회원 첫 구매 쿠폰", "coupon_id": coupon_id,
            "description": "첫 주문에 10% 할인", "validity": "DAYS_7", **changes}


def form(coupon_id: int | None = None, **changes) -> CampaignInput:
    """A valid advertising friendtalk sent now to the built-in regulars."""
    base = CampaignInput(
        name="신규 회원의 첫 구매 유도하기", message_type="ADVERTISING", channel="FRIENDTALK",
        text="{name}님, 가입을 환영합니다!", coupon_block=block(coupon_id) if coupon_id else None,
        targets={"groups": ["REGULARS"]}, schedule="NOW")
    return replace(base, **changes)


async def set_shop(**values) -> None:
    """Messaging settings (shop name, 080 number, public URL...) as the OWNER sets them."""
    from gql.resolvers.messaging_settings import update_messaging_settings

    await update_messaging_settings(await operator(Role.OWNER), values)
