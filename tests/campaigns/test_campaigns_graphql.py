"""Campaigns through GraphQL: who reads and who writes, typed errors with their fields, a campaign
with its runs, statistics and performance, the draft, the preview, the member search and credit."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kupon.timeutil import clock_at
from models.access import Role
from models.campaigns import CampaignMessage, CampaignRun, ComplianceEvent, MessageStatus
from tests.campaigns.helpers import NOON, block, download_coupon, seoul
from tests.conftest import graphql
from tests.factories import api_key, make_member, member_token
from tests.members.test_members_graphql import operator_session

LIST = "{ campaigns(first: 10) { totalCount edges { node { id name status nextRunAt } } } }"
CREATE = """mutation($input: CampaignInput!) { createCampaign(input: $input) {
  campaign { id name status schedule nextRunAt couponBlock targets changeable } errors { code field messageKo } } }"""
DETAIL = """query($id: ID!) { campaign(id: $id) { name changeable
  stats { targets sent failed sendRate excludedTotal excluded { reason count messageKo } }
  runs { id status counts { targets sent } }
  performance { recipients visits downloads redemptions days } } }"""


def campaign_input(coupon_id: int, **changes) -> dict:
    return {"name": "신규 회원의 첫 구매 유도하기", "messageType": "ADVERTISING", "channel": "FRIENDTALK",
            "text": "{name}님 환영합니다", "couponBlock": block(coupon_id), "targets": {"groups": ["REGULARS"]},
            "schedule": "REPEAT", "repeatEveryDays": 1, "repeatTime": "10:00",
            "startDate": NOON.date().isoformat(), "neverTwice": True, **changes}


def refusal(result: dict) -> str:
    assert result["data"] is None, result
    return result["errors"][0]["extensions"]["code"]


@pytest.fixture(autouse=True)
def _noon():
    with clock_at(NOON):
        yield


async def test_who_reads_and_who_writes(client, db):
    coupon = await download_coupon()
    variables = {"input": campaign_input(coupon.id)}
    assert refusal(await graphql(client, LIST)) == "UNAUTHENTICATED"
    assert refusal(await graphql(client, LIST, token=await member_token(await make_member()))) == "FORBIDDEN"
    key = await api_key()
    assert (await graphql(client, LIST, token=key))["data"]["campaigns"]["totalCount"] == 0
    assert refusal(await graphql(client, CREATE, variables, token=key)) == "FORBIDDEN"
    assert refusal(await graphql(client, "mutation { topUpCredit(amount: 1000) { balance } }", token=key)) == \
        "FORBIDDEN"
    await operator_session(client, Role.VIEWER)
    assert refusal(await graphql(client, CREATE, variables)) == "FORBIDDEN"


async def test_create_with_errors_then_success_and_read_back(client, db):
    coupon = await download_coupon()
    await operator_session(client)
    bad = await graphql(client, CREATE, {"input": campaign_input(
        coupon.id, repeatTime="21:00", couponBlock=block(coupon.id, kind="GIFT", gift_name="가" * 22))})
    errors = bad["data"]["createCampaign"]["errors"]
    assert {(e["code"], e["field"]) for e in errors} == {("REPEAT_TIME_NIGHT_BAN", "repeat_time"),
                                                          ("GIFT_NAME_TOO_LONG", "coupon_block.gift_name")}
    assert all(e["messageKo"] for e in errors)

    made = (await graphql(client, CREATE, {"input": campaign_input(coupon.id)}))["data"]["createCampaign"]
    campaign = made["campaign"]
    assert made["errors"] == []
    assert (campaign["status"], campaign["schedule"], campaign["changeable"]) == ("SCHEDULED", "REPEAT", True)
    assert datetime.fromisoformat(campaign["nextRunAt"]) == seoul(NOON.date() + timedelta(days=1), 10)
    assert campaign["couponBlock"]["url"] == f"/coupons/{coupon.download_token}"

    member = await make_member()
    run = await CampaignRun.create(campaign_id=int(campaign["id"]), scheduled_for=NOON)
    await CampaignMessage.create(run=run, campaign_id=run.campaign_id, member=member, status=MessageStatus.SENT,
                                 queued_at=NOON, sent_at=NOON)
    await CampaignMessage.create(run=run, campaign_id=run.campaign_id, member=await make_member(),
                                 status=MessageStatus.EXCLUDED, reason="NO_CONSENT", queued_at=NOON)
    detail = (await graphql(client, DETAIL, {"id": campaign["id"]}))["data"]["campaign"]
    assert detail["changeable"] is False
    assert detail["stats"] == {"targets": 2, "sent": 1, "failed": 0, "sendRate": 0.5, "excludedTotal": 1,
                               "excluded": [{"reason": "NO_CONSENT", "count": 1,
                                             "messageKo": "이 채널의 광고성 정보 수신에 동의하지 않은 회원입니다."}]}
    assert detail["runs"] == [{"id": str(run.id), "status": "PLANNED", "counts": {"targets": 2, "sent": 1}}]
    assert detail["performance"] == [{"recipients": 1, "visits": 0, "downloads": 0, "redemptions": 0, "days": 7}]

    update = """mutation($id: ID!, $input: CampaignInput!) { updateCampaign(id: $id, input: $input) {
      campaign { id } errors { code } } }"""
    changed = await graphql(client, update, {"id": campaign["id"], "input": campaign_input(coupon.id)})
    assert changed["data"]["updateCampaign"]["errors"] == [{"code": "CAMPAIGN_NOT_EDITABLE"}]
    cancel = (f'mutation {{ cancelCampaign(id: "{campaign["id"]}") '
              '{ campaign { status nextRunAt } errors { code } } }')
    assert (await graphql(client, cancel))["data"]["cancelCampaign"] == {
        "campaign": {"status": "CANCELLED", "nextRunAt": None}, "errors": []}
    assert (await graphql(client, '{ campaign(id: "999999") { id } }'))["data"]["campaign"] is None


async def test_reservation_given_as_seoul_wall_clock_time(client, db):
    coupon = await download_coupon()
    await operator_session(client)
    tomorrow = (NOON.date() + timedelta(days=1)).isoformat()
    for local, code in [(f"{tomorrow}T20:59:59", None), (f"{tomorrow}T21:00:00", "RESERVATION_NIGHT_BAN"),
                        (f"{tomorrow}T07:59:59", "RESERVATION_NIGHT_BAN"), (f"{tomorrow}T08:00:00", None)]:
        result = (await graphql(client, CREATE, {"input": campaign_input(
            coupon.id, schedule="RESERVED", sendAt=local)}))["data"]["createCampaign"]
        assert [e["code"] for e in result["errors"]] == ([code] if code else []), local


async def test_draft_preview_search_credit_and_compliance(client, db):
    coupon = await download_coupon()
    await operator_session(client, Role.OWNER)
    save = """mutation($input: CouponMessageTemplateInput!) { saveMessageTemplate(input: $input) {
      template { channel text couponBlock } errors { code field } } }"""
    for text in ("첫 초안", "둘째 초안"):
        data = {"channel": "SMS", "text": text, "couponBlock": block(coupon.id)}
        saved = await graphql(client, save, {"input": data})
        assert saved["data"]["saveMessageTemplate"]["errors"] == []
    draft = (await graphql(client, "{ messageTemplate { channel text } }"))["data"]["messageTemplate"]
    assert draft == {"channel": "SMS", "text": "둘째 초안"}

    preview = """query($input: MessagePreviewInput!) { previewMessage(input: $input) {
      preview { text subject buttons { name url } smsBytes smsKind memberName } errors { code } } }"""
    shown = (await graphql(client, preview, {"input": {"messageType": "ADVERTISING", "channel": "SMS",
                                                       "text": "{name}님", "couponBlock": block(coupon.id)}}))
    result = shown["data"]["previewMessage"]["preview"]
    assert result["text"].startswith("(광고)") and result["smsKind"] == "LMS" and result["memberName"] == "홍길동"

    await make_member(name="김민지", phone="010-2222-3456")
    found = (await graphql(client, '{ memberSearch(term: "3456") { name phone } }'))["data"]["memberSearch"]
    assert found == [{"name": "김민지", "phone": "010-****-3456"}]

    top_up = (await graphql(client, 'mutation { topUpCredit(amount: 50000, note: "3월") { '
                                    'balance entry { kind amount } errors { code } } }'))["data"]["topUpCredit"]
    assert top_up == {"balance": 50000, "entry": {"kind": "TOP_UP", "amount": 50000}, "errors": []}
    bad = (await graphql(client, "mutation { topUpCredit(amount: 0) { errors { code } } }"))["data"]["topUpCredit"]
    assert bad["errors"] == [{"code": "INVALID_AMOUNT"}]
    credit = await graphql(client, "{ creditBalance creditEntries(first: 5) { totalCount "
                                   "edges { node { kind note } } } creditSpending { channel amount } }")
    entries = {"totalCount": 1, "edges": [{"node": {"kind": "TOP_UP", "note": "3월"}}]}
    assert credit["data"] == {"creditBalance": 50000, "creditSpending": [], "creditEntries": entries}

    await ComplianceEvent.create(kind="RESERVATION_REFUSED", reason="RESERVATION_NIGHT_BAN", at=NOON)
    events = await graphql(client, "{ complianceEvents(first: 5) { totalCount edges { node { kind reason } } } "
                                   "campaignExclusions { reason count } }")
    assert events["data"]["complianceEvents"]["edges"] == [
        {"node": {"kind": "RESERVATION_REFUSED", "reason": "RESERVATION_NIGHT_BAN"}}]
