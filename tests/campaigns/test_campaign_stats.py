"""Campaign statistics: counts per run and campaign with the send rate, performance within the
window after each message (its edges), credit spending per channel, and the compliance list."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gql.resolvers.campaign_stats import (
    campaign_stats,
    compliance_events,
    exclusions,
    performance,
    run_stats,
    spending_by_channel,
)
from gql.resolvers.campaigns import create_campaign
from gql.resolvers.errors import Refused
from gql.resolvers.pagination import PageRequest
from kupon.timeutil import clock_at
from models.access import Role
from models.activity import Visit
from models.campaigns import CampaignMessage, CampaignRun, ComplianceEvent, CreditEntry, CreditKind, MessageStatus
from models.coupons import MemberCouponStatus
from models.orders import OrderStatus
from tests.campaigns.helpers import NOON, download_coupon, form, operator
from tests.factories import give_coupon, make_member, make_order, make_site

SENT = MessageStatus.SENT


@pytest.fixture(autouse=True)
def _noon():
    with clock_at(NOON):
        yield


async def message(run, member, status=SENT, reason="", price=0, sent_at=None, channel="FRIENDTALK"):
    row = await CampaignMessage.create(run=run, campaign_id=run.campaign_id, member=member, status=status,
                                       reason=reason, price=price, channel=channel, queued_at=run.scheduled_for,
                                       sent_at=sent_at or (run.scheduled_for if status == SENT else None))
    if price:
        await CreditEntry.create(kind=CreditKind.CHARGE, amount=-price, message=row, at=run.scheduled_for)
    return row


async def test_counts_per_run_and_campaign(db):
    actor = await operator()
    campaign = await create_campaign(actor, form())
    members = [await make_member() for _ in range(8)]
    first = await CampaignRun.create(campaign=campaign, scheduled_for=NOON)
    second = await CampaignRun.create(campaign=campaign, scheduled_for=NOON + timedelta(days=1))
    for m in members[:3]:
        await message(first, m, price=15)
    await message(first, members[3], MessageStatus.FAILED, "INVALID_NUMBER")
    await message(first, members[4], MessageStatus.EXCLUDED, "NO_CONSENT")
    await message(first, members[5], MessageStatus.EXCLUDED, "NO_CONSENT")
    await message(first, members[6], MessageStatus.EXCLUDED, "NIGHT_BAN")
    await message(second, members[7], price=15)
    await message(second, members[0], MessageStatus.EXCLUDED, "DUPLICATE")
    await message(second, members[1], MessageStatus.QUEUED)

    stats = await campaign_stats(actor, campaign.id)
    assert [r.run.id for r in stats.runs] == [second.id, first.id]  # newest first
    one = stats.runs[1].counts
    assert (one.targets, one.sent, one.failed, one.queued, one.spent) == (7, 3, 1, 0, 45)
    assert one.excluded == {"NO_CONSENT": 2, "NIGHT_BAN": 1}
    assert one.send_rate == pytest.approx(3 / 7)
    total = stats.counts
    assert (total.targets, total.sent, total.failed, total.queued, total.excluded_total) == (10, 4, 1, 1, 4)
    assert total.excluded == {"NO_CONSENT": 2, "NIGHT_BAN": 1, "DUPLICATE": 1}
    assert total.send_rate == pytest.approx(0.4)
    assert (await run_stats(actor, second.id)).counts.sent == 1
    with pytest.raises(Refused):
        await run_stats(actor, 999999)


async def test_no_runs_yet(db):
    actor = await operator()
    campaign = await create_campaign(actor, form())
    stats = await campaign_stats(actor, campaign.id)
    assert (stats.counts.targets, stats.counts.send_rate, stats.runs) == (0, 0.0, [])
    [whole] = await performance(actor, campaign.id)
    assert (whole.recipients, whole.visits, whole.days) == (0, 0, 7)


async def test_performance_within_the_window_after_sending(db):
    actor = await operator()
    coupon = await download_coupon()
    campaign = await create_campaign(actor, form(coupon.id, performance_days=3))
    site = await make_site()
    a, b, c, d = [await make_member(site) for _ in range(4)]
    run = await CampaignRun.create(campaign=campaign, scheduled_for=NOON)
    for m in (a, b, c):
        await message(run, m)
    await message(run, d, MessageStatus.EXCLUDED, "NO_CONSENT")
    edge = NOON + timedelta(days=3)
    for member, at in [(a, NOON), (a, NOON + timedelta(days=1)), (b, edge - timedelta(seconds=1)),
                       (c, edge), (c, NOON - timedelta(seconds=1)), (d, NOON + timedelta(hours=1))]:
        await Visit.create(member=member, site=site, channel="APP", at=at)
    await make_order(a, ordered_at=NOON + timedelta(hours=2), paid_amount=20000)
    await make_order(a, ordered_at=NOON + timedelta(days=2), paid_amount=5000)
    await make_order(b, ordered_at=NOON + timedelta(hours=2), status=OrderStatus.CANCELLED)
    await make_order(c, ordered_at=edge)
    await give_coupon(coupon, a, issued_at=NOON + timedelta(minutes=5), status=MemberCouponStatus.USED,
                      used_at=NOON + timedelta(hours=2))
    await give_coupon(coupon, b, issued_at=NOON + timedelta(minutes=5))
    await give_coupon(coupon, d, issued_at=NOON + timedelta(minutes=5))  # not a recipient

    [whole] = await performance(actor, campaign.id)
    assert (whole.recipients, whole.visitors, whole.visits) == (3, 2, 3)
    assert (whole.buyers, whole.orders, whole.revenue) == (1, 2, 25000)
    assert (whole.downloads, whole.redemptions, whole.days) == (2, 1, 3)
    assert whole.visit_rate == pytest.approx(2 / 3)
    [per_run] = await performance(actor, campaign.id, per_run=True)
    assert (per_run.run_id, per_run.visits, per_run.redemptions) == (run.id, 3, 1)


async def test_a_member_sent_twice_counts_once_for_the_campaign(db):
    actor = await operator()
    campaign = await create_campaign(actor, form(performance_days=2))
    site = await make_site()
    member = await make_member(site)
    first = await CampaignRun.create(campaign=campaign, scheduled_for=NOON)
    second = await CampaignRun.create(campaign=campaign, scheduled_for=NOON + timedelta(days=1))
    await message(first, member)
    await message(second, member)
    await Visit.create(member=member, site=site, channel="APP", at=NOON + timedelta(days=1, hours=1))
    [whole] = await performance(actor, campaign.id)
    assert (whole.recipients, whole.visits) == (1, 1)
    runs = await performance(actor, campaign.id, per_run=True)
    assert sorted((p.run_id, p.recipients, p.visits) for p in runs) == [(first.id, 1, 1), (second.id, 1, 1)]


async def test_spending_per_channel(db):
    actor = await operator()
    campaign = await create_campaign(actor, form())
    run = await CampaignRun.create(campaign=campaign, scheduled_for=NOON)
    members = [await make_member() for _ in range(3)]
    await message(run, members[0], price=15)
    await message(run, members[1], price=27, channel="LMS")
    refunded = await message(run, members[2], MessageStatus.FAILED, "INVALID_NUMBER", price=15)
    await CreditEntry.create(kind=CreditKind.REFUND, amount=15, message=refunded, at=NOON)
    await CreditEntry.create(kind=CreditKind.TOP_UP, amount=10000, at=NOON)
    spent = await spending_by_channel(actor)
    assert [(s.channel, s.messages, s.amount) for s in spent] == [("FRIENDTALK", 1, 15), ("LMS", 1, 27)]
    assert await spending_by_channel(actor, since=NOON + timedelta(seconds=1)) == []


async def test_compliance_list(db):
    actor = await operator()
    campaign = await create_campaign(actor, form())
    run = await CampaignRun.create(campaign=campaign, scheduled_for=NOON)
    await ComplianceEvent.create(campaign=campaign, run=run, kind="RUN_DEFERRED", reason="NIGHT_BAN", at=NOON)
    await ComplianceEvent.create(kind="CONSENT_NOTICE_SENT", reason="", at=NOON + timedelta(minutes=1))
    for reason in ("NO_CONSENT", "NO_CONSENT", "NIGHT_BAN"):
        await message(run, await make_member(), MessageStatus.EXCLUDED, reason)
    page = await compliance_events(actor, PageRequest(first=10))
    assert [e.kind for e in page.items] == ["CONSENT_NOTICE_SENT", "RUN_DEFERRED"]
    assert [e.kind for e in (await compliance_events(actor, PageRequest(), kind="RUN_DEFERRED")).items] == [
        "RUN_DEFERRED"]
    found = await exclusions(actor)
    assert [(e.campaign_id, e.reason, e.count) for e in found] == [(campaign.id, "NIGHT_BAN", 1),
                                                                    (campaign.id, "NO_CONSENT", 2)]


async def test_api_keys_read_and_anonymous_do_not(db):
    from gql.resolvers.access import ANONYMOUS, Actor, ActorKind
    from models.access import ApiKeyScope

    campaign = await create_campaign(await operator(), form())
    dashboard = Actor(ActorKind.API_KEY, id=1, label="dashboard", scope=ApiKeyScope.READ)
    assert (await campaign_stats(dashboard, campaign.id)).counts.targets == 0
    with pytest.raises(Refused):
        await campaign_stats(ANONYMOUS, campaign.id)
    viewer = await operator(Role.VIEWER)
    assert (await spending_by_channel(viewer)) == []
