"""Issue a MANUAL coupon to every member of a segment's snapshot, as a background job.

The same rules as `coupon_issuing.issue_manually` (issue window and weekdays, the coupon's
site, the per-member limit through CouponMemberCount), applied to batches of members with
a few set-based statements per batch instead of a transaction per member.

Running it twice issues nothing twice: every coupon it issues carries the issue key
`segment:<segment id>:<snapshot day>`, and the per-member counter moves only for members who
have no coupon with that key yet (member_coupon's unique (coupon, member, issue_key) backs
this under a concurrent run). Another day's snapshot is another issue, still within the
coupon's per-member limit. A retried job (after a crash) resumes with the same guarantee.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from tortoise import connections
from tortoise.transactions import in_transaction

from gql.resolvers.access import Actor, ActorKind, operator_actor, require_change_shop
from gql.resolvers.audit import record_change
from gql.resolvers.coupon_issuing import expiry_for, issue_refusal
from gql.resolvers.errors import Refused
from gql.resolvers.jobs import start_job
from gql.resolvers.raw_sql import execute, fetch
from gql.resolvers.segments import get_segment, sql_day
from kupon.jobs import JobRun, job_function
from kupon.timeutil import now_utc
from models.access import Operator
from models.coupons import Coupon, IssueMethod, MemberCoupon
from models.jobs import Job
from models.segments import Segment, SegmentSnapshot

KIND = "segments.issue_coupon"
BATCH = 500


def issue_key(segment_id: int, day: date) -> str:
    return f"segment:{segment_id}:{day.isoformat()}"


async def snapshot_day(segment: Segment, day: date | None) -> date:
    """The given snapshot day, or the segment's latest; refused when there is no such snapshot."""
    day = day or segment.computed_for
    if day is None or not await SegmentSnapshot.exists(segment_id=segment.id, day=day):
        raise Refused.because("SEGMENT_NO_SNAPSHOT", "day")
    return day


async def start_issue_to_segment(actor: Actor, segment_id: int, coupon_id: int, day: date | None = None) -> Job:
    """Queue the job; refused at once when the coupon cannot be issued now (the job checks again
    per batch, as an operator may stop the coupon while it runs)."""
    require_change_shop(actor)
    segment = await get_segment(actor, segment_id)
    coupon = await Coupon.get_or_none(id=coupon_id)
    if coupon is None:
        raise Refused.because("NOT_FOUND", "coupon_id")
    if coupon.issue_method != IssueMethod.MANUAL:
        raise Refused.because("WRONG_ISSUE_METHOD", "coupon_id")
    if reason := issue_refusal(coupon, now_utc()):
        raise Refused.because(reason, "coupon_id")
    day = await snapshot_day(segment, day)
    return await start_job(actor, KIND, {"segment_id": segment.id, "coupon_id": coupon.id, "day": day.isoformat()})


def _returning(update: str) -> str:
    """An UPDATE ... RETURNING whose rows `fetch` gives back: Tortoise's PostgreSQL client runs a
    statement starting with UPDATE without reading rows, so there it is wrapped in a CTE (which
    SQLite does not allow, and does not need)."""
    postgres = connections.get("default").capabilities.dialect == "postgres"
    return f"WITH changed AS ({update}) SELECT * FROM changed" if postgres else update


def _marks(values: list) -> str:
    return ", ".join("?" * len(values))


