"""Advertising e-mail through a real SMTP server (aiosmtpd) with its unsubscribe link, the public
unsubscribe page, the two-year consent notice, the shop's messaging settings and rendering."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from gql.resolvers.access import operator_actor
from gql.resolvers.errors import Refused
from gql.resolvers.message_render import render, unsubscribe_token
from gql.resolvers.messaging_settings import MessagingSettings, load_messaging_settings, update_messaging_settings
from gql.resolvers.opt_out import send_consent_notices
from kupon.timeutil import clock_at
from models.access import Role
from models.activity import ConsentChannel, MarketingConsent
from models.audit import AuditEntry
from models.campaigns import ComplianceEvent, OptOut
from tests.campaigns.dispatch_support import (
    consenting_member,
    fake_gateway_server,  # noqa: F401 - fixtures
    gateway,  # noqa: F401
    gateway_env,  # noqa: F401
    make_campaign,
    messages,
    run_due,
    seoul,
    shop_settings,
    top_up,
)
from tests.conftest import TEST_SECRET
from tests.factories import make_operator
from tests.giftcards.test_notices import smtp  # noqa: F401 - the aiosmtpd fixture


@pytest.fixture
async def mail(db, app, smtp, monkeypatch):  # noqa: F811
    for name, value in {"KUPON_SMTP_HOST": "127.0.0.1", "KUPON_SMTP_PORT": str(smtp.port),
                        "KUPON_SMTP_FROM": "shop@kupon.test", "KUPON_SMTP_STARTTLS": "false"}.items():
        monkeypatch.setenv(name, value)
    await shop_settings()
    await top_up(10_000)
    return smtp


async def test_advertising_email_carries_the_unsubscribe_link_that_opts_out_at_once(mail, app, client):
    member = await consenting_member(channels=("EMAIL",))
    campaign = await make_campaign([member.id], channel="EMAIL", subject="{name}님께 봄 쿠폰", text="봄 세일")
    await run_due(app, seoul(10, 10))
    [email] = mail.messages
    assert email["Subject"] == f"(광고) {member.name}님께 봄 쿠폰"
    body = email.get_body().get_content()
    link = re.search(r"https://shop\.example/unsubscribe/(\S+)", body)
    assert body.startswith("(광고)[에듀몰]") and link
    assert email["List-Unsubscribe"] == f"<{link.group(0)}>"

    page = await client.get(f"/unsubscribe/{link.group(1)}")
    assert page.status_code == 200 and "수신을 거부하시겠습니까" in page.text
    assert (await MarketingConsent.get(member=member, channel=ConsentChannel.EMAIL)).granted  # GET changes nothing
    with clock_at(seoul(10, 11)):
        done = await client.post(f"/unsubscribe/{link.group(1)}")
        await app.state.job_runner.run_pending()
    assert done.status_code == 200 and "수신거부가 처리되었습니다" in done.text
    assert not (await MarketingConsent.get(member=member, channel=ConsentChannel.EMAIL)).granted
    opt_out = await OptOut.get(member=member)
    assert (opt_out.via, opt_out.channel) == ("LINK", "EMAIL") and opt_out.confirmation_sent_at is not None
    told = mail.messages[-1]
    assert "수신거부 처리 결과" in told["Subject"] and not told["Subject"].startswith("(광고)")
    with clock_at(seoul(10, 12)):
        again = await client.post(f"/unsubscribe/{link.group(1)}")
        await app.state.job_runner.run_pending()
    assert again.status_code == 200 and len(mail.messages) == 2  # the advertisement and one result
    assert (await messages(campaign))[member.id].status == "SENT"

    forged = await client.post("/unsubscribe/" + unsubscribe_token("another-secret", member.id, "EMAIL"))
    assert forged.status_code == 404 and "올바른 수신거부 링크가 아닙니다" in forged.text


async def test_email_night_ban_follows_the_shop_switch(mail, app):
    member = await consenting_member(channels=("EMAIL",))
    await make_campaign([member.id], channel="EMAIL", at=seoul(10, 22), subject="밤 쿠폰")
    await run_due(app, seoul(10, 22))
    assert mail.messages == []
    await shop_settings(night_ban_email=False)
    other = await make_campaign([member.id], channel="EMAIL", at=seoul(10, 23), subject="밤 쿠폰 2")
    await run_due(app, seoul(10, 23))
    assert [m["Subject"] for m in mail.messages] == ["(광고) 밤 쿠폰 2"]
    assert (await messages(other))[member.id].status == "SENT"


async def test_two_year_consent_notice_goes_once_and_is_recorded(db, app, gateway_env):  # noqa: F811
    await shop_settings()
    due = await consenting_member(channels=("SMS",))
    await MarketingConsent.filter(member=due).update(changed_at=datetime(2024, 3, 10, 0, 0, tzinfo=UTC))
    recent = await consenting_member(channels=("SMS",))
    await MarketingConsent.filter(member=recent).update(changed_at=datetime(2025, 3, 10, 0, 0, tzinfo=UTC))
    with clock_at(seoul(10, 9)):
        counts = await send_consent_notices(seoul(10, 9).date())
        await app.state.job_runner.run_pending()
    assert counts == {"SMS": 1, "KAKAO": 0, "EMAIL": 0}
    [notice] = gateway_env.delivered()
    assert notice.to == due.phone.replace("-", "")
    assert "동의하신 상태입니다" in notice.body["text"] and "080-123-4567" in notice.body["text"]
    consent = await MarketingConsent.get(member=due, channel=ConsentChannel.SMS)
    assert consent.notified_at == seoul(10, 9)
    assert (await MarketingConsent.get(member=recent, channel=ConsentChannel.SMS)).notified_at is None
    assert await ComplianceEvent.filter(kind="CONSENT_NOTICE_QUEUED").count() == 1
    with clock_at(seoul(11, 9)):
        assert (await send_consent_notices(seoul(11, 9).date()))["SMS"] == 0


async def test_messaging_settings_defaults_owner_changes_and_refusals(db):
    assert (await load_messaging_settings()).stored() == MessagingSettings().stored()
    owner, operator = await make_operator(Role.OWNER), await make_operator(Role.OPERATOR)
    changed = await update_messaging_settings(operator_actor(owner), {
        "shop_name": "에듀몰", "opt_out_number": "080-123-4567", "prices": {"SMS": 12}, "night_ban_email": False})
    assert (changed.shop_name, changed.price("SMS"), changed.price("LMS"), changed.night_ban_email) == (
        "에듀몰", 12, 27, False)
    entry = await AuditEntry.get(action="settings.messaging")
    assert entry.before["prices"]["SMS"] == 9 and entry.after["prices"]["SMS"] == 12
    with pytest.raises(Refused) as refused:
        await update_messaging_settings(operator_actor(operator), {"shop_name": "x"})
    assert refused.value.codes == ["FORBIDDEN"]
    with pytest.raises(Refused) as refused:
        await update_messaging_settings(operator_actor(owner), {"opt_out_number": "02-123-4567",
                                                                "rate_limits": {"SMS": 0}, "public_url": "ftp://x"})
    assert sorted(refused.value.codes) == ["INVALID_OPT_OUT_NUMBER", "INVALID_RATE", "INVALID_URL"]


def test_render_coupon_block_validity_and_kakao_button():
    shop = MessagingSettings(shop_name="에듀몰", opt_out_number="080-123-4567", public_url="https://s.example",
                             secret_key=TEST_SECRET)
    campaign = SimpleNamespace(message_type="INFORMATIONAL", channel="ALIMTALK", subject="", text="{name}님 {points}P",
                               coupon_block={"kind": "GIFT", "gift_name": "아메리카노", "name": "감사 쿠폰",
                                             "url": "/coupons/abc", "description": "매장에서 사용",
                                             "validity": "SAME_DAY"})
    member = SimpleNamespace(id=1, name="김하나", grade="VIP", points=12345)
    late = seoul(10, 23, 30)
    message = render(campaign, member, "ALIMTALK", shop, late)
    assert message.text == ("김하나님 12,345P\n\n[쿠폰] 감사 쿠폰\n증정: 아메리카노\n매장에서 사용\n"
                            "유효기간: 2026-03-10까지")
    assert [(b.name, b.url) for b in message.buttons] == [("쿠폰 받기", "https://s.example/coupons/abc")]
    campaign.coupon_block = {**campaign.coupon_block, "validity": "DAYS_3", "kind": "PERCENT", "percent": 15}
    sms = render(campaign, member, "SMS", shop, late)
    assert "15% 할인" in sms.text and "유효기간: 2026-03-13까지" in sms.text
    assert "쿠폰 받기: https://s.example/coupons/abc" in sms.text and sms.buttons == ()
