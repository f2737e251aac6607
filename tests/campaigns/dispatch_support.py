"""Fixtures and builders for the dispatch tests: the fake gateway and SMTP server reached through
the KUPON_* environment (as a worker reads it), campaigns built directly, and `run_due`, which
runs the scheduler and the jobs it queued at a test-clock instant."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gql.resolvers.campaign_scheduler import run_scheduler
from kupon.timeutil import SEOUL, clock_at
from models.activity import ConsentChannel, MarketingConsent
from models.campaigns import Campaign, CampaignMessage, CampaignRun, CreditEntry, CreditKind
from models.coupons import ShopSetting
from tests.factories import make_member, make_site
from tests.messaging.conftest import SENDER_KEY, SENDER_NUMBER, fake_gateway_server, gateway  # noqa: F401

SHOP = {"shop_name": "에듀몰", "opt_out_number": "080-123-4567", "public_url": "https://shop.example"}


def seoul(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=SEOUL)


@pytest.fixture
def gateway_env(gateway, monkeypatch):  # noqa: F811 - the fixture imported above
    for name, value in {"KUPON_SMS_BASE_URL": gateway.url, "KUPON_KAKAO_BASE_URL": gateway.url,
                        "KUPON_GATEWAY_API_KEY": gateway.api_key, "KUPON_GATEWAY_API_SECRET": gateway.api_secret,
                        "KUPON_GATEWAY_READ_TIMEOUT": "0.5", "KUPON_SMS_SENDER_NUMBER": SENDER_NUMBER,
                        "KUPON_KAKAO_SENDER_KEY": SENDER_KEY}.items():
        monkeypatch.setenv(name, value)
    return gateway


async def shop_settings(**values) -> None:
    await ShopSetting.update_or_create(key="messaging", defaults={"value": {**SHOP, **values}})


async def top_up(amount: int) -> None:
    await CreditEntry.create(kind=CreditKind.TOP_UP, amount=amount, at=datetime.now(UTC))


async def consenting_member(site=None, channels=("SMS", "KAKAO", "EMAIL"), **fields):
    member = await make_member(site or await make_site(), **fields)
    for channel in channels:
        await MarketingConsent.create(member=member, channel=ConsentChannel(channel), granted=True,
                                      changed_at=datetime(2026, 1, 1, tzinfo=UTC))
    return member


async def make_campaign(member_ids=(), at: datetime | None = None, **fields) -> Campaign:
    values = {"name": "봄 쿠폰", "message_type": "ADVERTISING", "channel": "SMS", "text": "{name}님 쿠폰 받으세요",
              "targets": {"member_ids": list(member_ids)}, "schedule": "NOW", "status": "SCHEDULED",
              "next_run_at": at or seoul(10, 10)}
    return await Campaign.create(**{**values, **fields})


async def run_due(app, at: datetime) -> None:
    """At `at`: the scheduler's minute, then every job it queued."""
    with clock_at(at):
        await run_scheduler()
        await app.state.job_runner.run_pending()


async def messages(campaign: Campaign) -> dict[int, CampaignMessage]:
    """member id -> message of the campaign's latest run."""
    run = await CampaignRun.filter(campaign=campaign).order_by("-scheduled_for").first()
    return {m.member_id: m for m in await CampaignMessage.filter(run=run)}


def keys_delivered(gateway) -> list[str]:  # noqa: F811
    return [r.body["idempotency_key"] for r in gateway.delivered()]
