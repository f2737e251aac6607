"""The legacy migration run (SPEC 3, seed 000 "이전 작업"): every record of an application's
requested legacy coupons becomes one member coupon of its target smart coupon.

For the console and GraphQL:
- `run_migration(actor, application_id)` -> MigrationApplication: an OWNER starts the run now
  (also a scheduled one early, or again after its job failed). Refused with MIGRATION_SWITCH_ON while
  "coupons usable in checkout" is on, APPLICATION_CLOSED when it is cancelled, completed or running.
- `start_due_runs()` (every minute): scheduled applications whose time has come start, once each; one
  whose switch is still on waits (`run_blocker(application)` says why) and starts once it is off.
- `run_in_progress()`: a run is queued or running; then nobody can turn the switch on
  (shop_settings.set_coupons_enabled refuses with MIGRATION_RUNNING).
- `run_progress(application)` -> RunProgress: job, status, done / total for the progress bar.
- `migration_banner(coupon_id)` -> Banner | None: why a migrated smart coupon is STOPPED.

Exactly once: `legacy_record.member_coupon_id` is unique and each moved record's member coupon has
issue_key "LEGACY:<record id>" (unique per coupon and member), so the database refuses a second
member coupon for a record whatever a run does. The work is set-based SQL in batches (`move_batch`),
each batch one transaction: the member coupons, the link back, the per-member and coupon counters,
for paper coupons the serial registrations, and the application's moved count. A run killed half-way
loses at most its uncommitted batch; the job's retry (kupon.jobs recovery) continues where it stopped.

A moved record: USED with its used_at when it was used, else AVAILABLE; issued_at as in the old
system; expires_at as the target's use window gives (coupon_issuing.expiry_for; "N days after issue"
counts from the legacy issue time); issued_via MANUAL. The order reference stays on the legacy record
(read it through `member_coupon.legacy_record`): the old system's orders are not kupon orders.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from datetime import datetime

from tortoise import connections
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from gql.resolvers import raw_sql
from gql.resolvers.access import Actor, ActorKind, require_owner, require_read_shop
from gql.resolvers.audit import record_change
from gql.resolvers.coupon_issuing import expiry_for
from gql.resolvers.errors import Refused
from gql.resolvers.legacy_applications import SYSTEM, application_coupons, erase_applicant
from gql.resolvers.legacy_import import refresh_legacy_coupons
from gql.resolvers.legacy_triggers import convert_triggers
from gql.resolvers.shop_settings import COUPONS_ENABLED, switch_is_on
from kupon import jobs
from kupon.jobs import JobRun, every_minute, job_function
from kupon.timeutil import now_utc
from models.coupons import Coupon, CouponStatus, IssueMethod, MemberCouponStatus, ShopSetting, UseWindow
from models.jobs import Job, JobStatus
from models.legacy import ApplicationStatus, LegacyCoupon, LegacyRecord, MigrationApplication, MigrationStage

RUN_JOB = "legacy.run"
ISSUE_KEY_PREFIX = "LEGACY:"  # + the legacy record's id
BATCH = 5000
# Test and benchmark hooks: a smaller batch, a pause after each batch (seconds).
BATCH_ENV, PAUSE_ENV = "KUPON_LEGACY_RUN_BATCH", "KUPON_LEGACY_RUN_PAUSE"
LIVE_JOB = [JobStatus.QUEUED, JobStatus.RUNNING]


def _postgres() -> bool:
    return connections.get("default").capabilities.dialect == "postgres"


# Starting ----------------------------------------------------------------------------------------------

async def _switch_locked() -> bool:
    """Inside a transaction: lock the switch's row (a write), then read it. set_coupons_enabled locks
    the same row first, so a run starting and the switch turning on never both succeed."""
    await ShopSetting.filter(key=COUPONS_ENABLED).update(updated_at=now_utc())
    row = await ShopSetting.get_or_none(key=COUPONS_ENABLED)
    return switch_is_on(row.value if row else None)


async def run_in_progress() -> bool:
    return await MigrationApplication.filter(Q(job_id=None) | Q(job__status__in=LIVE_JOB),
                                             status=ApplicationStatus.RUNNING).exists()


async def _start(application_id: int, actor: Actor | None) -> Job:
    """RUNNING and its job, in one transaction with the switch check; the job is submitted after commit.
    Startable: submitted, scheduled, or running whose job failed (run again)."""
    async with in_transaction():
        current = await MigrationApplication.get_or_none(id=application_id).select_related("job")
        if current is None:
            raise Refused.because("NOT_FOUND", "id")
        if current.status in (ApplicationStatus.SUBMITTED, ApplicationStatus.SCHEDULED):
            startable = MigrationApplication.filter(id=current.id, status=current.status)
        elif current.status == ApplicationStatus.RUNNING and current.job and current.job.status == JobStatus.FAILED:
            startable = MigrationApplication.filter(id=current.id, status=current.status, job_id=current.job_id)
        else:
            raise Refused.because("APPLICATION_CLOSED", "id")
        if await _switch_locked():
            raise Refused.because("MIGRATION_SWITCH_ON", "id")
        job = await Job.create(kind=RUN_JOB, params={"application_id": current.id},
                               created_by_id=actor.id if actor and actor.kind == ActorKind.OPERATOR else None)
        # The conditional UPDATE makes a start happen once, however many callers race.
        if not await startable.update(status=ApplicationStatus.RUNNING, job_id=job.id, updated_at=now_utc()):
            raise Refused.because("APPLICATION_CLOSED", "id")
        await record_change(actor or SYSTEM, "legacy.run_start", current, before={"status": current.status.value},
                            after={"status": ApplicationStatus.RUNNING.value, "job_id": job.id})
    await jobs.get_runner().submit(job.id)
    return job


async def run_migration(actor: Actor, application_id: int) -> MigrationApplication:
    """OWNER: run now. The switch must be off (seed 000: the run does not proceed otherwise)."""
    require_owner(actor)
    await _start(application_id, actor)
    return await MigrationApplication.get(id=application_id)


@every_minute
async def start_due_runs() -> list[int]:
    """Start scheduled applications whose time has come; ids started. Cheap when none is due."""
    started = []
    due = MigrationApplication.filter(status=ApplicationStatus.SCHEDULED, scheduled_at__lte=now_utc())
    for application in await due.order_by("scheduled_at"):
        try:
            await _start(application.id, None)
        except Refused:  # switch still on (it waits), or another process started it
            continue
        started.append(application.id)
    return started


async def run_blocker(application: MigrationApplication) -> str | None:
    """Why a submitted or scheduled application cannot run now (a REASONS code), or None."""
    if application.status not in (ApplicationStatus.SUBMITTED, ApplicationStatus.SCHEDULED):
        return None
    row = await ShopSetting.get_or_none(key=COUPONS_ENABLED)
    return "MIGRATION_SWITCH_ON" if switch_is_on(row.value if row else None) else None


# Moving -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    coupon: Coupon
    serial_id: int | None  # paper coupons: register the legacy serials in this serial code


def _expiry(coupon: Coupon, postgres: bool) -> tuple[str, list]:
    """SQL for a moved record's expires_at, from its issued_at: coupon_issuing.expiry_for in SQL."""
    if coupon.use_window == UseWindow.DAYS_AFTER_ISSUE:
        days = coupon.use_days_after_issue or 0
        if postgres:
            return "b.issued_at + make_interval(days => CAST(? AS INTEGER))", [days]
        return "strftime('%Y-%m-%d %H:%M:%S+00:00', b.issued_at, ?)", [f"+{days} days"]
    return ("CAST(? AS TIMESTAMPTZ)" if postgres else "?"), [expiry_for(coupon, now_utc())]


