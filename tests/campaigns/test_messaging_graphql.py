"""Messaging settings and 080 opt-outs through GraphQL: who reads and who writes, typed errors with
their reason codes, and an opt-out's result (consent withdrawn, the member's result message queued)."""

from __future__ import annotations

import pytest

from kupon.timeutil import clock_at
from models.access import Role
from models.activity import ConsentChannel, MarketingConsent
from models.audit import AuditEntry
from models.campaigns import OptOut
from tests.campaigns.dispatch_support import consenting_member, seoul, shop_settings
from tests.conftest import graphql
from tests.factories import api_key, make_member, member_token
from tests.members.test_members_graphql import operator_session

SETTINGS = "{ messagingSettings { shopName optOutNumber nightBanEmail publicUrl prices { channel won } " \
           "rateLimits { provider perSecond } } }"
UPDATE = """mutation($input: MessagingSettingsInput!) { updateMessagingSettings(input: $input) {
  settings { shopName optOutNumber nightBanEmail prices { channel won } rateLimits { provider perSecond } }
  errors { code field messageKo } } }"""
OPT_OUT = """mutation($member: ID!, $channel: OptOutChannel!) { recordOptOut(memberId: $member, channel: $channel) {
  result { consentWithdrawn confirmation optOut { memberId channel via phone memberName } }
  errors { code field messageKo } } }"""
OPT_OUTS = "{ optOuts(first: 10) { totalCount edges { node { memberName phone channel via } } } }"


def refusal(result: dict) -> str:
    assert result["data"] is None, result
    return result["errors"][0]["extensions"]["code"]


@pytest.fixture(autouse=True)
def _evening():
    with clock_at(seoul(10, 19)):
        yield


async def test_who_reads_settings_and_who_writes_them(client, db):
    change = {"input": {"shopName": "에듀몰"}}
    assert refusal(await graphql(client, SETTINGS)) == "UNAUTHENTICATED"
    assert refusal(await graphql(client, UPDATE, change)) == "UNAUTHENTICATED"
    assert refusal(await graphql(client, SETTINGS, token=await member_token(await make_member()))) == "FORBIDDEN"
    key = await api_key()
    assert (await graphql(client, SETTINGS, token=key))["data"]["messagingSettings"]["shopName"] == "kupon"
    assert refusal(await graphql(client, UPDATE, change, token=key)) == "FORBIDDEN"

    await operator_session(client, Role.VIEWER)
    read = (await graphql(client, SETTINGS))["data"]["messagingSettings"]
    assert {"channel": "SMS", "won": 9} in read["prices"] and read["nightBanEmail"] is True
    assert {"provider": "EMAIL", "perSecond": 20} in read["rateLimits"]
    assert refusal(await graphql(client, UPDATE, change)) == "FORBIDDEN"
    await operator_session(client, Role.OPERATOR)
    assert refusal(await graphql(client, UPDATE, change)) == "FORBIDDEN"
    assert not await AuditEntry.exists(action="settings.messaging")

    await operator_session(client, Role.OWNER)
    done = (await graphql(client, UPDATE, {"input": {
        "shopName": "에듀몰", "optOutNumber": "080-123-4567", "nightBanEmail": False,
        "prices": [{"channel": "SMS", "won": 12}], "rateLimits": [{"provider": "KAKAO", "perSecond": 50}]}}))
    payload = done["data"]["updateMessagingSettings"]
    assert payload["errors"] == []
    settings = payload["settings"]
    assert (settings["shopName"], settings["optOutNumber"], settings["nightBanEmail"]) == (
        "에듀몰", "080-123-4567", False)
    assert {"channel": "SMS", "won": 12} in settings["prices"] and {"channel": "LMS", "won": 27} in settings["prices"]
    assert {"provider": "KAKAO", "perSecond": 50} in settings["rateLimits"]
    entry = await AuditEntry.get(action="settings.messaging")
    assert entry.after["prices"]["SMS"] == 12 and entry.before["shop_name"] == "kupon"


async def test_bad_settings_are_refused_with_reason_codes_and_change_nothing(client, db):
    await operator_session(client, Role.OWNER)
    bad = await graphql(client, UPDATE, {"input": {
        "shopName": "", "optOutNumber": "02-123-4567", "publicUrl": "ftp://shop",
        "prices": [{"channel": "SMS", "won": -1}, {"channel": "MMS", "won": 10}],
        "rateLimits": [{"provider": "KAKAO", "perSecond": 0}]}})
    payload = bad["data"]["updateMessagingSettings"]
    assert payload["settings"] is None
    assert {(e["code"], e["field"]) for e in payload["errors"]} == {
        ("REQUIRED", "shop_name"), ("INVALID_OPT_OUT_NUMBER", "opt_out_number"), ("INVALID_URL", "public_url"),
        ("INVALID_PRICE", "prices.SMS"), ("INVALID_CHOICE", "prices.MMS"), ("INVALID_RATE", "rate_limits.KAKAO")}
    assert all(e["messageKo"] for e in payload["errors"])
    unchanged = (await graphql(client, SETTINGS))["data"]["messagingSettings"]
    assert unchanged["optOutNumber"] == "" and {"channel": "SMS", "won": 9} in unchanged["prices"]


async def test_operators_record_an_opt_out_viewers_and_anonymous_cannot(client, db):
    await shop_settings()
    member = await consenting_member(phone="010-5555-7788", name="김수신")
    variables = {"member": str(member.id), "channel": "SMS"}
    assert refusal(await graphql(client, OPT_OUT, variables)) == "UNAUTHENTICATED"
    assert refusal(await graphql(client, OPT_OUT, variables, token=await api_key())) == "FORBIDDEN"
    await operator_session(client, Role.VIEWER)
    assert refusal(await graphql(client, OPT_OUT, variables)) == "FORBIDDEN"
    assert (await graphql(client, OPT_OUTS))["data"]["optOuts"]["totalCount"] == 0
    assert (await MarketingConsent.get(member=member, channel=ConsentChannel.SMS)).granted

    await operator_session(client, Role.OPERATOR)
    done = (await graphql(client, OPT_OUT, variables))["data"]["recordOptOut"]
    assert done["errors"] == []
    assert done["result"] == {"consentWithdrawn": True, "confirmation": "QUEUED", "optOut": {
        "memberId": str(member.id), "channel": "SMS", "via": "CALL_080", "phone": "010-****-7788",
        "memberName": "김수신"}}
    assert not (await MarketingConsent.get(member=member, channel=ConsentChannel.SMS)).granted
    assert (await MarketingConsent.get(member=member, channel=ConsentChannel.KAKAO)).granted
    with clock_at(seoul(10, 19, 5)):  # a second call, a few minutes later
        again = (await graphql(client, OPT_OUT, variables))["data"]["recordOptOut"]["result"]
    assert (again["consentWithdrawn"], again["confirmation"]) == (True, "NOT_NEEDED")
    assert await OptOut.filter(member=member).count() == 2

    listed = (await graphql(client, OPT_OUTS))["data"]["optOuts"]
    assert listed["totalCount"] == 2
    assert {e["node"]["phone"] for e in listed["edges"]} == {"010-****-7788"}

    unknown = (await graphql(client, OPT_OUT, {"member": "999999", "channel": "EMAIL"}))["data"]["recordOptOut"]
    assert unknown["result"] is None and [(e["code"], e["field"]) for e in unknown["errors"]] == [
        ("NOT_FOUND", "member_id")]
    bad_channel = await graphql(client, OPT_OUT, {"member": str(member.id), "channel": "PUSH"})
    assert bad_channel["errors"]  # not one of the enum's values
