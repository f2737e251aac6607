"""The job runner on both databases: progress, retries, crash recovery, one execution at a time."""

import asyncio
from datetime import timedelta

import pytest

from kupon import jobs
from kupon.timeutil import now_utc
from models.jobs import Job, JobStatus
from tests.conftest import graphql
from tests.jobs.conftest import wait_for_status
from tests.jobs.test_export import JOB
from tests.members.test_members_graphql import operator_session


async def test_progress_is_saved_while_the_job_runs(client, db, run_jobs, start, job_kind):
    await operator_session(client)
    seen = []

    @job_kind("test.slow")
    async def slow(run: jobs.JobRun) -> dict:
        for done in range(4):
            await run.progress(done, 3)
            # What the console's progress bar polls for, read back from the row mid-run.
            job = (await graphql(client, JOB, {"id": str(run.job.id)}))["data"]["job"]
            seen.append((job["status"], job["progress"], job["total"], job["percent"]))
        return {"steps": 3}

    job = await start("test.slow")
    await run_jobs()
    assert seen == [("RUNNING", 0, 3, 0), ("RUNNING", 1, 3, 33), ("RUNNING", 2, 3, 66), ("RUNNING", 3, 3, 100)]
    await job.refresh_from_db()
    assert (job.status, job.progress, job.result) == (JobStatus.SUCCEEDED, 3, {"steps": 3})


def failing_after(job_kind, kind: str, failures: int) -> list[int]:
    """Register a job function that fails its first `failures` calls; returns the attempts seen."""
    attempts: list[int] = []

    @job_kind(kind)
    async def flaky(run: jobs.JobRun) -> dict:
        attempts.append(run.job.attempts)
        if len(attempts) <= failures:
            raise RuntimeError(f"attempt {len(attempts)} fails")
        return {"ok": True}

    return attempts


@pytest.fixture
def no_retry_delay(monkeypatch):
    monkeypatch.setattr(jobs, "RETRY_DELAY", timedelta(0))


async def test_a_failed_attempt_is_retried_and_its_error_cleared(db, run_jobs, start, job_kind, no_retry_delay):
    attempts = failing_after(job_kind, "test.flaky", failures=1)
    job = await start("test.flaky")
    await run_jobs()
    await job.refresh_from_db()
    assert attempts == [1, 2]
    assert (job.status, job.attempts, job.error, job.result) == (JobStatus.SUCCEEDED, 2, "", {"ok": True})


async def test_a_job_that_always_fails_ends_failed_after_max_attempts(db, run_jobs, start, job_kind,
                                                                      no_retry_delay):
    attempts = failing_after(job_kind, "test.broken", failures=jobs.MAX_ATTEMPTS)
    job = await start("test.broken")
    await run_jobs()
    await job.refresh_from_db()
    assert attempts == list(range(1, jobs.MAX_ATTEMPTS + 1))
    assert (job.status, job.attempts) == (JobStatus.FAILED, jobs.MAX_ATTEMPTS)
    assert job.error == f"RuntimeError: attempt {jobs.MAX_ATTEMPTS} fails" and job.finished_at


async def test_a_retry_waits_for_the_retry_delay(db, run_jobs, start, job_kind):
    attempts = failing_after(job_kind, "test.flaky", failures=1)
    job = await start("test.flaky")
    await run_jobs()
    await run_jobs()  # nothing is due yet: neither runner takes the retry early
    await job.refresh_from_db()
    assert attempts == [1]
    assert (job.status, job.attempts, job.error) == (JobStatus.QUEUED, 1, "RuntimeError: attempt 1 fails")
    assert job.run_after > now_utc() + jobs.RETRY_DELAY / 2


async def succeed(run: jobs.JobRun) -> dict:
    return {"ok": True}


async def abandoned(kind: str, attempts: int = 1, silent_for: timedelta = jobs.STALE_AFTER * 2) -> Job:
    """A row as a crash leaves it: RUNNING, its last heartbeat `silent_for` ago."""
    then = now_utc() - silent_for
    return await Job.create(kind=kind, status=JobStatus.RUNNING, attempts=attempts, started_at=then,
                            heartbeat_at=then)