def _insert_member_coupons(target: Target, source: str, postgres: bool) -> tuple[str, list]:
    expiry, expiry_params = _expiry(target.coupon, postgres)
    sql = ("INSERT INTO member_coupon (coupon_id, member_id, status, issued_via, issue_key, issued_at, expires_at,"
           " used_at) SELECT CAST(? AS INTEGER), b.member_id,"
           " CASE WHEN b.used_at IS NULL THEN CAST(? AS TEXT) ELSE CAST(? AS TEXT) END, CAST(? AS TEXT),"
           f" CAST(? AS TEXT) || b.id, b.issued_at, {expiry}, b.used_at FROM {source}")
    return sql, [target.coupon.id, MemberCouponStatus.AVAILABLE.value, MemberCouponStatus.USED.value,
                 IssueMethod.MANUAL.value, ISSUE_KEY_PREFIX, *expiry_params]


# PostgreSQL: one statement per batch. The batch's rows are locked (SKIP LOCKED: a second runner
# takes other rows, never the same), each data-modifying CTE runs once over the batch.
_PG_COUNTERS = (
    " linked AS (UPDATE legacy_record r SET member_coupon_id = made.id, moved_at = ?"
    "  FROM made WHERE r.id = CAST(SUBSTRING(made.issue_key FROM 8) AS INTEGER) RETURNING r.id),"
    " counted AS (INSERT INTO coupon_member_count (coupon_id, member_id, issued, used)"
    "  SELECT CAST(? AS INTEGER), member_id, COUNT(*), COUNT(*) FILTER (WHERE status = ?) FROM made GROUP BY member_id"
    "  ON CONFLICT (coupon_id, member_id) DO UPDATE SET issued = coupon_member_count.issued + EXCLUDED.issued,"
    "  used = coupon_member_count.used + EXCLUDED.used RETURNING 1)")
