"""Using segments: issue a coupon to a snapshot (twice issues nothing twice), coupon and serial
audiences refused at checkout and registration, members exported masked or in full by role."""

import csv
import io
from datetime import timedelta

import pytest

from gql.resolvers import segment_issuing
from gql.resolvers.access import Actor, ActorKind, operator_actor
from gql.resolvers.checkout import CartInput, CartLineInput, OrderRequest, place_order, validate_checkout
from gql.resolvers.errors import Refused
from gql.resolvers.jobs import get_job_file
from gql.resolvers.segment_audience import set_coupon_audience, set_serial_audience
from gql.resolvers.segment_export import start_segment_export
from gql.resolvers.segment_issuing import start_issue_to_segment
from gql.resolvers.segments import SegmentInput, create_segment, recompute
from gql.resolvers.serials import register_serial
from kupon.privacy import mask_email, mask_phone
from kupon.timeutil import now_utc, seoul_today
from models.access import Role
from models.audit import AuditEntry
from models.codes import Code
from models.coupons import Coupon, CouponMemberCount, MemberCoupon
from models.jobs import Job, JobStatus
from models.members import Member
from tests.factories import give_coupon, make_coupon, make_member, make_operator, make_serial_campaign, make_site

RECENT = {"field": "SIGNED_UP", "days": 30}


async def operator(role=Role.OPERATOR):
    return operator_actor(await make_operator(role))


def member_actor(member):
    return Actor(ActorKind.MEMBER, label=member.login_id, member_id=member.id)


async def computed_segment(actor, tree=RECENT, site=None, day=None):
    segment = await create_segment(actor, SegmentInput(name="최근 가입", tree=tree, site_id=site.id if site else None))
    await recompute(segment, day or seoul_today())
    return segment


async def finished(job_id: int) -> Job:
    job = await Job.get(id=job_id)
    assert job.status == JobStatus.SUCCEEDED, job.error
    return job


async def test_issue_to_segment_twice_issues_nothing_twice(db, run_jobs, monkeypatch):
    monkeypatch.setattr(segment_issuing, "BATCH", 2)  # several batches
    actor = await operator()
    site, other_site = await make_site(), await make_site()
    members = [await make_member(site, signed_up_at=now_utc() - timedelta(days=2)) for _ in range(4)]
    elsewhere = await make_member(other_site, signed_up_at=now_utc() - timedelta(days=2))
    leaving = await make_member(site, signed_up_at=now_utc() - timedelta(days=2))
    await make_member(site, signed_up_at=now_utc() - timedelta(days=60))  # not in the segment
    segment = await computed_segment(actor)
    await Member.filter(id=leaving.id).update(is_active=False)  # after the snapshot
    coupon = await make_coupon(site_id=site.id, per_member_limit=None)
    await give_coupon(coupon, members[0])  # held before: an unlimited coupon still gets issued

    first = await start_issue_to_segment(actor, segment.id, coupon.id)
    await run_jobs()
    result = (await finished(first.id)).result
    assert result["issued"] == 4 and result["members"] == 6
    assert result["skipped_by_reason"] == {"WRONG_SITE": 1, "MEMBER_INACTIVE": 1}

    again = await start_issue_to_segment(actor, segment.id, coupon.id)
    await run_jobs()
    result = (await finished(again.id)).result
    assert (result["issued"], result["skipped_by_reason"]) == (0, {"ALREADY_ISSUED": 4, "MEMBER_INACTIVE": 1,
                                                                    "WRONG_SITE": 1})
    assert await MemberCoupon.filter(coupon_id=coupon.id).count() == 5
    assert (await Coupon.get(id=coupon.id)).issued_count == 4  # give_coupon bypasses the count
    counts = dict(await CouponMemberCount.filter(coupon_id=coupon.id).values_list("member_id", "issued"))
    assert counts == {m.id: 1 for m in members}
    assert not await MemberCoupon.filter(member_id=elsewhere.id).exists()
    audit = await AuditEntry.filter(action="coupon.issue_to_segment").order_by("id")
    assert [a.after["issued"] for a in audit] == [4, 0] and audit[0].operator_id == actor.id


