"""Running background jobs on either database.

The `job` table is the truth about every job (status, progress, result,
attempts) on both databases. What executes a job differs:

- PostgreSQL: procrastinate defers `kupon.run_job(job_id)`; `kupon worker`
  processes (on this or other machines) execute it.
- SQLite: procrastinate has no SQLite support, so `kupon serve` runs an
  in-process loop that claims queued rows and executes them.

A failing job is re-queued up to MAX_ATTEMPTS times; a job left RUNNING by a
crash is re-queued by `recover_abandoned`: at start-up of the in-process runner
(every RUNNING row, as it is the only runner), and by a periodic procrastinate
task (rows whose heartbeat is older than STALE_AFTER). Each claim counts as an
attempt, so a job that crashes its runner every time ends FAILED too.
Job functions must therefore be safe to run again from the start.

Work that must happen again and again without an event (retrying due notices) registers with
`every_minute`: the in-process loop calls it about once a minute, and on PostgreSQL a periodic
procrastinate task does (one run per minute across all workers). Such a function must be cheap
when there is nothing to do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q

from kupon.timeutil import now_utc, seoul_today
from models.jobs import Job, JobFile, JobStatus

log = logging.getLogger("kupon.jobs")
MAX_ATTEMPTS = 3
RETRY_DELAY = timedelta(seconds=5)
STALE_AFTER = timedelta(minutes=5)
# Well under STALE_AFTER, so a slow step without progress reports is not taken for a crash.
HEARTBEAT_EVERY = STALE_AFTER / 5
POLL_SECONDS = 0.5
EVERY_MINUTE_SECONDS = 60


@dataclass
class JobRun:
    """What a job function gets: its row, and ways to report progress and attach files."""

    job: Job

    @property
    def params(self) -> dict:
        return self.job.params or {}

    async def progress(self, done: int, total: int | None = None) -> None:
        self.job.progress = done
        if total is not None:
            self.job.total = total
        self.job.heartbeat_at = now_utc()
        await self.job.save(update_fields=["progress", "total", "heartbeat_at"])

    async def attach_file(self, filename: str, content_type: str, data: bytes) -> JobFile:
        await JobFile.filter(job_id=self.job.id, filename=filename).delete()
        return await JobFile.create(job_id=self.job.id, filename=filename, content_type=content_type, data=data)


JobFunction = Callable[[JobRun], Awaitable[dict | None]]
JOB_FUNCTIONS: dict[str, JobFunction] = {}
DAILY_KINDS: list[str] = []
MinutelyFunction = Callable[[], Awaitable[object]]
MINUTELY: list[MinutelyFunction] = []


def job_function(kind: str, *, daily: bool = False) -> Callable[[JobFunction], JobFunction]:
    """Register a job function. `daily=True`: one job of this kind is created per Seoul day
    (params {"day": "YYYY-MM-DD"}), shortly after midnight, by whichever runner is active."""

    def register(fn: JobFunction) -> JobFunction:
        JOB_FUNCTIONS[kind] = fn
        if daily and kind not in DAILY_KINDS:
            DAILY_KINDS.append(kind)
        return fn

    return register


def every_minute(fn: MinutelyFunction) -> MinutelyFunction:
    """Register a function that runs about once a minute on whichever runner is active."""
    if fn not in MINUTELY:
        MINUTELY.append(fn)
    return fn


async def run_every_minute() -> None:
    for fn in MINUTELY:
        try:
            await fn()
        except Exception:  # one failing hook must not stop the others or the runner
            log.exception("every-minute task %s", getattr(fn, "__qualname__", fn))


async def enqueue(kind: str, params: dict | None = None) -> Job:
    """A job the system starts by itself (no operator, so no audit entry). Call it after the
    commit of whatever the job reads; the runner may execute it at once."""
    if kind not in JOB_FUNCTIONS:
        raise LookupError(f"no job function for kind {kind!r}")
    job = await Job.create(kind=kind, params=params or {})
    await get_runner().submit(job.id)
    return job


async def ensure_daily_jobs(day: date) -> list[int]:
    """Create today's daily jobs unless they exist (the unique key makes this safe to repeat,
    from any number of processes); returns the ids created now, for the caller to submit."""
    created = []
    for kind in DAILY_KINDS:
        try:
            job = await Job.create(kind=kind, params={"day": day.isoformat()}, unique_key=f"{kind}:{day.isoformat()}")
        except IntegrityError:
            continue
        created.append(job.id)
    return created


async def lost_submissions() -> list[int]:
    """QUEUED jobs overdue by STALE_AFTER: their hand-over to procrastinate was lost (the process
    died between commit and defer). Submitting twice is harmless: the claim is atomic."""
    overdue = now_utc() - STALE_AFTER
    return list(await Job.filter(Q(status=JobStatus.QUEUED) & Q(created_at__lt=overdue)
                                 & (Q(run_after=None) | Q(run_after__lt=overdue))).values_list("id", flat=True))


def load_job_functions() -> None:
    """Import the resolver modules that register job functions."""
    import gql.resolvers.activity_import  # noqa: F401
    import gql.resolvers.campaign_dispatch  # noqa: F401
    import gql.resolvers.code_exports  # noqa: F401
    import gql.resolvers.coupon_issuing  # noqa: F401
    import gql.resolvers.giftcards  # noqa: F401
    import gql.resolvers.legacy_run  # noqa: F401
    import gql.resolvers.member_export  # noqa: F401
    import gql.resolvers.notices  # noqa: F401
    import gql.resolvers.opt_out  # noqa: F401
    import gql.resolvers.order_export  # noqa: F401
    import gql.resolvers.refund_export  # noqa: F401
    import gql.resolvers.segment_export  # noqa: F401
    import gql.resolvers.segment_issuing  # noqa: F401
    import gql.resolvers.segments  # noqa: F401
    import gql.resolvers.serials  # noqa: F401
    import gql.resolvers.stats_export  # noqa: F401


async def claim(job_id: int) -> Job | None:
    """QUEUED -> RUNNING and one more attempt in a single UPDATE, so two runners never execute the same job."""
    now = now_utc()
    claimed = await Job.filter(id=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1
    )
    return await Job.get(id=job_id) if claimed else None


async def _settle(job: Job, **changes) -> bool:
    """Write a run's outcome only while the row is still this run's: recovery may have re-queued it."""
    return bool(await Job.filter(id=job.id, status=JobStatus.RUNNING, attempts=job.attempts).update(**changes))


@contextlib.asynccontextmanager
async def _heartbeat(job_id: int):
    """Touch heartbeat_at every HEARTBEAT_EVERY while the job function runs.

    Stopped by an event rather than cancelled, so it never dies in the middle of a query.
    """
    stop = asyncio.Event()

    async def beat() -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), HEARTBEAT_EVERY.total_seconds())
            if stop.is_set():
                return
            try:
                await Job.filter(id=job_id, status=JobStatus.RUNNING).update(heartbeat_at=now_utc())
            except Exception:  # a missed beat must not fail the job itself
                log.exception("heartbeat of job %s", job_id)

    task = asyncio.create_task(beat(), name=f"kupon-job-{job_id}-heartbeat")
    try:
        yield
    finally:
        stop.set()
        await task


async def execute(job_id: int, on_retry: Callable[[int], Awaitable[None]] | None = None) -> None:
    """Run a job if this caller claims it; the outcome goes on its row. `on_retry` re-submits a
    job re-queued after a failure (procrastinate); the in-process runner finds it by `run_after`."""
    job = await claim(job_id)
    if job is None:
        return
    fn = JOB_FUNCTIONS.get(job.kind)
    try:
        if fn is None:
            raise LookupError(f"no job function for kind {job.kind!r}")
        async with _heartbeat(job.id):
            result = await fn(JobRun(job))
    except Exception as exc:  # the job's own failure: recorded on its row, retried
        log.exception("job %s (%s) failed on attempt %s", job.id, job.kind, job.attempts)
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if job.attempts < MAX_ATTEMPTS and fn is not None:
            retried = await _settle(job, status=JobStatus.QUEUED, error=error, run_after=now_utc() + RETRY_DELAY)
            if retried and on_retry:
                await on_retry(job.id)
        else:
            await _settle(job, status=JobStatus.FAILED, error=error, finished_at=now_utc())
        return
    done = {"progress": job.total} if job.total else {}
    await _settle(job, status=JobStatus.SUCCEEDED, finished_at=now_utc(), result=result or {}, error="", **done)


async def recover_abandoned(stale_after: timedelta | None = STALE_AFTER) -> list[int]:
    """Re-queue jobs left RUNNING by a runner that died; returns their ids, for the caller to submit.

    `stale_after=None` takes every RUNNING job (a runner that knows it is the only one, at start-up);
    otherwise only jobs without a heartbeat for that long. A job that has used all its attempts
    fails instead, so one that crashes its runner every time does not crash it forever.
    """
    abandoned = Q(status=JobStatus.RUNNING)
    if stale_after is not None:
        abandoned &= Q(heartbeat_at__lt=now_utc() - stale_after) | Q(heartbeat_at=None)
    requeued = []
    for job in await Job.filter(abandoned).order_by("id").only("id", "attempts"):
        # The condition is checked again in the UPDATE: a heartbeat since the read keeps the job running.
        row = Job.filter(abandoned, id=job.id)
        if job.attempts >= MAX_ATTEMPTS:
            error = f"abandoned: its runner stopped during attempt {job.attempts} of {MAX_ATTEMPTS}"
            await row.update(status=JobStatus.FAILED, error=error, finished_at=now_utc())
        elif await row.update(status=JobStatus.QUEUED, run_after=None):
            requeued.append(job.id)
    return requeued


class InProcessRunner:
    """Executes queued jobs inside the web process (SQLite)."""

    def __init__(self) -> None:
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def submit(self, job_id: int) -> None:
        self._wake.set()

    async def run_pending(self) -> int:
        """Execute every job that is due now; returns how many ran."""
        ran = 0
        while True:
            due = await Job.filter(
                Q(status=JobStatus.QUEUED) & (Q(run_after=None) | Q(run_after__lte=now_utc()))
            ).order_by("id").first()
            if due is None:
                return ran
            await execute(due.id)
            ran += 1

    async def _loop(self) -> None:
        # The only runner on SQLite, just started: whatever is RUNNING was abandoned by a crash.
        try:
            await recover_abandoned(stale_after=None)
        except Exception:
            log.exception("recovering abandoned jobs")
        scheduled_for = None
        minutely_at = 0.0
        while True:
            try:
                if scheduled_for != (today := seoul_today()):
                    await ensure_daily_jobs(today)
                    scheduled_for = today
                await self.run_pending()
                if (clock := asyncio.get_running_loop().time()) >= minutely_at:
                    minutely_at = clock + EVERY_MINUTE_SECONDS
                    await run_every_minute()
            except Exception:
                log.exception("in-process job loop")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
            self._wake.clear()

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="kupon-jobs")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


class ProcrastinateRunner:
    """Defers jobs to procrastinate; `kupon worker` processes execute them."""

    def __init__(self, app) -> None:
        self.app = app

    async def submit(self, job_id: int) -> None:
        await self.app.tasks["kupon.run_job"].defer_async(job_id=job_id)

    async def resubmit_later(self, job_id: int) -> None:
        await self.app.tasks["kupon.run_job"].configure(
            schedule_in={"seconds": RETRY_DELAY.total_seconds()}
        ).defer_async(job_id=job_id)


def procrastinate_app(database_url: str):
    import procrastinate

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=database_url))

    @app.task(name="kupon.run_job", queue="kupon")
    async def run_job(job_id: int) -> None:
        await execute(job_id, on_retry=ProcrastinateRunner(app).resubmit_later)

    @app.periodic(cron="*/5 * * * *", periodic_id="requeue-abandoned")
    @app.task(name="kupon.requeue_abandoned", queue="kupon")
    async def requeue(timestamp: int) -> None:
        runner = ProcrastinateRunner(app)
        for job_id in [*await recover_abandoned(), *await lost_submissions()]:
            await runner.submit(job_id)

    # Every 10 minutes rather than once at midnight: a worker that was down at 00:00 still
    # creates the day's jobs when it comes back, and the unique key keeps them single.
    @app.periodic(cron="*/10 * * * *", periodic_id="daily-jobs")
    @app.task(name="kupon.daily_jobs", queue="kupon")
    async def daily(timestamp: int) -> None:
        runner = ProcrastinateRunner(app)
        for job_id in await ensure_daily_jobs(seoul_today()):
            await runner.submit(job_id)

    @app.periodic(cron="* * * * *", periodic_id="every-minute")
    @app.task(name="kupon.every_minute", queue="kupon")
    async def minutely(timestamp: int) -> None:
        await run_every_minute()

    return app


_runner: InProcessRunner | ProcrastinateRunner | None = None


def set_runner(runner) -> None:
    global _runner
    _runner = runner


def get_runner():
    if _runner is None:
        raise RuntimeError("no job runner configured (kupon.jobs.set_runner)")
    return _runner