_PG_SERIAL = (
    " reg AS (INSERT INTO serial_registration (campaign_id, code_id, member_id, client_ip, registered_at)"
    "  SELECT CAST(? AS INTEGER), b.code, b.member_id, '', b.issued_at FROM batch b"
    "  JOIN code c ON c.code = b.code AND c.serial_campaign_id = CAST(? AS INTEGER) RETURNING code_id, member_id),"
    " reg_code AS (UPDATE code SET registrations = code.registrations + x.n"
    "  FROM (SELECT code_id, COUNT(*) AS n FROM reg GROUP BY code_id) x WHERE code.code = x.code_id RETURNING 1),"
    " reg_member AS (INSERT INTO serial_member_count (campaign_id, member_id, registrations)"
    "  SELECT CAST(? AS INTEGER), member_id, COUNT(*) FROM reg GROUP BY member_id"
    "  ON CONFLICT (campaign_id, member_id) DO UPDATE"
    "  SET registrations = serial_member_count.registrations + EXCLUDED.registrations RETURNING 1),"
    " reg_campaign AS (UPDATE serial_campaign SET registered_count = registered_count + (SELECT COUNT(*) FROM reg)"
    "  WHERE id = CAST(? AS INTEGER) RETURNING 1),")


async def _move_batch_postgres(target: Target, legacy_id: int, size: int, after: int, now: datetime
                               ) -> tuple[int, int | None]:
    insert, insert_params = _insert_member_coupons(target, "batch b", True)
    sql = ("WITH batch AS (SELECT id, member_id, code, issued_at, used_at FROM legacy_record"
           " WHERE legacy_coupon_id = ? AND id > ? AND member_id IS NOT NULL AND member_coupon_id IS NULL"
           " ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED),"
           f" made AS ({insert} RETURNING id, member_id, status, issue_key),"
           + (_PG_SERIAL if target.serial_id else "") + _PG_COUNTERS +
           " UPDATE coupon SET issued_count = issued_count + (SELECT COUNT(*) FROM made),"
           " used_count = used_count + (SELECT COUNT(*) FROM made WHERE status = ?)"
           " WHERE id = CAST(? AS INTEGER) RETURNING (SELECT COUNT(*) FROM linked), (SELECT MAX(id) FROM batch)")
    used = MemberCouponStatus.USED.value
    params = [legacy_id, after, size, *insert_params, *([target.serial_id] * 4 if target.serial_id else []),
              now, target.coupon.id, used, used, target.coupon.id]
    rows = await raw_sql.fetch(sql, *params)
    return (int(rows[0][0]), rows[0][1]) if rows else (0, None)


# SQLite: the same in a few statements over one id range, inside the batch's transaction (SQLite
# has one writer at a time, so nothing changes the range between them).
_SQLITE_PENDING = "legacy_coupon_id = ? AND member_id IS NOT NULL AND member_coupon_id IS NULL AND id <= ?"
_SQLITE_PENDING_B = "b.legacy_coupon_id = ? AND b.member_id IS NOT NULL AND b.member_coupon_id IS NULL AND b.id <= ?"


