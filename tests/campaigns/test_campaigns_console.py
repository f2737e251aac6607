"""The campaigns screen over HTTP: the list, the editor (inline errors, live preview with the SMS
byte count, member search and picking by hand, the draft), a campaign's page with its runs,
statistics and chart, cancelling, the credit page (OWNER top-up) and the compliance page, in
English and Korean; VIEWERs kept out of every change."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kupon.timeutil import clock_at
from models.access import Role
from models.campaigns import (
    Campaign,
    CampaignMessage,
    CampaignRun,
    CampaignStatus,
    ComplianceEvent,
    CouponMessageTemplate,
    CreditEntry,
    MessageStatus,
)
from tests.campaigns.helpers import NOON, download_coupon
from tests.conftest import console_login
from tests.factories import PASSWORD, make_member, make_operator

HTMX = {"HX-Request": "true"}
ENGLISH = {"Accept-Language": "en"}
KOREAN = {"Accept-Language": "ko"}


@pytest.fixture(autouse=True)
def _noon():
    with clock_at(NOON):
        yield


async def signed_in(client, role=Role.OPERATOR) -> str:
    operator = await make_operator(role)
    return await console_login(client, operator.login_id, PASSWORD)


async def post(client, url: str, csrf: str, data: dict | None = None, htmx: bool = True, **headers):
    return await client.post(url, data=data or {}, headers={**(HTMX if htmx else {}), "X-CSRF-Token": csrf,
                                                           **ENGLISH, **headers})


def editor(coupon_id: int, **changes) -> dict:
    """Seed 002's campaign as the editor posts it: a daily advertising friendtalk at 10:00, no duplicates."""
    return {"name": "신규 회원의 첫 구매 유도하기", "message_type": "ADVERTISING", "channel": "FRIENDTALK",
            "text": "{name}님, 가입을 환영합니다!", "with_coupon": "on", "coupon_block.kind": "PERCENT",
            "coupon_block.percent": "10", "coupon_block.name": "신규 회원 첫 구매 쿠폰",
            "coupon_block.coupon_id": str(coupon_id), "coupon_block.description": "첫 주문에 10% 할인",
            "coupon_block.validity": "DAYS_3", "target_mode": "CHOOSE", "groups": ["REGULARS"],
            "schedule": "REPEAT", "repeat_every_days": "1", "repeat_time": "10:00",
            "start_date": NOON.date().isoformat(), "never_twice": "on", **changes}


async def test_pages_render_in_english_and_korean(client, db):
    await signed_in(client)
    for url in ("/admin/campaigns", "/admin/campaigns/new", "/admin/campaigns/credit", "/admin/campaigns/compliance"):
        english = await client.get(url, headers=ENGLISH)
        assert english.status_code == 200, url
        korean = await client.get(url, headers=KOREAN)
        assert korean.status_code == 200, url
    assert "Message credit balance" in (await client.get("/admin/campaigns", headers=ENGLISH)).text
    assert "메시지 이용권 잔액" in (await client.get("/admin/campaigns", headers=KOREAN)).text
    new = (await client.get("/admin/campaigns/new", headers=KOREAN)).text
    assert "발송 설정" in new and "미리보기" in new


async def test_create_with_inline_errors_then_save(client, db):
    csrf = await signed_in(client)
    coupon = await download_coupon()
    bad = await post(client, "/admin/campaigns/new", csrf, editor(
        coupon.id, repeat_time="22:00", **{"coupon_block.percent": "0", "name": ""}))
    assert bad.status_code == 422
    assert 'name="repeat_time" value="22:00" aria-invalid="true"' in bad.text
    assert "A repeating advertising message cannot go out from 21:00 to 07:59" in bad.text
    assert 'name="coupon_block.percent" value="0" inputmode="numeric" aria-invalid="true"' in bad.text
    assert await Campaign.all().count() == 0
    assert await ComplianceEvent.filter(kind="RESERVATION_REFUSED", reason="REPEAT_TIME_NIGHT_BAN").count() == 1

    saved = await post(client, "/admin/campaigns/new", csrf, editor(coupon.id))
    assert saved.status_code == 204
    campaign = await Campaign.get()
    assert saved.headers["HX-Redirect"] == f"/admin/campaigns/{campaign.id}"
    assert (campaign.status, campaign.never_twice, campaign.repeat_time) == (CampaignStatus.SCHEDULED, True, "10:00")
    assert campaign.coupon_block == {"kind": "PERCENT", "percent": 10, "name": "신규 회원 첫 구매 쿠폰",
                                     "description": "첫 주문에 10% 할인", "validity": "DAYS_3",
                                     "coupon_id": coupon.id, "url": f"/coupons/{coupon.download_token}"}
    listed = await client.get("/admin/campaigns", headers=ENGLISH)
    assert f'id="campaign-{campaign.id}"' in listed.text and "every 1 days at 10:00" in listed.text


