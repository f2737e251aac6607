"""Creating, changing and cancelling campaigns: every check at its edge, schedules and next_run_at,
the operator's draft, the preview and the member search."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from gql.resolvers.campaigns import (
    PreviewInput,
    TemplateInput,
    cancel_campaign,
    create_campaign,
    message_template,
    preview_message,
    save_message_template,
    search_members,
    update_campaign,
)
from gql.resolvers.errors import Refused
from gql.resolvers.messaging_settings import update_messaging_settings
from kupon.timeutil import clock_at
from models.access import Role
from models.audit import AuditEntry
from models.campaigns import Campaign, CampaignRun, CampaignStatus, CouponMessageTemplate
from tests.campaigns.helpers import NOON, block, download_coupon, form, operator, seoul, set_shop
from tests.factories import make_coupon, make_member, make_site

TOMORROW = NOON.date() + timedelta(days=1)


@pytest.fixture(autouse=True)
def _noon():
    with clock_at(NOON):
        yield


def codes(refused: Refused) -> dict[str, str]:
    return {p.field or "": p.code for p in refused.problems}


async def refused_fields(actor, data) -> dict[str, str]:
    with pytest.raises(Refused) as caught:
        await create_campaign(actor, data)
    return codes(caught.value)


async def test_a_valid_campaign_is_scheduled_now(db):
    actor = await operator()
    coupon = await download_coupon()
    campaign = await create_campaign(actor, form(coupon.id))
    assert campaign.status == CampaignStatus.SCHEDULED
    assert campaign.next_run_at == NOON
    assert campaign.coupon_block["url"] == f"/coupons/{coupon.download_token}"
    assert campaign.targets == {"segment_ids": [], "groups": ["REGULARS"], "filters": None, "member_ids": []}
    assert await AuditEntry.filter(action="campaign.create").count() == 1


async def test_every_problem_at_once(db):
    actor = await operator()
    problems = await refused_fields(actor, form(
        name="", message_type="SPAM", channel="EMAIL", subject="", text="{nickname}님",
        coupon_block={"kind": "GIFT"}, targets={}, schedule="RESERVED", send_at=None,
        performance_days=400))
    assert problems == {
        "name": "REQUIRED", "message_type": "INVALID_CHOICE", "subject": "REQUIRED",
        "text": "CAMPAIGN_VARIABLE_UNKNOWN", "coupon_block.gift_name": "REQUIRED",
        "coupon_block.name": "REQUIRED", "coupon_block.description": "REQUIRED",
        "coupon_block.validity": "REQUIRED", "coupon_block.coupon_id": "REQUIRED",
        "targets": "CAMPAIGN_TARGETS_REQUIRED", "send_at": "REQUIRED", "performance_days": "CAMPAIGN_PERIOD_INVALID",
    }
    assert await Campaign.all().count() == 0


@pytest.mark.parametrize(("gift", "ok"), [("가" * 21 + "a", True), ("가" * 21 + "ab", False), ("a" * 64, True)])
async def test_gift_name_at_64_bytes(db, gift, ok):
    actor = await operator()
    coupon = await download_coupon()
    data = form(coupon.id, coupon_block=block(coupon.id, kind="GIFT", gift_name=gift))
    assert len(gift.encode()) == (64 if ok else 65)
    if ok:
        assert (await create_campaign(actor, data)).coupon_block["gift_name"] == gift
    else:
        assert await refused_fields(actor, data) == {"coupon_block.gift_name": "GIFT_NAME_TOO_LONG"}


@pytest.mark.parametrize(("changes", "problem"), [
    ({"kind": "PERCENT", "percent": 0}, {"coupon_block.percent": "INVALID_PERCENT"}),
    ({"kind": "PERCENT", "percent": 101}, {"coupon_block.percent": "INVALID_PERCENT"}),
    ({"kind": "PERCENT", "percent": 100}, {}),
    ({"kind": "WON", "amount": 0}, {"coupon_block.amount": "INVALID_AMOUNT"}),
    ({"kind": "WON", "amount": 3000}, {}),
    ({"kind": "COUPON"}, {"coupon_block.kind": "INVALID_CHOICE"}),
    ({"validity": "DAYS_5"}, {"coupon_block.validity": "INVALID_CHOICE"}),
    ({"validity": "SAME_DAY"}, {}),
    ({"description": "  "}, {"coupon_block.description": "REQUIRED"}),
])
async def test_coupon_block_fields(db, changes, problem):
    actor = await operator()
    coupon = await download_coupon()
    data = form(coupon.id, coupon_block=block(coupon.id, **changes))
    if problem:
        assert await refused_fields(actor, data) == problem
    else:
        await create_campaign(actor, data)


async def test_the_coupon_must_be_downloadable(db):
    actor = await operator()
    manual = await make_coupon()
    assert await refused_fields(actor, form(manual.id)) == {"coupon_block.coupon_id": "COUPON_NOT_DOWNLOADABLE"}
    assert await refused_fields(actor, form(999999)) == {"coupon_block.coupon_id": "NOT_FOUND"}


@pytest.mark.parametrize(("hour", "minute", "second", "ok"), [
    (20, 59, 0, True), (20, 59, 59, True), (21, 0, 0, False), (7, 59, 0, False), (7, 59, 59, False), (8, 0, 0, True),
])
async def test_advertising_reservation_and_the_night_ban(db, hour, minute, second, ok):
    actor = await operator()
    at = seoul(TOMORROW, hour, minute, second)
    data = form(schedule="RESERVED", send_at=at)
    if ok:
        campaign = await create_campaign(actor, data)
        assert campaign.next_run_at == at == campaign.send_at
    else:
        assert await refused_fields(actor, data) == {"send_at": "RESERVATION_NIGHT_BAN"}


async def test_informational_messages_may_be_reserved_at_night(db):
    actor = await operator()
    at = seoul(TOMORROW, 23, 30)
    campaign = await create_campaign(actor, form(message_type="INFORMATIONAL", schedule="RESERVED", send_at=at))
    assert campaign.next_run_at == at


async def test_email_at_night_only_when_the_shop_lifts_the_ban(db):
    owner = await operator(Role.OWNER)
    at = seoul(TOMORROW, 22, 0)
    data = form(channel="EMAIL", subject="{name}님께 드리는 혜택", schedule="RESERVED", send_at=at)
    assert await refused_fields(owner, data) == {"send_at": "RESERVATION_NIGHT_BAN"}
    await update_messaging_settings(owner, {"night_ban_email": False})
    assert (await create_campaign(owner, data)).send_at == at
    sms = form(channel="SMS", schedule="RESERVED", send_at=at)
    assert await refused_fields(owner, sms) == {"send_at": "RESERVATION_NIGHT_BAN"}


async def test_a_reservation_in_the_past_is_refused(db):
    actor = await operator()
    assert await refused_fields(actor, form(schedule="RESERVED", send_at=NOON)) == {"send_at": "SCHEDULE_IN_PAST"}


@pytest.mark.parametrize(("start", "repeat_time", "expected"), [
    (NOON.date(), "10:00", seoul(NOON.date() + timedelta(days=1), 10)),   # today's 10:00 has passed
    (NOON.date(), "12:00", NOON),                                          # exactly now counts
    (NOON.date(), "15:30", seoul(NOON.date(), 15, 30)),
    (NOON.date() - timedelta(days=10), "10:00", seoul(NOON.date() + timedelta(days=2), 10)),  # every 3 days
    (NOON.date() + timedelta(days=5), "09:00", seoul(NOON.date() + timedelta(days=5), 9)),
])
async def test_repeat_first_occurrence(db, start, repeat_time, expected):
    actor = await operator()
    every = 3 if start < NOON.date() else 1
    campaign = await create_campaign(actor, form(schedule="REPEAT", repeat_every_days=every,
                                                 repeat_time=repeat_time, start_date=start))
    assert campaign.next_run_at == expected
    assert campaign.repeat_time == repeat_time


@pytest.mark.parametrize(("changes", "problem"), [
    ({"repeat_time": "21:00"}, {"repeat_time": "REPEAT_TIME_NIGHT_BAN"}),
    ({"repeat_time": "07:59"}, {"repeat_time": "REPEAT_TIME_NIGHT_BAN"}),
    ({"repeat_time": "25:00"}, {"repeat_time": "REPEAT_TIME_INVALID"}),
    ({"repeat_every_days": 0}, {"repeat_every_days": "CAMPAIGN_PERIOD_INVALID"}),
    ({"start_date": None}, {"start_date": "REQUIRED"}),
    ({"end_date": date(2026, 3, 1)}, {"end_date": "WINDOW_ENDS_BEFORE_START"}),
    ({"end_date": NOON.date(), "repeat_time": "10:00"}, {"end_date": "REPEAT_NO_OCCURRENCE"}),
])
async def test_repeat_refusals(db, changes, problem):
    actor = await operator()
    data = form(schedule="REPEAT", repeat_every_days=1, repeat_time="10:00", start_date=NOON.date())
    data = form(**{**data.__dict__, **changes})
    assert await refused_fields(actor, data) == problem


async def test_informational_repeat_at_night_is_allowed(db):
    actor = await operator()
    campaign = await create_campaign(actor, form(message_type="INFORMATIONAL", schedule="REPEAT",
                                                 repeat_every_days=7, repeat_time="22:00", start_date=NOON.date()))
    assert campaign.next_run_at == seoul(NOON.date(), 22)


async def test_targets(db):
    actor = await operator()
    member = await make_member()
    good_filter = {"op": "AND", "children": [{"field": "POINTS_HELD", "cmp": {"op": "GTE", "value": 1000}},
                                             {"field": "TAGS", "match": "ANY", "tags": ["VIP"]}]}
    campaign = await create_campaign(actor, form(targets={"filters": good_filter}))
    assert campaign.targets["filters"] == good_filter
    assert await refused_fields(actor, form(targets={"filters": {"field": "SIGNED_UP", "days": 7}})) == {
        "targets.filters": "CAMPAIGN_FILTER_FIELD"}
    assert await refused_fields(actor, form(targets={"filters": {"field": "VISITS", "period": {"days": 0},
                                                                 "cmp": {"op": "GTE", "value": 1}}})) == {
        "targets.filters.period.days": "SEGMENT_NUMBER_OUT_OF_RANGE"}
    assert await refused_fields(actor, form(targets={"segment_ids": [12345], "groups": ["NOPE"]})) == {
        "targets.segment_ids[0]": "NOT_FOUND", "targets.groups[0]": "INVALID_CHOICE"}
    assert await refused_fields(actor, form(targets={"member_ids": [member.id], "groups": ["REGULARS"]})) == {
        "targets": "CAMPAIGN_PICKED_WITH_OTHERS"}
    picked = await create_campaign(actor, form(targets={"member_ids": [member.id, member.id]}, performance_days=7))
    assert picked.targets["member_ids"] == [member.id]
    assert picked.performance_days == 7


async def test_with_hand_picked_members_only_performance_applies(db):
    actor = await operator()
    member = await make_member()
    problems = await refused_fields(actor, form(targets={"member_ids": [member.id]}, visited_within_days=30,
                                                skip_messaged_within_days=7, never_twice=True, performance_days=7))
    assert problems == {"visited_within_days": "CAMPAIGN_SETTING_NOT_FOR_PICKED",
                        "skip_messaged_within_days": "CAMPAIGN_SETTING_NOT_FOR_PICKED",
                        "never_twice": "CAMPAIGN_SETTING_NOT_FOR_PICKED"}


async def test_sms_length_is_counted_on_the_message_as_sent(db):
    actor = await operator()
    # ASCII: 1 byte each. The advertising head and the 080 foot are added, so ~1,900 typed bytes go over.
    assert await refused_fields(actor, form(channel="SMS", text="a" * 1990)) == {"text": "SMS_TOO_LONG"}
    assert (await create_campaign(actor, form(channel="SMS", text="a" * 1500))).channel == "SMS"
    assert await refused_fields(actor, form(channel="FRIENDTALK", fallback_to_sms=True, text="a" * 1990)) == {
        "text": "SMS_TOO_LONG"}
    await create_campaign(actor, form(channel="FRIENDTALK", text="a" * 1990))  # Kakao alone: no SMS limit
    assert await refused_fields(actor, form(channel="SMS", fallback_to_sms=True)) == {
        "fallback_to_sms": "CAMPAIGN_FALLBACK_NOT_KAKAO"}


async def test_edit_and_cancel_until_it_goes_out(db):
    actor = await operator()
    at = seoul(TOMORROW, 10)
    campaign = await create_campaign(actor, form(schedule="RESERVED", send_at=at))
    moved = await update_campaign(actor, campaign.id, form(name="바뀐 이름", schedule="RESERVED",
                                                           send_at=at + timedelta(hours=2)))
    assert (moved.name, moved.next_run_at) == ("바뀐 이름", at + timedelta(hours=2))
    await CampaignRun.create(campaign=campaign, scheduled_for=moved.next_run_at)
    with pytest.raises(Refused) as caught:
        await update_campaign(actor, campaign.id, form(schedule="RESERVED", send_at=at))
    assert codes(caught.value) == {"id": "CAMPAIGN_NOT_EDITABLE"}
    with pytest.raises(Refused):
        await cancel_campaign(actor, campaign.id)

    other = await create_campaign(actor, form(schedule="RESERVED", send_at=at))
    cancelled = await cancel_campaign(actor, other.id)
    assert (cancelled.status, cancelled.next_run_at) == (CampaignStatus.CANCELLED, None)
    with pytest.raises(Refused):
        await update_campaign(actor, other.id, form())
    assert await AuditEntry.filter(action__in=["campaign.update", "campaign.cancel"]).count() == 2


async def test_a_repeating_campaign_can_be_stopped_after_it_ran(db):
    actor = await operator()
    campaign = await create_campaign(actor, form(schedule="REPEAT", repeat_every_days=1, repeat_time="10:00",
                                                 start_date=NOON.date()))
    await CampaignRun.create(campaign=campaign, scheduled_for=seoul(NOON.date(), 10))
    with pytest.raises(Refused):
        await update_campaign(actor, campaign.id, form())
    assert (await cancel_campaign(actor, campaign.id)).status == CampaignStatus.CANCELLED


async def test_viewers_and_keys_cannot_write(db):
    viewer = await operator(Role.VIEWER)
    with pytest.raises(Refused) as caught:
        await create_campaign(viewer, form())
    assert codes(caught.value) == {"": "FORBIDDEN"}


async def test_the_draft_is_overwritten(db):
    actor = await operator()
    other = await operator()
    coupon = await download_coupon()
    await save_message_template(actor, TemplateInput("FRIENDTALK", "첫 번째", block(coupon.id)))
    await save_message_template(actor, TemplateInput("SMS", "두 번째", block(coupon.id, kind="WON", amount=3000)))
    await save_message_template(other, TemplateInput("SMS", "다른 운영자", block(coupon.id)))
    draft = await message_template(actor)
    assert (draft.channel, draft.text, draft.coupon_block["amount"]) == ("SMS", "두 번째", 3000)
    assert "percent" not in draft.coupon_block
    assert await CouponMessageTemplate.all().count() == 2
    with pytest.raises(Refused) as caught:
        await save_message_template(actor, TemplateInput("SMS", "", {"kind": "WON"}))
    assert set(codes(caught.value)) == {"text", "coupon_block.amount", "coupon_block.name", "coupon_block.coupon_id",
                                        "coupon_block.description", "coupon_block.validity"}
    assert (await message_template(actor)).text == "두 번째"


async def test_preview_as_the_member_sees_it(db):
    owner = await operator(Role.OWNER)
    await set_shop(shop_name="식스샵", opt_out_number="080-123-4567", public_url="https://shop.example")
    coupon = await download_coupon()
    member = await make_member(name="김민지")
    data = PreviewInput("ADVERTISING", "FRIENDTALK", "{name}님 환영합니다", coupon_block=block(coupon.id))
    shown = await preview_message(owner, data, member.id)
    assert shown.text.startswith("(광고)[식스샵]\n김민지님 환영합니다")
    assert "무료수신거부 080-123-4567" in shown.text
    assert shown.buttons == [("쿠폰 받기", f"https://shop.example/coupons/{coupon.download_token}")]
    assert shown.sms_bytes is None
    sms = await preview_message(owner, PreviewInput("ADVERTISING", "SMS", "{name}님", coupon_block=block(coupon.id)))
    assert sms.member_name == "홍길동"
    assert f"https://shop.example/coupons/{coupon.download_token}" in sms.text
    assert sms.sms_kind == "LMS" and sms.sms_bytes > 90
    short = await preview_message(owner, PreviewInput("INFORMATIONAL", "SMS", "안녕"))
    assert (short.sms_kind, short.sms_bytes) == ("SMS", 4)
    mail = await preview_message(owner, PreviewInput("ADVERTISING", "EMAIL", "본문", subject="{name}님 혜택"))
    assert mail.subject == "(광고) 홍길동님 혜택"


async def test_member_search_masks_phones(db):
    actor = await operator()
    site = await make_site()
    kim = await make_member(site, name="김민지", phone="010-2222-3456")
    await make_member(site, name="이서준", phone="010-9999-1111")
    await make_member(site, name="김민지", phone="010-3333-4444", is_active=False)
    by_name = await search_members(actor, "민지")
    assert [(m.id, m.phone_masked) for m in by_name] == [(kim.id, "010-****-3456")]
    assert [m.id for m in await search_members(actor, "3456")] == [kim.id]
    assert [m.id for m in await search_members(actor, "01022223456")] == [kim.id]
    assert [m.id for m in await search_members(actor, "010-2222-3456")] == [kim.id]
    assert await search_members(actor, "") == []