async def test_in_process_runner_recovers_every_running_job_at_start_up(db, job_kind):
    """The only runner on SQLite: at start-up nothing can still be running, whatever the heartbeat."""
    job_kind("test.recovered")(succeed)
    stale, recent = await abandoned("test.recovered"), await abandoned("test.recovered", silent_for=timedelta(0))
    exhausted = await abandoned("test.recovered", attempts=jobs.MAX_ATTEMPTS)
    runner = jobs.InProcessRunner()
    runner.start()
    try:
        for job in (stale, recent):
            done = await wait_for_status(job.id, JobStatus.SUCCEEDED)
            assert (done.attempts, done.result) == (2, {"ok": True})
    finally:
        await runner.stop()
    failed = await Job.get(id=exhausted.id)
    assert failed.status == JobStatus.FAILED and "abandoned" in failed.error


async def test_periodic_task_recovers_jobs_without_a_heartbeat(db, run_jobs, procrastinate, job_kind):
    if not db.is_postgres:
        pytest.skip("procrastinate runs on PostgreSQL only")
    job_kind("test.recovered")(succeed)
    stale, alive = await abandoned("test.recovered"), await abandoned("test.recovered", silent_for=timedelta(0))
    await procrastinate.tasks["kupon.requeue_abandoned"].defer_async(timestamp=0)
    await run_jobs()
    await stale.refresh_from_db()
    await alive.refresh_from_db()
    assert (stale.status, stale.attempts, stale.result) == (JobStatus.SUCCEEDED, 2, {"ok": True})
    assert (alive.status, alive.attempts) == (JobStatus.RUNNING, 1)


async def test_recovery_fails_a_job_that_used_all_its_attempts(db):
    job = await abandoned("test.crashes-its-runner", attempts=jobs.MAX_ATTEMPTS)
    assert await jobs.recover_abandoned() == []
    await job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.finished_at
    assert job.error == f"abandoned: its runner stopped during attempt {jobs.MAX_ATTEMPTS} of {jobs.MAX_ATTEMPTS}"


async def test_a_run_whose_job_was_recovered_meanwhile_does_not_overwrite_it(db, start, job_kind):
    @job_kind("test.overtaken")
    async def overtaken(run: jobs.JobRun) -> dict:
        if run.job.attempts == 1:
            assert await jobs.recover_abandoned(stale_after=None) == [run.job.id]  # as if this run had hung
        return {"attempt": run.job.attempts}

    job = await start("test.overtaken")
    await jobs.execute(job.id)
    await job.refresh_from_db()
    assert (job.status, job.attempts, job.result) == (JobStatus.QUEUED, 1, None)
    await jobs.execute(job.id)
    await job.refresh_from_db()
    assert (job.status, job.attempts, job.result) == (JobStatus.SUCCEEDED, 2, {"attempt": 2})


async def test_heartbeat_is_kept_while_a_step_reports_no_progress(db, start, job_kind, monkeypatch):
    monkeypatch.setattr(jobs, "HEARTBEAT_EVERY", timedelta(milliseconds=20))

    @job_kind("test.quiet")
    async def quiet(run: jobs.JobRun) -> None:
        await asyncio.sleep(0.2)
        row = await Job.get(id=run.job.id)
        assert row.heartbeat_at > run.job.heartbeat_at

    job = await start("test.quiet")
    await jobs.execute(job.id)
    await job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error


async def test_a_job_is_executed_once_when_claimed_concurrently(db, start, job_kind):
    calls = []

    @job_kind("test.once")
    async def once(run: jobs.JobRun) -> None:
        calls.append(run.job.id)
        await asyncio.sleep(0.05)

    job = await start("test.once")
    await asyncio.gather(*(jobs.execute(job.id) for _ in range(5)))
    await job.refresh_from_db()
    assert calls == [job.id]
    assert (job.status, job.attempts) == (JobStatus.SUCCEEDED, 1)