async def _move_batch_sqlite(target: Target, legacy_id: int, size: int, after: int, now: datetime
                             ) -> tuple[int, int | None]:
    rows = await raw_sql.fetch(
        "SELECT MAX(id), COUNT(*) FROM (SELECT id FROM legacy_record WHERE legacy_coupon_id = ? AND id > ?"
        " AND member_id IS NOT NULL AND member_coupon_id IS NULL ORDER BY id LIMIT ?)", legacy_id, after, size)
    last, count = rows[0]
    if not count:
        return 0, None
    pending = [legacy_id, last]
    source = f"legacy_record b WHERE {_SQLITE_PENDING}"
    insert, insert_params = _insert_member_coupons(target, source, False)
    await raw_sql.execute(insert, *insert_params, *pending)
    coupon_id = target.coupon.id
    if target.serial_id:
        await _register_serials_sqlite(target.serial_id, pending)
    await raw_sql.execute(
        "INSERT INTO coupon_member_count (coupon_id, member_id, issued, used)"
        f" SELECT ?, member_id, COUNT(*), SUM(used_at IS NOT NULL) FROM legacy_record WHERE {_SQLITE_PENDING}"
        " GROUP BY member_id ON CONFLICT (coupon_id, member_id) DO UPDATE"
        " SET issued = issued + excluded.issued, used = used + excluded.used", coupon_id, *pending)
    await raw_sql.execute(
        "UPDATE coupon SET issued_count = issued_count + ?, used_count = used_count +"
        f" (SELECT COUNT(*) FROM legacy_record WHERE {_SQLITE_PENDING} AND used_at IS NOT NULL) WHERE id = ?",
        count, *pending, coupon_id)
    linked = await raw_sql.execute(
        "UPDATE legacy_record SET moved_at = ?, member_coupon_id = (SELECT mc.id FROM member_coupon mc"
        " WHERE mc.coupon_id = ? AND mc.member_id = legacy_record.member_id"
        f" AND mc.issue_key = ? || legacy_record.id) WHERE {_SQLITE_PENDING}",
        now, coupon_id, ISSUE_KEY_PREFIX, *pending)
    return linked, last


async def _register_serials_sqlite(serial_id: int, pending: list) -> None:
    joined = f"legacy_record b JOIN code c ON c.code = b.code AND c.serial_campaign_id = ? WHERE {_SQLITE_PENDING_B}"
    await raw_sql.execute("INSERT INTO serial_registration (campaign_id, code_id, member_id, client_ip, registered_at)"
                          f" SELECT ?, b.code, b.member_id, '', b.issued_at FROM {joined}",
                          serial_id, serial_id, *pending)
    await raw_sql.execute(f"UPDATE code SET registrations = registrations + (SELECT COUNT(*) FROM {joined}"
                          " AND b.code = code.code) WHERE serial_campaign_id = ? AND code IN"
                          f" (SELECT b.code FROM {joined})", serial_id, *pending, serial_id, serial_id, *pending)
    await raw_sql.execute("INSERT INTO serial_member_count (campaign_id, member_id, registrations)"
                          f" SELECT ?, b.member_id, COUNT(*) FROM {joined} GROUP BY b.member_id"
                          " ON CONFLICT (campaign_id, member_id) DO UPDATE"
                          " SET registrations = registrations + excluded.registrations",
                          serial_id, serial_id, *pending)
    await raw_sql.execute(f"UPDATE serial_campaign SET registered_count = registered_count + (SELECT COUNT(*)"
                          f" FROM {joined}) WHERE id = ?", serial_id, *pending, serial_id)


async def move_batch(target: Target, legacy_id: int, size: int, application_id: int | None = None,
                     after: int = 0) -> tuple[int, int | None]:
    """Move up to `size` unmoved matched records of one legacy coupon with ids above `after`, in one
    transaction: (how many, the batch's last record id, None when there was nothing left)."""
    now = now_utc()
    move = _move_batch_postgres if _postgres() else _move_batch_sqlite
    async with in_transaction():
        moved, last = await move(target, legacy_id, size, after, now)
        if moved and application_id is not None:
            await raw_sql.execute("UPDATE migration_application SET moved_count = moved_count + ? WHERE id = ?",
                                  moved, application_id)
    return moved, last


async def move_records(target: Target, legacy_id: int, application_id: int | None = None,
                       on_batch=None, size: int | None = None) -> int:
    """Every unmoved matched record of a legacy coupon, batch after batch; how many moved now."""
    size = size or int(os.environ.get(BATCH_ENV) or BATCH)
    pause = float(os.environ.get(PAUSE_ENV) or 0)
    total, after = 0, 0
    # Keyset: each batch starts after the last one (no rescanning of moved rows); a restart from 0
    # passes over what an earlier attempt moved once.
    while True:
        moved, last = await move_batch(target, legacy_id, size, application_id, after)
        if last is None:
            return total
        total, after = total + moved, last
        if on_batch is not None:
            await on_batch(moved)
        if pause:
            await asyncio.sleep(pause)