async def test_another_snapshot_day_stays_within_the_per_member_limit(db, run_jobs):
    actor = await operator()
    site = await make_site()
    members = [await make_member(site, signed_up_at=now_utc() - timedelta(days=2)) for _ in range(3)]
    yesterday = seoul_today() - timedelta(days=1)
    segment = await computed_segment(actor, day=yesterday)
    await recompute(segment, seoul_today())
    once = await make_coupon(per_member_limit=1)
    twice = await make_coupon(per_member_limit=2)
    for coupon in (once, twice):
        for day in (yesterday, None):
            await start_issue_to_segment(actor, segment.id, coupon.id, day)
            await run_jobs()
    assert await MemberCoupon.filter(coupon_id=once.id).count() == 3
    assert await MemberCoupon.filter(coupon_id=twice.id).count() == 6
    keys = set(await MemberCoupon.filter(coupon_id=twice.id).values_list("issue_key", flat=True))
    assert keys == {f"segment:{segment.id}:{yesterday}", f"segment:{segment.id}:{seoul_today()}"}
    counts = dict(await CouponMemberCount.filter(coupon_id=twice.id).values_list("member_id", "issued"))
    assert counts == {m.id: 2 for m in members}


async def test_issue_to_segment_refusals(db, run_jobs):
    actor = await operator()
    segment = await create_segment(actor, SegmentInput(name="계산 전", tree=RECENT))
    coupon = await make_coupon()
    with pytest.raises(Refused) as no_snapshot:
        await start_issue_to_segment(actor, segment.id, coupon.id)
    assert no_snapshot.value.codes == ["SEGMENT_NO_SNAPSHOT"]
    await recompute(segment, seoul_today())
    for bad, code in ((await make_coupon(issue_status="STOPPED"), "ISSUE_NOT_ACTIVE"),
                      (await make_coupon(issue_method="DOWNLOAD"), "WRONG_ISSUE_METHOD")):
        with pytest.raises(Refused) as refused:
            await start_issue_to_segment(actor, segment.id, bad.id)
        assert refused.value.codes == [code]
    with pytest.raises(Refused) as viewer:
        await start_issue_to_segment(await operator(Role.VIEWER), segment.id, coupon.id)
    assert viewer.value.codes == ["FORBIDDEN"]
    assert await Job.all().count() == 0


def cart(site_id=None):
    return CartInput(lines=[CartLineInput(kind="COURSE", quantity=1, unit_price=30000, name="파이썬")],
                     channel="APP", site_id=site_id)


async def test_coupon_audience_refuses_outsiders_at_validation_and_order(db):
    actor = await operator()
    site = await make_site()
    inside = await make_member(site, signed_up_at=now_utc() - timedelta(days=2))
    outside = await make_member(site, signed_up_at=now_utc() - timedelta(days=90))
    segment = await computed_segment(actor)
    coupon = await make_coupon(amount=2000)
    plain = await make_coupon(amount=1000)
    await set_coupon_audience(actor, coupon.id, [segment.id])
    held = {m.id: (await give_coupon(coupon, m), await give_coupon(plain, m)) for m in (inside, outside)}

    for member, reason in ((inside, None), (outside, "NOT_IN_AUDIENCE")):
        verdicts = {mc.coupon_id: v for mc, v in (await validate_checkout(member_actor(member), None, cart())).verdicts}
        assert verdicts[coupon.id].reason == reason
        assert verdicts[plain.id].reason is None
    with pytest.raises(Refused) as refused:
        await place_order(member_actor(outside), None, OrderRequest(cart=cart(), member_coupon_ids=[
            held[outside.id][0].id]))
    assert refused.value.codes == ["NOT_IN_AUDIENCE"]
    order = await place_order(member_actor(inside), None, OrderRequest(cart=cart(), member_coupon_ids=[
        held[inside.id][0].id]))
    assert order.coupon_discount == 2000

    await set_coupon_audience(actor, coupon.id, [])  # no audience: everyone again
    verdicts = (await validate_checkout(member_actor(outside), None, cart())).verdicts
    assert all(v.reason is None for _, v in verdicts)


