"""The message settings page (read by every operator, changed by the OWNER with inline errors and an
audit entry) and the 080 opt-out call page: find the caller, record the opt-out, see the result; the
consent is withdrawn at once, a queued advertisement is not sent and the member gets only the result."""

from __future__ import annotations

import re

import pytest

from gql.resolvers.messaging_settings import load_messaging_settings
from kupon.timeutil import clock_at
from models.access import Role
from models.activity import ConsentChannel, MarketingConsent
from models.audit import AuditEntry
from models.campaigns import OptOut
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
from tests.campaigns.test_campaigns_console import ENGLISH, KOREAN, post, signed_in

SETTINGS_FORM = {"shop_name": "에듀몰", "opt_out_number": "080-123-4567", "public_url": "https://shop.example",
                 "night_ban_email": "on", "prices.SMS": "12", "prices.LMS": "27", "prices.ALIMTALK": "8",
                 "prices.FRIENDTALK": "15", "prices.EMAIL": "1", "rate_limits.SMS": "100",
                 "rate_limits.KAKAO": "100", "rate_limits.EMAIL": "20"}


@pytest.fixture(autouse=True)
def _evening():
    with clock_at(seoul(10, 19)):
        yield


async def test_settings_page_viewers_read_owner_changes_with_inline_errors(client, db):
    await shop_settings()
    csrf = await signed_in(client, Role.VIEWER)
    page = await client.get("/admin/campaigns/settings", headers=ENGLISH)
    assert page.status_code == 200 and "080-123-4567" in page.text and "에듀몰" in page.text
    assert 'id="messaging-settings"' in page.text and 'name="opt_out_number"' not in page.text
    assert "Only the owner can change these settings." in page.text
    assert (await post(client, "/admin/campaigns/settings", csrf, SETTINGS_FORM, htmx=False)).status_code == 403
    operator_csrf = await signed_in(client, Role.OPERATOR)
    assert (await post(client, "/admin/campaigns/settings", operator_csrf, SETTINGS_FORM,
                       htmx=False)).status_code == 403

    csrf = await signed_in(client, Role.OWNER)
    korean = await client.get("/admin/campaigns/settings", headers=KOREAN)
    assert "메시지 설정" in korean.text and "무료 080 수신거부 번호" in korean.text
    bad = await post(client, "/admin/campaigns/settings", csrf, {
        **SETTINGS_FORM, "opt_out_number": "02-123-4567", "prices.SMS": "-5", "rate_limits.KAKAO": "fast"},
        htmx=False)
    assert bad.status_code == 422
    assert 'name="opt_out_number" value="02-123-4567" placeholder="080-123-4567" aria-invalid="true"' in bad.text
    assert "Enter a free 080 number such as 080-123-4567." in bad.text
    assert 'name="prices.SMS" value="-5"' in bad.text and 'id="prices-SMS-error"' in bad.text
    assert 'id="rate_limits-KAKAO-error"' in bad.text
    assert (await load_messaging_settings()).price("SMS") == 9
    assert not await AuditEntry.exists(action="settings.messaging")

    saved = await post(client, "/admin/campaigns/settings", csrf, {**SETTINGS_FORM, "night_ban_email": ""},
                       htmx=False)
    assert saved.status_code == 303
    settings = await load_messaging_settings()
    assert (settings.price("SMS"), settings.night_ban_email) == (12, False)
    entry = await AuditEntry.get(action="settings.messaging")
    assert entry.before["prices"]["SMS"] == 9 and entry.after["night_ban_email"] is False
    assert "Message settings saved." in (await client.get("/admin/campaigns/settings", headers=ENGLISH)).text


async def test_links_from_the_campaigns_list(client, db):
    await signed_in(client, Role.VIEWER)
    listing = (await client.get("/admin/campaigns", headers=KOREAN)).text
    assert 'href="/admin/campaigns/settings"' in listing and 'href="/admin/campaigns/opt-out"' in listing
    assert "080 수신거부 전화" in listing
    page = await client.get("/admin/campaigns/opt-out", headers=ENGLISH)
    assert page.status_code == 200 and "Recent opt-outs" in page.text and 'id="opt-out-form"' not in page.text


async def test_opt_out_call_recorded_in_the_console_stops_a_queued_advertisement(client, app, gateway_env):  # noqa: F811
    await shop_settings()
    await top_up(100_000)
    member = await consenting_member(phone="010-5555-7788", name="김수신")
    other = await consenting_member(phone="010-6666-1234")
    campaign = await make_campaign([member.id, other.id], at=seoul(10, 22))
    await run_due(app, seoul(10, 22))  # selected, then held by the night-time ban: both QUEUED
    assert {m.status for m in (await messages(campaign)).values()} == {"QUEUED"}

    with clock_at(seoul(10, 22, 30)):
        csrf = await signed_in(client)
        found = await client.get("/admin/campaigns/opt-out/members?q=7788", headers={"HX-Request": "true",
                                                                                         **ENGLISH})
        assert f'name="member_id" value="{member.id}"' in found.text and "010-****-7788" in found.text
        assert "010-5555-7788" not in found.text
        by_name = await client.get("/admin/campaigns/opt-out?q=김수신", headers=ENGLISH)
        assert f'value="{member.id}"' in by_name.text

        missing = await post(client, "/admin/campaigns/opt-out/record", csrf, {"channel": "ALL"}, htmx=False)
        assert missing.status_code == 422 and "This field is required." in missing.text
        done = await post(client, "/admin/campaigns/opt-out/record", csrf,
                          {"member_id": str(member.id), "channel": "ALL", "q": "7788"}, htmx=False)
        assert done.status_code == 303
        for channel in (ConsentChannel.SMS, ConsentChannel.KAKAO, ConsentChannel.EMAIL):
            assert not (await MarketingConsent.get(member=member, channel=channel)).granted
        assert (await messages(campaign))[member.id].reason == "NO_CONSENT"
        result = await client.get(done.headers["location"], headers=ENGLISH)
    assert "Opt-out recorded: the consent is withdrawn." in result.text
    assert result.text.count("consent withdrawn.") == 3
    assert result.text.count('data-confirmation="QUEUED"') == 3
    assert "010-****-7788" in result.text and "010-5555-7788" not in result.text

    await run_due(app, seoul(11, 8))
    delivered = gateway_env.delivered(to="01055557788")
    assert delivered and all("수신거부가 처리되었습니다" in d.body["text"] for d in delivered)
    assert not any(d.body["text"].startswith("(광고)") for d in delivered)
    assert (await messages(campaign))[other.id].status == "SENT"
    assert await OptOut.filter(member=member, via="CALL_080", confirmation_sent_at__isnull=False).count() >= 1
    later = await client.get("/admin/campaigns/opt-out", headers=KOREAN)
    rows = re.findall(r'<tr data-opt-out="\d+">.*?</tr>', later.text, re.S)
    assert len(rows) == 3 and all("010-****-7788" in r and "080 전화" in r for r in rows)
    assert "010-5555-7788" not in later.text