async def _target(coupon: LegacyCoupon) -> Target:
    return Target(await Coupon.get(id=coupon.target_coupon_id), coupon.target_serial_id)


@job_function(RUN_JOB)
async def migration_job(run: JobRun) -> dict:
    """The run. Safe to run again from the start: moved records stay moved, the rest move."""
    application = await MigrationApplication.get(id=run.params["application_id"])
    if application.status != ApplicationStatus.RUNNING:
        return {"skipped": application.status.value}
    coupons = [c for c in await application_coupons(application.id)
               if c.stage in (MigrationStage.REQUESTED, MigrationStage.MIGRATED) and c.target_coupon_id]
    ids = [c.id for c in coupons]
    await refresh_legacy_coupons(ids)  # members who joined since the import are matched too
    # Nothing issues or uses the targets while their history moves in.
    await Coupon.filter(id__in=[c.target_coupon_id for c in coupons]).update(
        issue_status=CouponStatus.STOPPED, use_status=CouponStatus.STOPPED)
    matched = LegacyRecord.filter(legacy_coupon_id__in=ids, member_id__not_isnull=True)
    total = await matched.count()
    done = await matched.filter(member_coupon_id__not_isnull=True).count()
    await run.progress(done, total)

    async def advance(moved: int) -> None:
        nonlocal done
        done += moved
        await run.progress(done, total)

    for coupon in coupons:
        await move_records(await _target(coupon), coupon.id, application.id, advance)
        async with in_transaction():
            await LegacyCoupon.filter(id=coupon.id).update(stage=MigrationStage.MIGRATED,
                                                           migrated_at=coupon.migrated_at or now_utc())
            await convert_triggers([coupon.id])
    return await _complete(application, ids)


async def _complete(application: MigrationApplication, ids: list[int]) -> dict:
    application = await MigrationApplication.get(id=application.id)
    records = LegacyRecord.filter(legacy_coupon_id__in=ids)
    linked = await records.filter(member_coupon_id__not_isnull=True).count()
    counts = {"moved_count": application.moved_count, "already_count": linked - application.moved_count,
              "unmatched_count": await records.filter(member_id__isnull=True).exclude(member_login_id="").count()}
    async with in_transaction():
        await MigrationApplication.filter(id=application.id).update(
            status=ApplicationStatus.COMPLETED, completed_at=now_utc(), updated_at=now_utc(), **counts)
        application = await MigrationApplication.get(id=application.id)
        await record_change(SYSTEM, "legacy.run_complete", application,
                            after={"legacy_coupon_ids": ids, **counts})
        await erase_applicant(application)
    return {"legacy_coupon_ids": ids, **counts}


# Reading ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RunProgress:
    status: ApplicationStatus
    job: Job | None
    done: int
    total: int
    blocker: str | None  # a REASONS code: why it cannot start now

    @property
    def percent(self) -> int:
        return 100 if self.status == ApplicationStatus.COMPLETED else (
            int(self.done * 100 / self.total) if self.total else 0)


async def run_progress(actor: Actor, application_id: int) -> RunProgress:
    require_read_shop(actor)
    application = await MigrationApplication.get_or_none(id=application_id).select_related("job")
    if application is None:
        raise Refused.because("NOT_FOUND", "id")
    job = application.job
    return RunProgress(application.status, job, job.progress if job else 0, job.total if job else 0,
                       await run_blocker(application))


@dataclass(frozen=True)
class Banner:
    """Shown on a migrated smart coupon's page while its issue or use status is STOPPED."""

    reason: str  # MIGRATED_COUPON_STOPPED (REASONS: English and Korean)
    legacy_number: str
    legacy_name: str
    migrated_at: datetime | None


async def migration_banner(coupon_id: int) -> Banner | None:
    legacy = await LegacyCoupon.get_or_none(target_coupon_id=coupon_id, stage=MigrationStage.MIGRATED)
    if legacy is None:
        return None
    stopped = await Coupon.filter(Q(issue_status=CouponStatus.STOPPED) | Q(use_status=CouponStatus.STOPPED),
                                  id=coupon_id).exists()
    return Banner("MIGRATED_COUPON_STOPPED", legacy.number, legacy.name, legacy.migrated_at) if stopped else None
