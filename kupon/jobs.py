"""Running background jobs on either database.

The `job` table is the truth about every job (status, progress, result,
attempts) on both databases. What executes a job differs:

- PostgreSQL: procrastinate defers `kupon.run_job(job_id)`; `kupon worker`
  processes (on this or other machines) execute it.
- SQLite: procrastinate has no SQLite support, so `kupon serve` runs an
  in-process loop that claims queued rows and executes them.

A failing job is re-queued up to MAX_ATTEMPTS times; a job left RUNNING by a
crash (no heartbeat for STALE_AFTER) is re-queued: at start-up of the in-process
runner, and by a periodic procrastinate task.
Job functions must therefore be safe to run again from the start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from tortoise.expressions import Q

from kupon.timeutil import now_utc
from models.jobs import Job, JobFile, JobStatus

log = logging.getLogger("kupon.jobs")
MAX_ATTEMPTS = 3
RETRY_DELAY = timedelta(seconds=5)
STALE_AFTER = timedelta(minutes=5)
POLL_SECONDS = 0.5


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


def job_function(kind: str) -> Callable[[JobFunction], JobFunction]:
    def register(fn: JobFunction) -> JobFunction:
        JOB_FUNCTIONS[kind] = fn
        return fn

    return register


def load_job_functions() -> None:
    """Import the resolver modules that register job functions."""
    import gql.resolvers.member_export  # noqa: F401


async def claim(job_id: int) -> Job | None:
    """QUEUED -> RUNNING, atomically, so two runners never execute the same job."""
    now = now_utc()
    claimed = await Job.filter(id=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now, heartbeat_at=now
    )
    return await Job.get(id=job_id) if claimed else None


async def execute(job_id: int, on_retry: Callable[[int], Awaitable[None]] | None = None) -> None:
    job = await claim(job_id)
    if job is None:
        return
    job.attempts += 1
    await job.save(update_fields=["attempts"])
    fn = JOB_FUNCTIONS.get(job.kind)
    try:
        if fn is None:
            raise LookupError(f"no job function for kind {job.kind!r}")
        result = await fn(JobRun(job))
    except Exception as exc:  # the job's own failure: recorded on its row, retried
        log.exception("job %s (%s) failed on attempt %s", job.id, job.kind, job.attempts)
        job.error = f"{type(exc).__name__}: {exc}"[:2000]
        if job.attempts < MAX_ATTEMPTS and fn is not None:
            job.status, job.run_after = JobStatus.QUEUED, now_utc() + RETRY_DELAY
            await job.save(update_fields=["status", "error", "run_after"])
            if on_retry:
                await on_retry(job.id)
        else:
            job.status, job.finished_at = JobStatus.FAILED, now_utc()
            await job.save(update_fields=["status", "error", "finished_at"])
        return
    job.status, job.finished_at, job.result, job.error = JobStatus.SUCCEEDED, now_utc(), result or {}, ""
    if job.total:
        job.progress = job.total
    await job.save(update_fields=["status", "finished_at", "result", "error", "progress"])


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
        # A restart after a crash: whatever was RUNNING here is abandoned.
        await Job.filter(status=JobStatus.RUNNING).update(status=JobStatus.QUEUED)
        while True:
            try:
                await self.run_pending()
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
            schedule_in={"seconds": int(RETRY_DELAY.total_seconds())}
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
        for job in await Job.filter(status=JobStatus.RUNNING, heartbeat_at__lt=now_utc() - STALE_AFTER):
            if await Job.filter(id=job.id, status=JobStatus.RUNNING).update(status=JobStatus.QUEUED):
                await ProcrastinateRunner(app).submit(job.id)

    return app


_runner: InProcessRunner | ProcrastinateRunner | None = None


def set_runner(runner) -> None:
    global _runner
    _runner = runner


def get_runner():
    if _runner is None:
        raise RuntimeError("no job runner configured (kupon.jobs.set_runner)")
    return _runner
