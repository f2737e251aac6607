"""Segments through GraphQL: who reads and who writes, the live preview, members as of a day,
a bad tree's path in the errors, and the using-segments mutations."""

from datetime import timedelta

from gql.resolvers.segments import recompute
from kupon.privacy import mask_phone
from kupon.timeutil import now_utc, seoul_today
from models.access import Role
from models.coupons import MemberCoupon
from models.segments import CouponAudience, Segment, SerialAudience
from tests.conftest import graphql
from tests.factories import api_key, make_coupon, make_member, make_serial_campaign, make_site, member_token
from tests.members.test_members_graphql import operator_session

RECENT = {"field": "SIGNED_UP", "days": 30}
LIST = "{ segments(first: 50) { totalCount edges { node { id name kind builtinKey } } } }"
CREATE = """mutation($input: SegmentInput!) { createSegment(input: $input) {
  segment { id name kind tree sentence sentenceKo size site { id } } errors { code field messageKo } } }"""
PREVIEW = """query($tree: JSON!, $siteId: ID) { segmentPreview(tree: $tree, siteId: $siteId) {
  preview { size sentence sentenceKo asOf sample { loginId phone } } errors { code field } } }"""
DETAIL = """query($id: ID!, $day: Date!, $view: SegmentMembershipView!) { segment(id: $id) {
  name size computedFor sentence(locale: "ko") snapshotDays sizeHistory(days: 30) { day size }
  membersAsOf(day: $day, view: $view, first: 2) { day comparedWith
    members { totalCount pageInfo { hasNextPage } edges { node { loginId phone } } } } } }"""
JOB = "query($id: ID!) { job(id: $id) { status result error } }"


def refusal(result: dict) -> str:
    assert result["data"] is None, result
    return result["errors"][0]["extensions"]["code"]


async def test_who_reads_and_who_writes(client, db):
    segment_input = {"input": {"name": "최근 가입", "tree": RECENT}}
    assert refusal(await graphql(client, LIST)) == "UNAUTHENTICATED"
    member = await make_member()
    assert refusal(await graphql(client, LIST, token=await member_token(member))) == "FORBIDDEN"
    key = await api_key()
    by_key = (await graphql(client, LIST, token=key))["data"]["segments"]
    assert {e["node"]["builtinKey"] for e in by_key["edges"]} == {"REGULARS", "ALMOST_REGULARS", "FIRST_EARNING"}
    assert refusal(await graphql(client, CREATE, segment_input, token=key)) == "FORBIDDEN"

    await operator_session(client, Role.VIEWER)
    assert (await graphql(client, LIST))["data"]["segments"]["totalCount"] == 3
    assert refusal(await graphql(client, CREATE, segment_input)) == "FORBIDDEN"
    builtin = by_key["edges"][0]["node"]["id"]
    for mutation in (f'mutation {{ recomputeSegment(id: "{builtin}") {{ job {{ id }} }} }}',
                     f'mutation {{ deleteSegment(id: "{builtin}") {{ deletedId }} }}'):
        assert refusal(await graphql(client, mutation)) == "FORBIDDEN"
    assert await Segment.filter(kind="CUSTOM").count() == 0


