"""Legacy coupon migration through GraphQL: scripts import rows, operators search, link, request and
apply; members, anonymous callers and viewers cannot change anything."""

from models.access import Role
from models.legacy import LegacyCoupon, MigrationApplication
from tests.conftest import console_login, graphql
from tests.factories import PASSWORD, api_key, make_coupon, make_member, make_operator, member_token

IMPORT_COUPONS = """mutation($rows: [LegacyCouponRowInput!]!, $keep: Boolean!) {
  importLegacyCoupons(rows: $rows, keepGoodRows: $keep) {
    report { rowsRead imported unchanged rejected { row code reason messageKo } } errors { code } } }"""
IMPORT_RECORDS = """mutation($rows: [LegacyRecordRowInput!]!) { importLegacyRecords(rows: $rows) {
  report { imported unmatchedLoginIds rejected { row reason } } errors { code } } }"""
IMPORT_TRIGGERS = """mutation($rows: [LegacyTriggerRowInput!]!) { importLegacyTriggers(rows: $rows) {
  report { imported } errors { code } } }"""
SEARCH = """query($condition: LegacyCondition!, $kind: LegacyKind) {
  legacyCoupons(condition: $condition, kind: $kind) { totalCount edges { node {
    number eligible ineligibility { code messageKo } action targetCouponId issuedCount availableCount } } } }"""
DETAIL = """query($id: ID!) { legacyCoupon(id: $id) { number records(unmatchedOnly: true) {
  totalCount edges { node { memberLoginId memberId } } } } }"""
LINK = """mutation($legacy: ID!, $coupon: ID) { linkLegacyTarget(legacyCouponId: $legacy, couponId: $coupon) {
  legacyCoupon { action targetCouponId } errors { code } } }"""
REQUEST = """mutation($ids: [ID!]!) { requestLegacyMigration(legacyCouponIds: $ids) {
  requested { number action } refused { legacyCouponId code messageKo } errors { code } } }"""
SUBMIT = """mutation($consent: Boolean!) { submitMigrationApplication(applicantName: "김담당", email: "ops@shop.kr",
  phone: "010-1234-5678", wishedDate: "2021-02-23", consent: $consent) {
  application { id status applicantPhone legacyCoupons { number } } errors { code field } } }"""
CANCEL = """mutation($id: ID!) { cancelMigrationApplication(id: $id) {
  application { status applicantName erasedAt } errors { code } } }"""

COUPON_ROWS = [
    {"number": "19171914", "kind": "JACKPOT", "name": "02월 일반회원 쿠폰", "issueStatus": "AVAILABLE",
     "issueFrom": "2021-02-18", "issueTo": "2021-02-20", "benefit": "1,000원 할인"},
    {"number": "44102514", "kind": "왕대박", "name": "만료 쿠폰", "issueStatus": "만료"},
]


