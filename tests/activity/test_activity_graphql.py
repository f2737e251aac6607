"""The activity mutations over HTTP, the Member type's activity fields, and the API key scopes."""

from models.access import ApiKey, Role
from models.activity import MarketingConsent, PointEntry, Visit
from tests.conftest import console_login, graphql
from tests.factories import PASSWORD, api_key, make_member, make_operator, make_site

VISITS = """mutation($rows: [VisitInput!]!) {
  recordVisits(inputs: $rows) { stored errors { code } rows { index ok id repeated errors { code field messageKo } } }
}"""
POINTS = """mutation($input: PointEntryInput!) {
  adjustPoints(input: $input) { pointsHeld repeated entry { id amount kind } errors { code } }
}"""
UPSERT = """mutation($input: UpsertMemberInput!) {
  upsertMember(input: $input) { created member { id loginId grade } errors { code field } }
}"""
TAG = """mutation($tag: String!, $members: [MemberRefInput!]!) {
  tagMembers(tag: $tag, members: $members) { stored rows { ok repeated errors { code } } errors { code } }
}"""
CONSENT = """mutation($member: MemberRefInput!, $consents: [ConsentInput!]!) {
  setMarketingConsent(member: $member, consents: $consents) { consents { channel granted } errors { code } }
}"""
MEMBER = """query($id: ID!) { member(id: $id) {
  pointsHeld tags visitCount consents { channel granted changedAt } gradeHistory { fromGrade toGrade }
} }"""


def error_code(result: dict) -> str:
    return result["errors"][0]["extensions"]["code"]


async def test_integration_key_writes_activity_and_an_operator_reads_it(client, db):
    site = await make_site(code="gangnam")
    member = await make_member(site, login_id="hong", grade="BASIC")
    key = await api_key("pos", "INTEGRATION")
    ref = {"siteCode": "gangnam", "loginId": "hong"}
    visits = await graphql(client, VISITS, {"rows": [
        {"member": ref, "channel": "APP", "at": "2026-03-01T14:00:00"},
        {"member": ref, "channel": "APP", "at": "2026-03-01T14:00:00"},
        {"member": {"siteCode": "gangnam", "loginId": "ghost"}, "channel": "APP"}]}, token=key)
    data = visits["data"]["recordVisits"]
    assert data["stored"] == 1 and [r["ok"] for r in data["rows"]] == [True, True, False]
    assert data["rows"][1]["repeated"] and data["rows"][2]["errors"][0]["code"] == "MEMBER_UNKNOWN"
    assert data["rows"][2]["errors"][0]["messageKo"]
    earn = {"member": ref, "kind": "EARN", "amount": 700, "reason": "적립", "externalId": "r-1"}
    first = (await graphql(client, POINTS, {"input": earn}, token=key))["data"]["adjustPoints"]
    retry = (await graphql(client, POINTS, {"input": earn}, token=key))["data"]["adjustPoints"]
    assert first["pointsHeld"] == 700 and retry["repeated"] and retry["entry"]["id"] == first["entry"]["id"]
    spend = {"member": ref, "kind": "SPEND", "amount": 701}
    assert (await graphql(client, POINTS, {"input": spend}, token=key))["data"]["adjustPoints"]["errors"] == [
        {"code": "POINTS_INSUFFICIENT"}]
    tags = (await graphql(client, TAG, {"tag": "단골", "members": [ref]}, token=key))["data"]["tagMembers"]
    assert tags["stored"] == 1
    consent = await graphql(client, CONSENT, {"member": ref, "consents": [
        {"channel": "KAKAO", "granted": True}, {"channel": "NIGHT", "granted": False}]}, token=key)
    assert {c["channel"] for c in consent["data"]["setMarketingConsent"]["consents"]} == {"KAKAO", "NIGHT"}
    upserted = await graphql(client, UPSERT, {"input": {"siteCode": "gangnam", "loginId": "hong", "grade": "VIP"}},
                             token=key)
    assert upserted["data"]["upsertMember"]["created"] is False
    await make_operator(Role.VIEWER, login_id="viewer")
    await console_login(client, "viewer", PASSWORD)
    seen = (await graphql(client, MEMBER, {"id": str(member.id)}))["data"]["member"]
    assert seen["pointsHeld"] == 700 and seen["tags"] == ["단골"] and seen["visitCount"] == 1
    assert {(c["channel"], c["granted"]) for c in seen["consents"]} == {("KAKAO", True), ("NIGHT", False)}
    assert seen["gradeHistory"] == [{"fromGrade": "BASIC", "toGrade": "VIP"}]


