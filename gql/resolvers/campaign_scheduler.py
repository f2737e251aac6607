"""Running campaigns on schedule (every minute, on whichever runner is active).

A SCHEDULED campaign whose next_run_at has come gets its CampaignRun (unique per campaign and
scheduled_for, so two workers or processes create it once) and a dispatch job
(campaign_dispatch); a repeating campaign moves on by its N days (DONE after end_date), a
NOW/RESERVED one is RUNNING until its run ends, then DONE. Runs that wait are dispatched again
when they may go on: DEFERRED ones once resume_at (08:00) has come, PAUSED ones once the credit
covers a message, and PLANNED/SENDING ones without a queued or running job (retries waiting
until resume_at, a crash between creating the run and its job, a job that gave up).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError

from gql.resolvers.campaign_dispatch import DISPATCH_JOB
from gql.resolvers.message_credit import credit_balance
from gql.resolvers.messaging_settings import load_messaging_settings
from kupon import jobs
from kupon.timeutil import now_utc, to_seoul
from models.campaigns import Campaign, CampaignRun, CampaignStatus, RunStatus, ScheduleKind
from models.jobs import Job, JobStatus


def _repeat_after(campaign: Campaign, scheduled_for: datetime, now: datetime) -> datetime | None:
    """The first occurrence after `now` (start_date + k*N days at repeat_time Seoul), None past end_date."""
    step = timedelta(days=campaign.repeat_every_days or 1)
    following = scheduled_for + step
    while following <= now:
        following += step
    if campaign.end_date and to_seoul(following).date() > campaign.end_date:
        return None
    return following


async def start_due_campaigns(now: datetime) -> list[int]:
    """Runs created now for campaigns whose time has come; returns their ids."""
    started = []
    for campaign in await Campaign.filter(status=CampaignStatus.SCHEDULED, next_run_at__lte=now).order_by("id"):
        scheduled_for = campaign.next_run_at
        try:
            run = await CampaignRun.create(campaign_id=campaign.id, scheduled_for=scheduled_for)
            started.append(run.id)
        except IntegrityError:  # another worker created it; the advance below is conditional too
            run = None
        repeats = campaign.schedule == ScheduleKind.REPEAT
        following = _repeat_after(campaign, scheduled_for, now) if repeats else None
        status = CampaignStatus.SCHEDULED if following else CampaignStatus.RUNNING
        await Campaign.filter(id=campaign.id, status=CampaignStatus.SCHEDULED, next_run_at=scheduled_for
                              ).update(next_run_at=following, status=status)
        if run is not None:
            await submit_dispatch(run)
    return started


async def submit_dispatch(run: CampaignRun) -> Job | None:
    """A dispatch job for the run unless one is queued or running; the run points at it."""
    previous = run.job_id
    if previous is not None and await Job.filter(id=previous, status__in=(JobStatus.QUEUED, JobStatus.RUNNING)
                                                 ).exists():
        return None
    job = await Job.create(kind=DISPATCH_JOB, params={"run_id": run.id})
    if not await CampaignRun.filter(id=run.id, job_id=previous).update(job_id=job.id):
        await job.delete()  # another scheduler got there first
        return None
    run.job_id = job.id
    await jobs.get_runner().submit(job.id)
    return job


async def resume_runs(now: datetime | None = None) -> list[int]:
    """Dispatch again the runs that wait and may go on now; returns their ids."""
    now = now or now_utc()
    resumed = []
    waiting = await CampaignRun.filter(status__in=(RunStatus.PLANNED, RunStatus.SENDING, RunStatus.DEFERRED,
                                                   RunStatus.PAUSED)).select_related("campaign")
    balance = None
    for run in waiting:
        if run.status in (RunStatus.DEFERRED, RunStatus.SENDING) and run.resume_at and run.resume_at > now:
            continue
        if run.status == RunStatus.PAUSED and run.campaign.status != CampaignStatus.CANCELLED:
            balance = await credit_balance() if balance is None else balance
            shop = await load_messaging_settings()
            if balance < shop.price(run.campaign.channel):
                continue
        if await submit_dispatch(run):
            resumed.append(run.id)
    return resumed


@jobs.every_minute
async def run_scheduler() -> None:
    now = now_utc()
    await start_due_campaigns(now)
    await resume_runs(now)
