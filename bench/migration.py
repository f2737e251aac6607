"""`migration`: a legacy migration run over a million records, against a raw INSERT ... SELECT of the
same rows into the same table (SPEC 3, issue 8: at least 0.33 of its speed).

kupon's side is the run's job function itself, `gql.resolvers.legacy_run.migration_job`, for an
application covering one JACKPOT legacy coupon whose N records (every fifth used) belong to 2,000
members: it re-matches members, stops the target, then moves the records in batches of
legacy_run.BATCH (each batch one transaction: the member coupons, the link back to each record,
per-member and coupon counters, the application's count, the job's progress), marks the coupon
migrated and completes the application. The baseline is one statement on a raw asyncpg connection:
`INSERT INTO member_coupon (...) SELECT ... FROM legacy_record` of the same rows, same values, into the
same table with its indexes, and nothing else (no link back, no counters, no batches).

Before every turn, outside the measured time, the tables are emptied and the N records generated again
by `generate_series`, then VACUUM ANALYZE and a CHECKPOINT. Each side must end with exactly N member
coupons (kupon's also linked one to one, and counted on the coupon). Figures are the median turn in
seconds; the ratio is the raw statement's time over kupon's. N is KUPON_BENCH_LEGACY_RECORDS (default
1,000,000), or `python -m bench.migration --records N [runner options]`.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from datetime import UTC, datetime

from bench.registry import Options, Result, benchmark
from bench.servers import throwaway_postgres

RECORDS_ENV = "KUPON_BENCH_LEGACY_RECORDS"
DEFAULT_RECORDS = 1_000_000
MEMBERS = 2000
WARMUP_RECORDS = 10_000
TURN_TIMEOUT = 600.0

GENERATE = (
    "INSERT INTO legacy_record (legacy_coupon_id, row_key, member_login_id, member_id, code, issued_at, used_at,"
    " order_ref, created_at) SELECT $1, 'bench-' || g, 'bench', $2 + g % $3, '',"
    " TIMESTAMPTZ '2021-02-18 00:00+00' + g * INTERVAL '1 second',"
    " CASE WHEN g % 5 = 0 THEN TIMESTAMPTZ '2021-03-01 00:00+00' END,"
    " CASE WHEN g % 5 = 0 THEN 'ORDER-' || g ELSE '' END, now() FROM generate_series(1, $4) g")
RAW_INSERT = (
    "INSERT INTO member_coupon (coupon_id, member_id, status, issued_via, issue_key, issued_at, expires_at, used_at)"
    " SELECT $1, member_id, CASE WHEN used_at IS NULL THEN 'AVAILABLE' ELSE 'USED' END, 'MANUAL', 'LEGACY:' || id,"
    " issued_at, $2, used_at FROM legacy_record WHERE legacy_coupon_id = $3 AND member_id IS NOT NULL")


def record_count(environ: dict[str, str] | None = None) -> int:
    """N, from KUPON_BENCH_LEGACY_RECORDS (underscores and commas allowed), else the issue's million."""
    text = (os.environ if environ is None else environ).get(RECORDS_ENV, "").strip()
    if not text:
        return DEFAULT_RECORDS
    try:
        count = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise ValueError(f"{RECORDS_ENV} must be a whole number of records, not {text!r}") from None
    if count < 1:
        raise ValueError(f"{RECORDS_ENV} must be at least 1, not {count}")
    return count


@benchmark("migration")
def migration_benchmark(options: Options) -> Result:
    from bench.fixtures import environ, new_database

    count = record_count()
    with throwaway_postgres() as postgres:
        env = new_database(postgres)
        with environ(env):
            kupon, raw = asyncio.run(run(env["KUPON_DATABASE_URL"], count, options))
    return Result.duration("migration", "s", statistics.median(kupon), statistics.median(raw))