async def test_create_update_delete_and_a_bad_trees_paths(client, db):
    site = await make_site()
    await operator_session(client)
    bad_tree = {"op": "AND", "children": [RECENT, {"field": "ORDER_COUNT", "period": {"days": 0},
                                                   "cmp": {"op": "GTE", "value": 1}}, {"field": "NOPE"}]}
    bad = (await graphql(client, CREATE, {"input": {"name": "", "tree": bad_tree}}))["data"]["createSegment"]
    assert bad["segment"] is None
    assert {(e["code"], e["field"]) for e in bad["errors"]} == {
        ("REQUIRED", "name"), ("SEGMENT_NUMBER_OUT_OF_RANGE", "tree.children[1].period.days"),
        ("SEGMENT_FIELD_UNKNOWN", "tree.children[2].field")}

    made = (await graphql(client, CREATE, {"input": {"name": "최근 가입", "tree": RECENT, "siteId": str(site.id)}}))
    segment = made["data"]["createSegment"]["segment"]
    assert (segment["kind"], segment["size"], segment["site"]) == ("CUSTOM", None, {"id": str(site.id)})
    assert segment["sentence"] == "signed up in the last 30 days" and segment["sentenceKo"]
    assert segment["tree"] == RECENT

    update = """mutation($id: ID!, $input: SegmentInput!) { updateSegment(id: $id, input: $input) {
      segment { name tree } errors { code field } } }"""
    seven = {"field": "SIGNED_UP", "days": 7}
    updated = await graphql(client, update, {"id": segment["id"], "input": {"name": "7일", "tree": seven}})
    assert updated["data"]["updateSegment"] == {"segment": {"name": "7일", "tree": seven}, "errors": []}
    still_bad = await graphql(client, update, {"id": segment["id"], "input": {"name": "x", "tree": {"op": "OR"}}})
    assert still_bad["data"]["updateSegment"]["errors"] == [{"code": "SEGMENT_GROUP_EMPTY",
                                                              "field": "tree.children"}]

    coupon = await make_coupon()
    audience = await graphql(client, f"""mutation {{ setCouponAudience(couponId: "{coupon.id}",
        segmentIds: ["{segment['id']}"]) {{ segments {{ id }} errors {{ code }} }} }}""")
    assert audience["data"]["setCouponAudience"] == {"segments": [{"id": segment["id"]}], "errors": []}
    delete = f'mutation {{ deleteSegment(id: "{segment["id"]}") {{ deletedId errors {{ code }} }} }}'
    assert (await graphql(client, delete))["data"]["deleteSegment"] == {
        "deletedId": None, "errors": [{"code": "SEGMENT_IN_USE"}]}
    await CouponAudience.all().delete()
    assert (await graphql(client, delete))["data"]["deleteSegment"] == {"deletedId": segment["id"], "errors": []}
    assert (await graphql(client, f'{{ segment(id: "{segment["id"]}") {{ id }} }}'))["data"]["segment"] is None


async def test_preview_counts_without_saving_and_masks_for_readers(client, db):
    site = await make_site()
    recent = [await make_member(site, signed_up_at=now_utc() - timedelta(days=2)) for _ in range(12)]
    await make_member(site, signed_up_at=now_utc() - timedelta(days=90))
    key = await api_key()
    by_key = (await graphql(client, PREVIEW, {"tree": RECENT, "siteId": str(site.id)}, token=key))
    preview = by_key["data"]["segmentPreview"]["preview"]
    assert (preview["size"], len(preview["sample"]), preview["asOf"]) == (12, 10, seoul_today().isoformat())
    assert preview["sample"][0] == {"loginId": recent[0].login_id, "phone": mask_phone(recent[0].phone)}
    assert preview["sentence"] == "signed up in the last 30 days"
    await operator_session(client)
    full = (await graphql(client, PREVIEW, {"tree": RECENT}))["data"]["segmentPreview"]["preview"]
    assert full["sample"][0]["phone"] == recent[0].phone
    bad = (await graphql(client, PREVIEW, {"tree": {"field": "SIGNED_UP", "days": "x"}}))["data"]["segmentPreview"]
    assert bad == {"preview": None, "errors": [{"code": "SEGMENT_NUMBER_INVALID", "field": "tree.days"}]}
    assert await Segment.filter(kind="CUSTOM").count() == 0