async def test_upsert_member_creates_with_consents_and_reports_bad_fields(client, db):
    await make_site(code="main")
    key = await api_key("backend", "INTEGRATION")
    created = await graphql(client, UPSERT, {"input": {
        "siteCode": "main", "loginId": "new_one", "name": "새회원", "grade": "SILVER",
        "consents": [{"channel": "SMS", "granted": True, "at": "2026-01-02T10:00:00+09:00"}]}}, token=key)
    payload = created["data"]["upsertMember"]
    assert payload["created"] and payload["member"]["grade"] == "SILVER"
    assert await MarketingConsent.filter(channel="SMS", granted=True).count() == 1
    bad = await graphql(client, UPSERT, {"input": {"siteCode": "main", "loginId": "x2x", "name": "a",
                                                   "email": "nope"}}, token=key)
    assert bad["data"]["upsertMember"]["errors"] == [{"code": "INVALID_EMAIL", "field": "email"}]


async def test_batch_over_a_thousand_rows_is_refused_whole(client, db):
    member = await make_member()
    key = await api_key("backend", "INTEGRATION")
    rows = [{"member": {"id": str(member.id)}, "channel": "APP"}] * 1001
    data = (await graphql(client, VISITS, {"rows": rows}, token=key))["data"]["recordVisits"]
    assert data["errors"] == [{"code": "TOO_MANY"}] and await Visit.all().count() == 0


async def test_read_key_is_refused_on_every_activity_mutation(client, db):
    member = await make_member()
    key = await api_key("dashboard")
    ref = {"id": str(member.id)}
    for query, variables in (
            (VISITS, {"rows": [{"member": ref, "channel": "APP"}]}),
            (POINTS, {"input": {"member": ref, "kind": "EARN", "amount": 5}}),
            (TAG, {"tag": "x", "members": [ref]}),
            (CONSENT, {"member": ref, "consents": [{"channel": "SMS", "granted": True}]}),
            (UPSERT, {"input": {"siteCode": "x", "loginId": "abc", "name": "a"}})):
        assert error_code(await graphql(client, query, variables, token=key)) == "FORBIDDEN"
        assert error_code(await graphql(client, query, variables)) == "UNAUTHENTICATED"
    assert await Visit.all().count() == 0 and await PointEntry.all().count() == 0


async def test_integration_key_reads_nothing_and_calls_no_other_mutation(client, db):
    member = await make_member()
    key = await api_key("backend", "INTEGRATION")
    assert error_code(await graphql(client, "{ members(first: 5) { totalCount } }", token=key)) == "FORBIDDEN"
    assert (await graphql(client, f'{{ member(id: "{member.id}") {{ id }} }}', token=key))["errors"]
    assert error_code(await graphql(client, "{ orders(first: 5) { totalCount } }", token=key)) == "FORBIDDEN"
    update = 'mutation($id: ID!) { updateMember(input: {id: $id, name: "x"}) { errors { code } } }'
    assert error_code(await graphql(client, update, {"id": str(member.id)}, token=key)) == "FORBIDDEN"
    create_key = 'mutation { createApiKey(name: "x", scope: INTEGRATION) { secret } }'
    assert error_code(await graphql(client, create_key, token=key)) == "FORBIDDEN"
    await member.refresh_from_db()
    assert member.name != "x"


async def test_owner_creates_an_integration_key_in_graphql_and_in_the_console(client, db):
    await make_operator(Role.OWNER, login_id="owner")
    csrf = await console_login(client, "owner", PASSWORD)
    create = 'mutation { createApiKey(name: "pos", scope: INTEGRATION) { secret errors { code } } }'
    created = await graphql(client, create)
    assert created["data"]["createApiKey"]["secret"].startswith("kpk_")
    page = await client.post("/admin/settings/api-keys/new", data={"csrf_token": csrf, "name": "pos2",
                                                                   "scope": "INTEGRATION"})
    assert page.status_code == 200 and "new-secret" in page.text
    assert await ApiKey.filter(scope="INTEGRATION").count() == 2
    bad = await client.post("/admin/settings/api-keys/new", data={"csrf_token": csrf, "name": "x", "scope": "ALL"})
    assert bad.status_code == 422
    default = await client.post("/admin/settings/api-keys/new", data={"csrf_token": csrf, "name": "dash"})
    assert default.status_code == 200 and await ApiKey.get(name="dash").values_list("scope", flat=True) == "READ"