class Setup:
    """One legacy coupon, its target, an application, and the members; records made per turn."""

    async def make(self, admin) -> None:
        from bench.fixtures import make_coupon, make_members, make_site
        from models.legacy import (
            ApplicationCoupon,
            LegacyCoupon,
            LegacyIssueStatus,
            LegacyKind,
            MigrationApplication,
            MigrationStage,
        )

        self.admin = admin
        members = await make_members(await make_site(), MEMBERS)
        self.first_member = members[0].id
        self.target = await make_coupon(use_window="RANGE", use_from=datetime(2021, 2, 18, tzinfo=UTC),
                                        use_to=datetime(2031, 2, 18, tzinfo=UTC))
        self.legacy = await LegacyCoupon.create(kind=LegacyKind.JACKPOT, number="BENCH1", name="벤치 기존 쿠폰",
                                                issue_status=LegacyIssueStatus.AVAILABLE, target_coupon=self.target,
                                                stage=MigrationStage.REQUESTED)
        self.application = await MigrationApplication.create(wished_date="2021-02-23", consent=True,
                                                             applicant_name="벤치")
        await ApplicationCoupon.create(application=self.application, legacy_coupon=self.legacy)

    async def reset(self, count: int) -> None:
        """Empty member coupons and counters, the records again, nothing moved, caches settled."""
        admin = self.admin
        await admin.execute("TRUNCATE member_coupon, legacy_record, coupon_member_count CASCADE")
        await admin.execute(GENERATE, self.legacy.id, self.first_member, MEMBERS, count)
        await admin.execute("UPDATE coupon SET issued_count = 0, used_count = 0, issue_status = 'ACTIVE',"
                            " use_status = 'ACTIVE' WHERE id = $1", self.target.id)
        await admin.execute("UPDATE legacy_coupon SET stage = 'REQUESTED', migrated_at = NULL WHERE id = $1",
                            self.legacy.id)
        await admin.execute("UPDATE migration_application SET status = 'RUNNING', moved_count = 0,"
                            " already_count = 0, unmatched_count = 0, completed_at = NULL WHERE id = $1",
                            self.application.id)
        await admin.execute("VACUUM ANALYZE legacy_record")
        await admin.execute("VACUUM ANALYZE member_coupon")
        await admin.execute("CHECKPOINT")

    async def kupon_turn(self, count: int) -> float:
        from gql.resolvers.legacy_run import RUN_JOB, migration_job
        from kupon.jobs import JobRun
        from models.jobs import Job

        await self.reset(count)
        job = await Job.create(kind=RUN_JOB, params={"application_id": self.application.id})
        start = time.perf_counter()
        async with asyncio.timeout(TURN_TIMEOUT):
            result = await migration_job(JobRun(job))
        elapsed = time.perf_counter() - start
        made, linked, issued = await self.admin.fetchrow(
            "SELECT (SELECT count(*) FROM member_coupon WHERE coupon_id = $1),"
            " (SELECT count(DISTINCT member_coupon_id) FROM legacy_record WHERE legacy_coupon_id = $2),"
            " (SELECT issued_count FROM coupon WHERE id = $1)", self.target.id, self.legacy.id)
        if not made == linked == issued == result["moved_count"] == count:
            raise RuntimeError(f"migration: kupon made {made:,} member coupons, linked {linked:,}, counted "
                               f"{issued:,}, reported {result['moved_count']:,}, not {count:,}")
        return elapsed

    async def raw_turn(self, count: int) -> float:
        await self.reset(count)
        start = time.perf_counter()
        async with asyncio.timeout(TURN_TIMEOUT):
            await self.admin.execute(RAW_INSERT, self.target.id, self.target.use_to, self.legacy.id)
        elapsed = time.perf_counter() - start
        made = await self.admin.fetchval("SELECT count(*) FROM member_coupon WHERE coupon_id = $1", self.target.id)
        if made != count:
            raise RuntimeError(f"migration: the raw INSERT made {made:,} member coupons, not {count:,}")
        return elapsed


async def run(url: str, count: int, options: Options) -> tuple[list[float], list[float]]:
    """Seconds per measured turn: kupon's, then the raw statement's."""
    import asyncpg

    from bench.fixtures import tortoise

    async with tortoise(url):
        admin = await asyncpg.connect(url)
        try:
            setup = Setup()
            await setup.make(admin)
            if options.warmup > 0:
                await setup.kupon_turn(min(count, WARMUP_RECORDS))
                await setup.raw_turn(min(count, WARMUP_RECORDS))
            kupon, raw = [], []
            for _ in range(options.rounds):
                kupon.append(await setup.kupon_turn(count))
                raw.append(await setup.raw_turn(count))
            return kupon, raw
        finally:
            await admin.close()


def main(argv: list[str]) -> int:
    """`python -m bench.migration --records N [bench options]`: the runner, sized."""
    from bench.__main__ import main as bench_main

    if "--records" in argv:
        at = argv.index("--records")
        os.environ[RECORDS_ENV] = argv[at + 1]
        argv = argv[:at] + argv[at + 2:]
    record_count()  # refuse a bad size before starting PostgreSQL
    return bench_main(["migration", *argv])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