async def test_recompute_then_members_as_of_a_day(client, db, run_jobs):
    site = await make_site()
    members = [await make_member(site, signed_up_at=now_utc() - timedelta(days=2)) for _ in range(3)]
    fresh = await make_member(site, signed_up_at=now_utc())
    await operator_session(client)
    made = await graphql(client, CREATE, {"input": {"name": "최근 가입", "tree": RECENT}})
    segment_id = made["data"]["createSegment"]["segment"]["id"]
    yesterday, today = (seoul_today() - timedelta(days=1)).isoformat(), seoul_today().isoformat()
    await recompute(await Segment.get(id=segment_id), seoul_today() - timedelta(days=1))  # as the midnight job
    started = await graphql(client, f'mutation {{ recomputeSegment(id: "{segment_id}") {{ job {{ id }} }} }}')
    await run_jobs()
    job = (await graphql(client, JOB, {"id": started["data"]["recomputeSegment"]["job"]["id"]}))["data"]["job"]
    assert job["status"] == "SUCCEEDED", job["error"]

    key = await api_key()
    found = (await graphql(client, DETAIL, {"id": segment_id, "day": today, "view": "ENTERED"}, token=key))
    segment = found["data"]["segment"]
    assert (segment["size"], segment["computedFor"], segment["snapshotDays"]) == (4, today, [today, yesterday])
    assert segment["sizeHistory"] == [{"day": yesterday, "size": 3}, {"day": today, "size": 4}]
    assert segment["sentence"] == "최근 30일 이내 가입"
    entered = segment["membersAsOf"]
    assert (entered["day"], entered["comparedWith"]) == (today, yesterday)
    assert entered["members"]["totalCount"] == 1
    assert entered["members"]["edges"][0]["node"] == {"loginId": fresh.login_id, "phone": mask_phone(fresh.phone)}
    everyone = await graphql(client, DETAIL, {"id": segment_id, "day": today, "view": "MEMBERS"})
    listed = everyone["data"]["segment"]["membersAsOf"]["members"]
    assert listed["totalCount"] == 4 and listed["pageInfo"]["hasNextPage"]
    assert listed["edges"][0]["node"] == {"loginId": members[0].login_id, "phone": members[0].phone}  # operator
    left = await graphql(client, DETAIL, {"id": segment_id, "day": today, "view": "LEFT"})
    assert left["data"]["segment"]["membersAsOf"]["members"]["totalCount"] == 0
    no_day = await graphql(client, DETAIL, {"id": segment_id, "day": "2020-01-01", "view": "MEMBERS"})
    assert no_day["errors"][0]["extensions"]["code"] == "SEGMENT_NO_SNAPSHOT"


async def test_issue_audience_and_export_mutations(client, db, run_jobs):
    site = await make_site()
    members = [await make_member(site, signed_up_at=now_utc() - timedelta(days=2)) for _ in range(2)]
    await operator_session(client)
    made = await graphql(client, CREATE, {"input": {"name": "최근 가입", "tree": RECENT}})
    segment_id = made["data"]["createSegment"]["segment"]["id"]
    await graphql(client, f'mutation {{ recomputeSegment(id: "{segment_id}") {{ job {{ id }} }} }}')
    await run_jobs()
    coupon = await make_coupon()
    issue = """mutation($s: ID!, $c: ID!) { issueCouponToSegment(segmentId: $s, couponId: $c) {
      job { id status } errors { code field } } }"""
    for _ in range(2):
        started = (await graphql(client, issue, {"s": segment_id, "c": str(coupon.id)}))["data"]
        await run_jobs()
        job = (await graphql(client, JOB, {"id": started["issueCouponToSegment"]["job"]["id"]}))["data"]["job"]
    assert job["result"]["issued"] == 0 and job["result"]["skipped_by_reason"] == {"ALREADY_ISSUED": 2}
    assert await MemberCoupon.filter(coupon_id=coupon.id).count() == len(members)
    stopped = await make_coupon(issue_status="STOPPED")
    refused = (await graphql(client, issue, {"s": segment_id, "c": str(stopped.id)}))["data"]
    assert refused["issueCouponToSegment"]["errors"] == [{"code": "ISSUE_NOT_ACTIVE", "field": "coupon_id"}]

    campaign = await make_serial_campaign()
    serial = f"""mutation {{ setSerialAudience(campaignId: "{campaign.id}", segmentIds: ["{segment_id}", "999"]) {{
      segments {{ id }} errors {{ code field }} }} }}"""
    assert (await graphql(client, serial))["data"]["setSerialAudience"]["errors"] == [
        {"code": "NOT_FOUND", "field": "segment_ids"}]
    ok = await graphql(client, serial.replace(', "999"', ""))
    assert ok["data"]["setSerialAudience"]["segments"] == [{"id": segment_id}]
    assert await SerialAudience.filter(campaign_id=campaign.id).count() == 1
    read = await graphql(client, f'{{ serialAudience(campaignId: "{campaign.id}") {{ name }} }}')
    assert read["data"]["serialAudience"] == [{"name": "최근 가입"}]

    export = f"""mutation {{ startSegmentExport(segmentId: "{segment_id}", format: XLSX) {{
      job {{ id }} errors {{ code }} }} }}"""
    assert refusal(await graphql(client, export, token=await api_key())) == "FORBIDDEN"
    await operator_session(client, Role.VIEWER)
    exported = (await graphql(client, export))["data"]["startSegmentExport"]
    await run_jobs()
    job = (await graphql(client, JOB, {"id": exported["job"]["id"]}))["data"]["job"]
    assert job["status"] == "SUCCEEDED" and job["result"] == {"rows": 2, "masked": True}
