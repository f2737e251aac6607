"""Job fixtures: run queued jobs the way production does on each database.

SQLite: the app's in-process runner (`run_pending`). PostgreSQL: jobs are
deferred to procrastinate and a real worker, in this process and event loop,
executes them until its queue is empty.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from gql.resolvers.access import operator_actor
from gql.resolvers.jobs import start_job
from kupon import jobs
from models.access import Operator, Role
from models.jobs import Job, JobStatus

RunJobs = Callable[[], Awaitable[None]]


@pytest.fixture
async def procrastinate(db, app):
    """On PostgreSQL, an open procrastinate app that the job runner defers to; None on SQLite.
    After `app`, which installs an in-process runner."""
    if not db.is_postgres:
        yield None
        return
    papp = jobs.procrastinate_app(db.url)
    async with papp.open_async():
        jobs.set_runner(jobs.ProcrastinateRunner(papp))
        yield papp
    jobs.set_runner(app.state.job_runner)  # not a runner over a closed app


@pytest.fixture
def run_jobs(app, procrastinate) -> RunJobs:
    """Execute every job that is due, until none is left."""

    async def run() -> None:
        if procrastinate is None:
            await app.state.job_runner.run_pending()
        else:
            # wait=False: the worker stops once the queue has nothing due; concurrency 1 runs
            # jobs one after the other, so a retry a job defers is fetched in the same run.
            await procrastinate.run_worker_async(queues=["kupon"], wait=False, install_signal_handlers=False,
                                                 listen_notify=False)

    return run


@pytest.fixture
def job_kind(monkeypatch):
    """`@job_kind("test.x")` registers a job function like `jobs.job_function`, for this test only."""

    def register(kind: str):
        monkeypatch.setitem(jobs.JOB_FUNCTIONS, kind, None)  # so the registry is restored afterwards
        return jobs.job_function(kind)

    return register


@pytest.fixture
async def start(app, procrastinate):
    """Start a job as an operator, through the same path as the API (row, audit, submit)."""
    # Created directly: this operator never signs in, and hashing a password costs ~0.1-0.3 s.
    operator = await Operator.create(login_id="job-starter", name="작업자", password_hash="!", role=Role.OPERATOR)
    actor = operator_actor(operator)

    async def start_kind(kind: str, params: dict | None = None) -> Job:
        return await start_job(actor, kind, params)

    return start_kind


async def wait_for_status(job_id: int, status: JobStatus, timeout: float = 10) -> Job:
    """Poll the row until it reaches `status` (for runners working in the background)."""
    async with asyncio.timeout(timeout):
        while (job := await Job.get(id=job_id)).status != status:
            await asyncio.sleep(0.05)
    return job
