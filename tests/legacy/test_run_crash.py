"""A real `kupon worker` killed (SIGKILL) half-way through a migration run, a worker started again:
every legacy record ends as exactly one member coupon, with counters to match (PostgreSQL)."""

import asyncio
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from gql.resolvers import legacy_run, raw_sql
from gql.resolvers.shop_settings import set_coupons_enabled
from kupon import jobs
from models.coupons import Coupon, CouponMemberCount, MemberCoupon
from models.jobs import Job, JobStatus
from models.legacy import (
    ApplicationCoupon,
    ApplicationStatus,
    LegacyCoupon,
    LegacyIssueStatus,
    LegacyKind,
    LegacyRecord,
    MigrationApplication,
    MigrationStage,
)
from tests.conftest import TEST_SECRET
from tests.factories import make_coupon, make_member, make_site

ROOT = Path(__file__).resolve().parents[2]
RECORDS, MEMBERS = 3000, 40


def worker(db, log: Path, **env: str) -> subprocess.Popen:
    environment = {**os.environ, "KUPON_ENV": "development", "KUPON_SECRET_KEY": TEST_SECRET,
                   "KUPON_DATABASE_URL": db.url, **env}
    return subprocess.Popen([sys.executable, "-m", "kupon.cli", "worker", "--concurrency", "1"], cwd=ROOT,
                            env=environment, stdout=log.open("ab"), stderr=subprocess.STDOUT)


async def linked() -> int:
    return await LegacyRecord.filter(member_coupon_id__not_isnull=True).count()


async def wait_until(condition, process: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    async with asyncio.timeout(timeout):
        while not await condition():
            assert process.poll() is None, log.read_text()
            await asyncio.sleep(0.05)


@pytest.fixture
async def procrastinate_runner(db, app):
    if not db.is_postgres:
        pytest.skip("kupon worker runs on PostgreSQL only")
    papp = jobs.procrastinate_app(db.url)
    async with papp.open_async():
        jobs.set_runner(jobs.ProcrastinateRunner(papp))
        yield jobs.get_runner()
    jobs.set_runner(app.state.job_runner)


async def test_killed_worker_resumes_and_moves_each_record_once(db, procrastinate_runner, owner, tmp_path):
    site = await make_site()
    members = [await make_member(site, login_id=f"crash{n:02}") for n in range(MEMBERS)]
    target = await make_coupon(issue_method="MANUAL")
    legacy = await LegacyCoupon.create(kind=LegacyKind.JACKPOT, number="CRASH1", name="crash",
                                       issue_status=LegacyIssueStatus.AVAILABLE, target_coupon=target,
                                       stage=MigrationStage.REQUESTED)
    # Every fifth record used; members by id (created one after the other).
    await raw_sql.execute(
        "INSERT INTO legacy_record (legacy_coupon_id, row_key, member_login_id, member_id, code, issued_at,"
        " used_at, order_ref, created_at) SELECT ?, 'crash-' || g, 'crash', ? + g % ?, '', now(),"
        " CASE WHEN g % 5 = 0 THEN now() END, '', now() FROM generate_series(1, ?) g",
        legacy.id, members[0].id, MEMBERS, RECORDS)
    application = await MigrationApplication.create(wished_date="2021-02-23", consent=True,
                                                    applicant_name="김담당")
    await ApplicationCoupon.create(application=application, legacy_coupon=legacy)
    await set_coupons_enabled(owner, False)
    started = await legacy_run.run_migration(owner, application.id)

    log = tmp_path / "worker.log"
    first = worker(db, log, **{legacy_run.BATCH_ENV: "40", legacy_run.PAUSE_ENV: "0.05"})
    try:
        await wait_until(lambda: _at_least(RECORDS // 5), first, log)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    partly = await linked()
    assert RECORDS // 5 <= partly < RECORDS, "killed too late to test anything"
    assert (await Job.get(id=started.job_id)).status == JobStatus.RUNNING  # abandoned mid-run

    # What the periodic recovery does once the heartbeat is stale.
    requeued = await jobs.recover_abandoned(stale_after=timedelta(0))
    assert requeued == [started.job_id]
    for job_id in requeued:
        await procrastinate_runner.submit(job_id)
    second = worker(db, log, **{legacy_run.BATCH_ENV: "500"})
    try:
        await wait_until(_completed(application.id), second, log)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(20)

    job = await Job.get(id=started.job_id)
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 2
    assert await linked() == RECORDS == await MemberCoupon.filter(coupon_id=target.id).count()
    duplicates = await raw_sql.fetch(
        "SELECT COUNT(*) FROM (SELECT issue_key FROM member_coupon GROUP BY coupon_id, member_id, issue_key"
        " HAVING COUNT(*) > 1) d")
    assert duplicates == [(0,)]
    per_record = await raw_sql.fetch(
        "SELECT COUNT(*) FROM legacy_record r JOIN member_coupon mc ON mc.id = r.member_coupon_id"
        " WHERE mc.issue_key = 'LEGACY:' || r.id AND mc.member_id = r.member_id")
    assert per_record == [(RECORDS,)]
    coupon = await Coupon.get(id=target.id)
    assert (coupon.issued_count, coupon.used_count) == (RECORDS, RECORDS // 5)
    counters = await CouponMemberCount.filter(coupon_id=target.id)
    assert len(counters) == MEMBERS and sum(c.issued for c in counters) == RECORDS
    assert sum(c.used for c in counters) == RECORDS // 5
    done = await MigrationApplication.get(id=application.id)
    assert (done.moved_count, done.already_count, done.unmatched_count) == (RECORDS, 0, 0)
    assert done.applicant_name == "" and done.erased_at is not None


async def _at_least(count: int) -> bool:
    return await linked() >= count


def _completed(application_id: int):
    async def check() -> bool:
        return await MigrationApplication.filter(id=application_id, status=ApplicationStatus.COMPLETED).exists()

    return check
