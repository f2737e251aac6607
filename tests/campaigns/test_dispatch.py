"""Sending campaigns through the fake gateway: the night-time ban at its edges, consent, opt-out,
never twice, credit pause and resume, retries, permanent failures and the Kakao fallback."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gql.resolvers.access import operator_actor
from gql.resolvers.campaign_scheduler import resume_runs
from gql.resolvers.message_credit import credit_balance, top_up_credit
from gql.resolvers.opt_out import record_opt_out
from kupon.timeutil import clock_at
from models.access import Role
from models.activity import ConsentChannel, MarketingConsent
from models.campaigns import CampaignRun, ComplianceEvent, CreditEntry, OptOut
from tests.campaigns.dispatch_support import (
    consenting_member,
    fake_gateway_server,  # noqa: F401 - fixtures
    gateway,  # noqa: F401
    gateway_env,  # noqa: F401
    keys_delivered,
    make_campaign,
    messages,
    run_due,
    seoul,
    shop_settings,
    top_up,
)
from tests.factories import make_member, make_operator, make_site


@pytest.fixture
async def shop(db, app, gateway_env):  # noqa: F811 - the fixture
    await shop_settings()
    await top_up(100_000)
    return gateway_env


@pytest.mark.parametrize(("hour", "minute", "second", "goes"), [
    (20, 59, 59, True), (21, 0, 0, False), (7, 59, 59, False), (8, 0, 0, True)])
async def test_night_ban_edges(shop, app, hour, minute, second, goes):
    member = await consenting_member()
    at = seoul(10, hour, minute, second)
    campaign = await make_campaign([member.id], at=at)
    await run_due(app, at)
    run = await CampaignRun.get(campaign=campaign)
    message = (await messages(campaign))[member.id]
    if goes:
        assert (run.status, message.status) == ("DONE", "SENT")
        assert message.text.startswith("(광고)[에듀몰]") and message.text.endswith("무료수신거부 080-123-4567")
        return
    assert (run.status, message.status) == ("DEFERRED", "QUEUED")
    assert keys_delivered(shop) == []
    eight = seoul(11 if hour >= 21 else 10, 8)
    assert run.resume_at == eight
    event = await ComplianceEvent.get(run=run)
    assert (event.kind, event.reason) == ("RUN_DEFERRED", "NIGHT_BAN")
    await run_due(app, eight - timedelta(seconds=1))
    assert keys_delivered(shop) == []
    await run_due(app, eight)
    assert (await CampaignRun.get(id=run.id)).status == "DONE"
    assert keys_delivered(shop) == [f"run-{run.id}:member-{member.id}"]


async def test_night_consent_goes_at_night_and_informational_is_not_banned(shop, app):
    night_owl = await consenting_member(channels=("SMS", "NIGHT"))
    sleeper = await consenting_member()
    at = seoul(10, 22)
    ad = await make_campaign([night_owl.id, sleeper.id], at=at)
    notice = await make_campaign([sleeper.id], at=at, message_type="INFORMATIONAL", name="배송 안내")
    await run_due(app, at)
    ad_messages = await messages(ad)
    assert (ad_messages[night_owl.id].status, ad_messages[sleeper.id].status) == ("SENT", "QUEUED")
    assert (await messages(notice))[sleeper.id].status == "SENT"
    assert (await CampaignRun.get(campaign=ad)).status == "DEFERRED"


async def test_advertising_only_to_consent_on_the_channel(shop, app):
    site = await make_site()
    sms_only = await consenting_member(site, channels=("SMS",))
    kakao_only = await consenting_member(site, channels=("KAKAO",))
    withdrawn = await make_member(site)
    await MarketingConsent.create(member=withdrawn, channel=ConsentChannel.SMS, granted=False,
                                  changed_at=seoul(1, 9))
    no_phone = await consenting_member(site, phone="")
    campaign = await make_campaign([sms_only.id, kakao_only.id, withdrawn.id, no_phone.id])
    await run_due(app, seoul(10, 10))
    found = await messages(campaign)
    assert {m: (found[m].status, found[m].reason) for m in found} == {
        sms_only.id: ("SENT", ""), kakao_only.id: ("EXCLUDED", "NO_CONSENT"),
        withdrawn.id: ("EXCLUDED", "NO_CONSENT"), no_phone.id: ("EXCLUDED", "NO_CONTACT")}
    assert [r.to for r in shop.delivered()] == [sms_only.phone.replace("-", "")]
    run = await CampaignRun.get(campaign=campaign)
    assert (run.targets, run.sent, run.excluded) == (4, 1, {"NO_CONSENT": 2, "NO_CONTACT": 1})


async def test_opted_out_member_gets_nothing_after_the_opt_out_even_when_queued(shop, app):
    member = await consenting_member()
    other = await consenting_member()
    owner = await make_operator(Role.OWNER)
    campaign = await make_campaign([member.id, other.id], at=seoul(10, 22))
    await run_due(app, seoul(10, 22))  # selected, then deferred by the night-time ban: both QUEUED
    assert {m.status for m in (await messages(campaign)).values()} == {"QUEUED"}
    with clock_at(seoul(10, 23)):
        opt_out = await record_opt_out(operator_actor(owner), member.id, "SMS", via="CALL_080")
    consent = await MarketingConsent.get(member=member, channel=ConsentChannel.SMS)
    assert not consent.granted and consent.changed_at == seoul(10, 23)
    assert (await messages(campaign))[member.id].reason == "NO_CONSENT"
    await run_due(app, seoul(11, 8))
    delivered = shop.delivered(to=member.phone.replace("-", ""))
    # The only message the member got after opting out is the result of the opt-out (informational).
    assert len(delivered) == 1 and "수신거부가 처리되었습니다" in delivered[0].body["text"]
    assert not delivered[0].body["text"].startswith("(광고)")
    assert (await OptOut.get(id=opt_out.id)).confirmation_sent_at is not None
    assert (await messages(campaign))[other.id].status == "SENT"
    next_campaign = await make_campaign([member.id], at=seoul(11, 10), name="다음 캠페인")
    await run_due(app, seoul(11, 10))
    assert (await messages(next_campaign))[member.id].reason == "NO_CONSENT"


async def test_consent_withdrawn_after_selection_is_checked_at_send_time(shop, app):
    member = await consenting_member()
    campaign = await make_campaign([member.id], at=seoul(10, 22))
    await run_due(app, seoul(10, 22))
    await MarketingConsent.filter(member=member).update(granted=False)  # e.g. the shop's back end, not an opt-out
    await run_due(app, seoul(11, 8))
    assert (await messages(campaign))[member.id].reason == "NO_CONSENT"
    assert keys_delivered(shop) == []


async def test_never_twice_across_runs_of_a_repeating_campaign(shop, app):
    site = await make_site()
    first = await consenting_member(site)
    campaign = await make_campaign([], at=seoul(10, 10), schedule="REPEAT", repeat_every_days=1, repeat_time="10:00",
                                   start_date=seoul(10, 10).date(), never_twice=True,
                                   targets={"filters": {"field": "GRADE", "grades": ["BASIC"]}})
    await run_due(app, seoul(10, 10))
    assert (await CampaignRun.get(campaign=campaign)).sent == 1
    second = await consenting_member(site)
    await run_due(app, seoul(11, 10))
    found = await messages(campaign)
    assert (found[first.id].status, found[first.id].reason) == ("EXCLUDED", "DUPLICATE")
    assert found[second.id].status == "SENT"
    assert sorted(r.to for r in shop.delivered()) == sorted(m.phone.replace("-", "") for m in (first, second))
    await campaign.refresh_from_db()
    assert (campaign.status, campaign.next_run_at) == ("SCHEDULED", seoul(12, 10))


async def test_credit_pauses_the_run_and_a_top_up_resumes_it(db, app, gateway_env):  # noqa: F811
    await shop_settings(prices={"SMS": 10})
    await top_up(25)
    members = [await consenting_member() for _ in range(4)]
    campaign = await make_campaign([m.id for m in members])
    await run_due(app, seoul(10, 10))
    run = await CampaignRun.get(campaign=campaign)
    assert (run.status, run.pause_reason, run.sent) == ("PAUSED", "CREDIT_EXHAUSTED", 2)
    assert await credit_balance() == 5
    assert (await ComplianceEvent.get(run=run)).reason == "CREDIT_EXHAUSTED"
    await run_due(app, seoul(10, 11))
    assert (await CampaignRun.get(id=run.id)).status == "PAUSED"
    owner = await make_operator(Role.OWNER)
    await top_up_credit(operator_actor(owner), 100, "충전")
    await run_due(app, seoul(10, 12))
    run = await CampaignRun.get(id=run.id)
    assert (run.status, run.sent) == ("DONE", 4)
    assert await credit_balance() == 85
    assert len(keys_delivered(gateway_env)) == 4


async def test_transient_failure_retries_with_the_same_key_and_succeeds(shop, app):
    member = await consenting_member()
    shop.fail(503, times=2)
    campaign = await make_campaign([member.id])
    await run_due(app, seoul(10, 10))
    message = (await messages(campaign))[member.id]
    assert (message.status, message.attempts, message.reason) == ("QUEUED", 1, "HTTP_503")
    assert message.next_attempt_at is not None
    await run_due(app, seoul(10, 11))
    await run_due(app, seoul(10, 12))
    message = (await messages(campaign))[member.id]
    assert (message.status, message.attempts) == ("SENT", 3)
    assert {r.body["idempotency_key"] for r in shop.requests()} == {message_key(message)}
    assert len(keys_delivered(shop)) == 1


def message_key(message) -> str:
    return f"run-{message.run_id}:member-{message.member_id}"


async def test_permanent_failure_fails_with_the_reason_and_is_refunded(shop, app):
    member = await consenting_member()
    shop.reject(member.phone.replace("-", ""), code="INVALID_NUMBER")
    campaign = await make_campaign([member.id])
    before = await credit_balance()
    await run_due(app, seoul(10, 10))
    message = (await messages(campaign))[member.id]
    assert (message.status, message.reason, message.price) == ("FAILED", "INVALID_NUMBER", 0)
    assert await credit_balance() == before
    assert await CreditEntry.filter(message_id=message.id, kind="REFUND").count() == 1
    run = await CampaignRun.get(campaign=campaign)
    assert (run.status, run.failed) == ("DONE", 1)


async def test_kakao_falls_back_to_sms_when_the_campaign_says(shop, app):
    site = await make_site()
    both = await consenting_member(site, channels=("KAKAO", "SMS"))
    kakao_only = await consenting_member(site, channels=("KAKAO",))
    for member in (both, kakao_only):
        shop.no_kakaotalk(member.phone.replace("-", ""))
    campaign = await make_campaign([both.id, kakao_only.id], channel="FRIENDTALK", fallback_to_sms=True,
                                   coupon_block={"kind": "AMOUNT", "amount": 3000, "name": "첫 구매 쿠폰",
                                                 "url": "/coupons/tok", "description": "첫 주문에",
                                                 "validity": "DAYS_7"})
    await run_due(app, seoul(10, 10))
    found = await messages(campaign)
    assert (found[both.id].status, found[both.id].channel) == ("SENT", "LMS")
    # No SMS consent: an advertising message does not fall back to SMS.
    assert (found[kakao_only.id].status, found[kakao_only.id].reason) == ("FAILED", "NO_KAKAOTALK")
    [sms] = shop.delivered(path="/v1/sms")
    assert "https://shop.example/coupons/tok" in sms.body["text"]
    assert found[both.id].price == 27  # the LMS price, not friendtalk's


async def test_repeat_campaign_ends_after_end_date_and_resume_is_idempotent(shop, app):
    member = await consenting_member()
    campaign = await make_campaign([member.id], schedule="REPEAT", repeat_every_days=2, repeat_time="10:00",
                                   start_date=seoul(10, 10).date(), end_date=seoul(11, 10).date())
    await run_due(app, seoul(10, 10))
    await campaign.refresh_from_db()
    assert (campaign.status, campaign.next_run_at) == ("DONE", None)
    assert await resume_runs(seoul(10, 11)) == []