async def test_reservation_from_the_seoul_time_input(client, db):
    csrf = await signed_in(client)
    tomorrow = (NOON.date() + timedelta(days=1)).isoformat()
    base = {"name": "예약", "message_type": "ADVERTISING", "channel": "SMS", "text": "안녕하세요",
            "target_mode": "CHOOSE", "groups": ["REGULARS"], "schedule": "RESERVED"}
    night = await post(client, "/admin/campaigns/new", csrf, {**base, "send_at": f"{tomorrow}T21:00"})
    assert night.status_code == 422 and "cannot be reserved from 21:00:00 to 07:59:59" in night.text
    fine = await post(client, "/admin/campaigns/new", csrf, {**base, "send_at": f"{tomorrow}T20:59"})
    assert fine.status_code == 204
    campaign = await Campaign.get()
    assert campaign.send_at == NOON.replace(hour=20, minute=59) + timedelta(days=1)
    edit = await client.get(f"/admin/campaigns/{campaign.id}/edit", headers=ENGLISH)
    assert f'value="{tomorrow}T20:59"' in edit.text
    moved = await post(client, f"/admin/campaigns/{campaign.id}/edit", csrf, {**base, "send_at": f"{tomorrow}T08:00"})
    assert moved.status_code == 204
    assert (await Campaign.get()).send_at == NOON.replace(hour=8) + timedelta(days=1)


async def test_live_preview_counts_sms_bytes(client, db):
    csrf = await signed_in(client)
    shown = await post(client, "/admin/campaigns/preview", csrf, {
        "message_type": "INFORMATIONAL", "channel": "SMS", "text": "안녕 {name}"})
    assert shown.status_code == 200
    assert 'id="sms-bytes" data-bytes="11" data-kind="SMS"' in shown.text  # 안녕 홍길동: 2 bytes a letter, 1 a space
    assert "안녕 홍길동" in shown.text
    long = await post(client, "/admin/campaigns/preview", csrf, {
        "message_type": "ADVERTISING", "channel": "SMS", "text": "가" * 1000})
    assert 'data-kind="TOO_LONG"' in long.text
    kakao = await post(client, "/admin/campaigns/preview", csrf, {
        "message_type": "ADVERTISING", "channel": "FRIENDTALK", "text": "안녕"})
    assert "sms-bytes" not in kakao.text and "(광고)" in kakao.text


async def test_member_search_and_picking_by_hand(client, db):
    csrf = await signed_in(client)
    kim = await make_member(name="김민지", phone="010-2222-3456")
    found = await client.get("/admin/campaigns/members?q=3456", headers={**HTMX, **ENGLISH})
    assert "김민지" in found.text and "010-****-3456" in found.text and "010-2222-3456" not in found.text
    picked = await post(client, "/admin/campaigns/pick", csrf, {"add": str(kim.id)})
    assert f'name="member_ids" value="{kim.id}"' in picked.text
    removed = await post(client, "/admin/campaigns/pick", csrf, {"member_ids": str(kim.id), "remove": str(kim.id)})
    assert "member_ids" not in removed.text
    coupon = await download_coupon()
    refused = await post(client, "/admin/campaigns/new", csrf, editor(
        coupon.id, target_mode="PICK", member_ids=[str(kim.id)], performance_days="7"))
    assert refused.status_code == 422
    assert "only the performance setting applies" in refused.text
    saved = await post(client, "/admin/campaigns/new", csrf, {**editor(
        coupon.id, target_mode="PICK", member_ids=[str(kim.id)], performance_days="7"), "never_twice": ""})
    assert saved.status_code == 204
    assert (await Campaign.get()).targets["member_ids"] == [kim.id]


async def test_draft_is_saved_and_loaded(client, db):
    csrf = await signed_in(client)
    coupon = await download_coupon()
    first = await post(client, "/admin/campaigns/template", csrf, editor(coupon.id, text="첫 초안"))
    assert "Draft saved" in first.text
    await post(client, "/admin/campaigns/template", csrf, editor(coupon.id, text="두 번째 초안", channel="SMS"))
    assert await CouponMessageTemplate.all().count() == 1
    missing = await post(client, "/admin/campaigns/template", csrf, editor(coupon.id, **{"coupon_block.name": ""}))
    assert missing.status_code == 422 and "coupon_block.name" in missing.text
    loaded = await client.get("/admin/campaigns/new?draft=1", headers=ENGLISH)
    assert "두 번째 초안" in loaded.text and '<option value="SMS" selected>' in loaded.text