async def test_audience_reads_the_latest_snapshot(db):
    """A member who joined the segment after its last recompute is still outside until the next one."""
    actor = await operator()
    site = await make_site()
    segment = await computed_segment(actor, site=site)
    late = await make_member(site, signed_up_at=now_utc() - timedelta(days=1))
    coupon = await make_coupon()
    await set_coupon_audience(actor, coupon.id, [segment.id])
    await give_coupon(coupon, late)
    [(_, before)] = (await validate_checkout(member_actor(late), None, cart())).verdicts
    await recompute(segment, seoul_today())
    [(_, after)] = (await validate_checkout(member_actor(late), None, cart())).verdicts
    assert (before.reason, after.reason) == ("NOT_IN_AUDIENCE", None)


async def test_audience_setting_is_audited_and_checked(db):
    actor = await operator()
    coupon = await make_coupon()
    segment = await computed_segment(actor)
    with pytest.raises(Refused) as unknown:
        await set_coupon_audience(actor, coupon.id, [segment.id, 999_999])
    assert unknown.value.problems[0].field == "segment_ids"
    with pytest.raises(Refused) as viewer:
        await set_coupon_audience(await operator(Role.VIEWER), coupon.id, [segment.id])
    assert viewer.value.codes == ["FORBIDDEN"]
    await set_coupon_audience(actor, coupon.id, [segment.id])
    entry = await AuditEntry.get(action="coupon.audience")
    assert (entry.before, entry.after) == ({"segment_ids": []}, {"segment_ids": [segment.id]})


async def test_serial_registration_restricted_to_segments(db):
    actor = await operator()
    site = await make_site()
    inside = await make_member(site, signed_up_at=now_utc() - timedelta(days=2))
    outside = await make_member(site, signed_up_at=now_utc() - timedelta(days=90))
    segment = await computed_segment(actor)
    campaign = await make_serial_campaign(per_member_limit=1)
    code = (await Code.get(serial_campaign_id=campaign.id)).code
    await set_serial_audience(actor, campaign.id, [segment.id])
    with pytest.raises(Refused) as refused:
        await register_serial(member_actor(outside), code, "APP")
    assert refused.value.codes == ["SERIAL_NOT_IN_AUDIENCE"]
    registered = await register_serial(member_actor(inside), code, "APP")
    assert len(registered.coupons) == 1


async def test_export_masks_unless_the_role_may_see_personal_data(db, run_jobs):
    owner = await operator()
    viewer = await operator(Role.VIEWER)
    site = await make_site()
    members = [await make_member(site, signed_up_at=now_utc() - timedelta(days=2)) for _ in range(3)]
    segment = await computed_segment(owner)

    async def exported(actor, fmt="CSV"):
        job = await start_segment_export(actor, segment.id, fmt)
        await run_jobs()
        await finished(job.id)
        return job, (await get_job_file(actor, job.id))

    viewer_job, viewer_file = await exported(viewer)
    _, owner_file = await exported(owner)
    assert viewer_file.filename == f"segment-{segment.id}-{seoul_today()}.csv"
    for file, full in ((viewer_file, False), (owner_file, True)):
        header, *rows = list(csv.reader(io.StringIO(bytes(file.data).decode("utf-8-sig"))))
        assert header[4:6] == ["Phone", "E-mail"]
        expected = {m.login_id: [m.phone, m.email] if full else [mask_phone(m.phone), mask_email(m.email)]
                    for m in members}
        assert {row[2]: row[4:6] for row in rows} == expected
    with pytest.raises(Refused) as refused:  # the viewer cannot download the operator's full file
        await get_job_file(viewer, (await Job.get(kind="segments.export_full")).id)
    assert refused.value.codes == ["FORBIDDEN"]
    _, xlsx = await exported(viewer, "XLSX")
    assert xlsx.filename.endswith(".xlsx") and viewer_job.kind == "segments.export"
    with pytest.raises(Refused) as by_key:
        await start_segment_export(Actor(ActorKind.API_KEY, label="dashboard"), segment.id, "CSV")
    assert by_key.value.codes == ["FORBIDDEN"]