async def _issue_batch(coupon: Coupon, key: str, member_ids: list[int], skipped: Counter) -> int:
    """Issue to the members of one batch who may still get the coupon; how many got it."""
    now = now_utc()
    if reason := issue_refusal(coupon, now):
        skipped[reason] += len(member_ids)
        return 0
    # The per-member counters, created where missing (the same rows issue_coupon creates one by one).
    await execute(
        "INSERT INTO coupon_member_count (coupon_id, member_id, issued, used) "
        f"SELECT ?, m.id, 0, 0 FROM member m WHERE m.id IN ({_marks(member_ids)}) ON CONFLICT DO NOTHING",
        coupon.id, *member_ids)
    async with in_transaction():
        # Rows locked in the order of coupon_issuing.issue_coupon (coupon, counter, member coupon), so a
        # concurrent single issue never waits on this batch while it waits on that one.
        await Coupon.filter(id=coupon.id).select_for_update().only("id").first()
        taken = [row[0] for row in await fetch(_returning(
            "UPDATE coupon_member_count SET issued = issued + 1 "
            f"WHERE coupon_id = ? AND member_id IN ({_marks(member_ids)}) AND issued < COALESCE(?, issued + 1) "
            "AND NOT EXISTS (SELECT 1 FROM member_coupon mc WHERE mc.coupon_id = coupon_member_count.coupon_id "
            "AND mc.member_id = coupon_member_count.member_id AND mc.issue_key = ?) RETURNING member_id"),
            coupon.id, *member_ids, coupon.per_member_limit, key)]
        if taken:
            expires = expiry_for(coupon, now)
            await MemberCoupon.bulk_create([
                MemberCoupon(coupon_id=coupon.id, member_id=member_id, issued_via=IssueMethod.MANUAL,
                             issue_key=key, issued_at=now, expires_at=expires) for member_id in sorted(taken)])
            await execute("UPDATE coupon SET issued_count = issued_count + ? WHERE id = ?", len(taken), coupon.id)
    if len(taken) < len(member_ids):
        skipped["ALREADY_ISSUED"] += len(member_ids) - len(taken)
    return len(taken)


@job_function(KIND)
async def issue_to_segment_job(run: JobRun) -> dict:
    """Members of the snapshot in id order, read in batches after the last id (keyset)."""
    segment_id, coupon_id = int(run.params["segment_id"]), int(run.params["coupon_id"])
    day = date.fromisoformat(run.params["day"])
    day_param = sql_day(day)
    key = issue_key(segment_id, day)
    [(total,)] = await fetch("SELECT COUNT(*) FROM segment_member WHERE segment_id = ? AND day = ?",
                             segment_id, day_param)
    await run.progress(0, total)
    issued, done, last = 0, 0, 0
    skipped: Counter = Counter()
    while rows := await fetch(
            "SELECT sm.member_id, m.site_id, m.is_active FROM segment_member sm JOIN member m ON m.id = sm.member_id "
            "WHERE sm.segment_id = ? AND sm.day = ? AND sm.member_id > ? ORDER BY sm.member_id LIMIT ?",
            segment_id, day_param, last, BATCH):
        coupon = await Coupon.get(id=coupon_id)  # again per batch: it may be stopped meanwhile
        eligible = []
        for member_id, site_id, active in rows:
            if not active:
                skipped["MEMBER_INACTIVE"] += 1
            elif coupon.site_id is not None and coupon.site_id != site_id:
                skipped["WRONG_SITE"] += 1
            else:
                eligible.append(member_id)
        if eligible:
            issued += await _issue_batch(coupon, key, eligible, skipped)
        last, done = rows[-1][0], done + len(rows)
        await run.progress(done, max(total, done))
    result = {"segment_id": segment_id, "coupon_id": coupon_id, "day": day.isoformat(), "members": done,
              "issued": issued, "skipped": sum(skipped.values()), "skipped_by_reason": dict(sorted(skipped.items()))}
    await record_change(await _job_actor(run.job), "coupon.issue_to_segment", ("Coupon", coupon_id), after=result)
    return result


async def _job_actor(job: Job) -> Actor:
    """The operator who started the job, for the audit entry of its outcome."""
    operator = await Operator.get_or_none(id=job.created_by_id) if job.created_by_id else None
    if operator is None:
        return Actor(ActorKind.OPERATOR, label=f"job:{job.id}")
    return operator_actor(operator)