async def test_detail_with_runs_stats_chart_and_cancel(client, db):
    csrf = await signed_in(client)
    coupon = await download_coupon()
    await post(client, "/admin/campaigns/new", csrf, editor(coupon.id))
    campaign = await Campaign.get()
    page = await client.get(f"/admin/campaigns/{campaign.id}", headers=ENGLISH)
    assert "Nothing sent yet." in page.text and "Cancel reservation" in page.text and "run-chart" not in page.text

    run = await CampaignRun.create(campaign=campaign, scheduled_for=NOON, status="DONE")
    for status, reason in ((MessageStatus.SENT, ""), (MessageStatus.SENT, ""), (MessageStatus.EXCLUDED, "NO_CONSENT")):
        await CampaignMessage.create(run=run, campaign=campaign, member=await make_member(), status=status,
                                     reason=reason, queued_at=NOON, sent_at=NOON if reason == "" else None)
    page = await client.get(f"/admin/campaigns/{campaign.id}", headers=ENGLISH)
    assert 'data-stat="send-rate">66.7%' in page.text
    assert '<svg id="run-chart"' in page.text and "<rect" in page.text
    assert 'data-reason="NO_CONSENT"' in page.text
    assert "Stop repeating" in page.text and f"/admin/campaigns/{campaign.id}/edit" not in page.text
    korean = await client.get(f"/admin/campaigns/{campaign.id}", headers=KOREAN)
    assert "이 채널의 광고성 정보 수신에 동의하지 않은 회원입니다." in korean.text
    assert (await client.get(f"/admin/campaigns/{campaign.id}/edit", headers=ENGLISH)).status_code == 409
    stopped = await post(client, f"/admin/campaigns/{campaign.id}/cancel", csrf, htmx=False)
    assert stopped.status_code == 303
    assert (await Campaign.get()).status == CampaignStatus.CANCELLED
    assert (await client.get("/admin/campaigns/999999", headers=ENGLISH)).status_code == 404


async def test_credit_page_owner_tops_up(client, db):
    csrf = await signed_in(client, Role.OWNER)
    bad = await post(client, "/admin/campaigns/credit", csrf, {"amount": "0"}, htmx=False)
    assert bad.status_code == 422
    done = await post(client, "/admin/campaigns/credit", csrf, {"amount": "50,000", "note": "3월 충전"}, htmx=False)
    assert done.status_code == 303
    page = await client.get("/admin/campaigns/credit", headers=ENGLISH)
    assert 'data-balance="50000"' in page.text and "3월 충전" in page.text
    assert await CreditEntry.all().count() == 1


async def test_viewers_read_but_change_nothing(client, db):
    csrf = await signed_in(client, Role.VIEWER)
    coupon = await download_coupon()
    assert (await client.get("/admin/campaigns", headers=ENGLISH)).status_code == 200
    assert "New campaign" not in (await client.get("/admin/campaigns", headers=ENGLISH)).text
    assert (await client.get("/admin/campaigns/new", headers=ENGLISH)).status_code == 403
    assert (await post(client, "/admin/campaigns/new", csrf, editor(coupon.id))).status_code == 403
    assert (await post(client, "/admin/campaigns/template", csrf, editor(coupon.id))).status_code == 403
    credit = await client.get("/admin/campaigns/credit", headers=ENGLISH)
    assert credit.status_code == 200 and 'id="top-up"' not in credit.text
    assert (await post(client, "/admin/campaigns/credit", csrf, {"amount": "1000"}, htmx=False)).status_code == 403
    assert await Campaign.all().count() == 0


async def test_compliance_page(client, db):
    await signed_in(client)
    await ComplianceEvent.create(kind="RUN_DEFERRED", reason="NIGHT_BAN", at=NOON, detail={"resume_at": "08:00"})
    page = await client.get("/admin/campaigns/compliance", headers=ENGLISH)
    assert 'data-kind="RUN_DEFERRED"' in page.text and "it waits until 08:00" in page.text
    filtered = await client.get("/admin/campaigns/compliance?kind=RESERVATION_REFUSED", headers={**HTMX, **ENGLISH})
    assert "Nothing refused or deferred." in filtered.text