async def test_script_imports_and_operator_walks_the_flow(client, db):
    owner = await make_operator(Role.OWNER)
    await console_login(client, owner.login_id, PASSWORD)
    bad = await graphql(client, IMPORT_COUPONS, {"rows": COUPON_ROWS + [
        {"number": "1", "kind": "COUPON", "name": "x", "issueStatus": "AVAILABLE"}], "keep": False})
    payload = bad["data"]["importLegacyCoupons"]
    assert payload["errors"] == [{"code": "IMPORT_HAS_BAD_ROWS"}]
    assert payload["report"]["rejected"][0]["row"] == 3 and payload["report"]["imported"] == 0
    assert payload["report"]["rejected"][0]["reason"] == "LEGACY_KIND_UNKNOWN"
    good = await graphql(client, IMPORT_COUPONS, {"rows": COUPON_ROWS, "keep": False})
    assert good["data"]["importLegacyCoupons"]["report"]["imported"] == 2
    again = await graphql(client, IMPORT_COUPONS, {"rows": COUPON_ROWS, "keep": False})
    assert again["data"]["importLegacyCoupons"]["report"]["unchanged"] == 2

    member = await make_member(login_id="shopper01")
    records = await graphql(client, IMPORT_RECORDS, {"rows": [
        {"couponNumber": "19171914", "memberLoginId": "shopper01", "issuedAt": "2021-02-18 09:10"},
        {"couponNumber": "19171914", "memberLoginId": "gone", "issuedAt": "2021-02-18 09:11"}]})
    assert records["data"]["importLegacyRecords"]["report"] == {"imported": 2, "unmatchedLoginIds": ["gone"],
                                                                "rejected": []}
    triggers = await graphql(client, IMPORT_TRIGGERS, {"rows": [{"event": "BIRTHDAY_ANNIVERSARY",
                                                                 "couponNumber": "19171914"}]})
    assert triggers["data"]["importLegacyTriggers"]["report"]["imported"] == 1

    found = await graphql(client, SEARCH, {"condition": "ALL", "kind": "JACKPOT"})
    nodes = {e["node"]["number"]: e["node"] for e in found["data"]["legacyCoupons"]["edges"]}
    assert nodes["44102514"]["ineligibility"] == {"code": "ISSUANCE_EXPIRED", "messageKo": "발급 만료"}
    assert nodes["19171914"]["eligible"] and nodes["19171914"]["action"] == "CREATE_COUPON"
    legacy = await LegacyCoupon.get(number="19171914")
    detail = await graphql(client, DETAIL, {"id": str(legacy.id)})
    assert detail["data"]["legacyCoupon"]["records"]["edges"] == [{"node": {"memberLoginId": "gone",
                                                                             "memberId": None}}]
    assert member.id

    coupon = await make_coupon()
    linked = await graphql(client, LINK, {"legacy": str(legacy.id), "coupon": str(coupon.id)})
    assert linked["data"]["linkLegacyTarget"]["legacyCoupon"] == {"action": "CREATED",
                                                                  "targetCouponId": str(coupon.id)}
    expired = await LegacyCoupon.get(number="44102514")
    requested = await graphql(client, REQUEST, {"ids": [str(legacy.id), str(expired.id)]})
    assert requested["data"]["requestLegacyMigration"]["requested"] == [{"number": "19171914",
                                                                         "action": "REQUESTED"}]
    assert requested["data"]["requestLegacyMigration"]["refused"] == [
        {"legacyCouponId": str(expired.id), "code": "ISSUANCE_EXPIRED", "messageKo": "발급 만료"}]

    refused = await graphql(client, SUBMIT, {"consent": False})
    assert refused["data"]["submitMigrationApplication"]["errors"] == [{"code": "CONSENT_REQUIRED",
                                                                        "field": "consent"}]
    submitted = (await graphql(client, SUBMIT, {"consent": True}))["data"]["submitMigrationApplication"]
    assert submitted["application"]["status"] == "SUBMITTED"
    assert submitted["application"]["legacyCoupons"] == [{"number": "19171914"}]
    assert submitted["application"]["applicantPhone"] == "010-1234-5678"
    cancelled = await graphql(client, CANCEL, {"id": submitted["application"]["id"]})
    application = cancelled["data"]["cancelMigrationApplication"]["application"]
    assert application["status"] == "CANCELLED" and application["applicantName"] == ""
    assert application["erasedAt"]
    assert (await MigrationApplication.get(id=int(submitted["application"]["id"]))).applicant_email == ""


async def test_who_may_do_what(client, db):
    rows = {"rows": COUPON_ROWS, "keep": False}
    anonymous = await graphql(client, IMPORT_COUPONS, rows)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    member_refused = await graphql(client, IMPORT_COUPONS, rows, token=await member_token(await make_member()))
    assert member_refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    key = await api_key()
    read = await graphql(client, SEARCH, {"condition": "ALL"}, token=key)
    assert read["data"]["legacyCoupons"]["totalCount"] == 0  # dashboards may read the search
    assert (await graphql(client, "{ migrationApplications { totalCount } }", token=key))["errors"]
    assert (await graphql(client, IMPORT_COUPONS, rows, token=key))["errors"]

    viewer = await make_operator(Role.VIEWER)
    await console_login(client, viewer.login_id, PASSWORD)
    assert (await graphql(client, IMPORT_COUPONS, rows))["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await graphql(client, "{ migrationApplications { totalCount } }"))["data"]
    client.cookies.clear()
    operator = await make_operator(Role.OPERATOR)
    await console_login(client, operator.login_id, PASSWORD)
    assert (await graphql(client, CANCEL, {"id": "1"}))["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await LegacyCoupon.all().count() == 0
