"""Starting background jobs and reading their progress."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from tortoise.transactions import in_transaction

from gql.resolvers.access import Actor, ActorKind, require_change_shop, require_read_shop
from gql.resolvers.audit import record_change
from gql.resolvers.errors import Refused
from kupon import jobs
from models.jobs import Job, JobFile


async def start_job(actor: Actor, kind: str, params: dict | None = None,
                    may_start: Callable[[Actor], None] = require_change_shop) -> Job:
    """Queue a job; it runs in a worker (PostgreSQL) or in the web process (SQLite). `may_start`
    refuses callers who may not (by default anyone who may not change the shop)."""
    may_start(actor)
    if kind not in jobs.JOB_FUNCTIONS:
        raise Refused.because("UNKNOWN_JOB_KIND", "kind")
    async with in_transaction():
        job = await Job.create(
            kind=kind, params=params or {}, created_by_id=actor.id if actor.kind == ActorKind.OPERATOR else None
        )
        await record_change(actor, "job.start", job, after={"kind": kind, "params": params or {}})
    # After the commit, so a worker never sees a job id that is not yet visible.
    await jobs.get_runner().submit(job.id)
    return job


async def get_job(actor: Actor, job_id: int) -> Job:
    require_read_shop(actor)
    job = await Job.get_or_none(id=job_id)
    if job is None:
        raise Refused.because("NOT_FOUND", "id")
    return job


async def latest_job_for(actor: Actor, kind: str | tuple[str, ...], campaign_id: int, since: datetime | None = None,
                         param: str = "campaign_id") -> Job | None:
    """The newest job of `kind` (or of any of several kinds) whose params name `campaign_id` under
    `param` (the code generation jobs of a serial or gift card campaign; a segment's jobs with
    param="segment_id"), or None.

    Tortoise has no JSON filter on SQLite, so the params are matched here, newest first; a campaign's
    jobs are few, and `since` (the campaign's creation: its jobs are never older) bounds the scan."""
    require_read_shop(actor)
    query = Job.filter(kind__in=(kind,) if isinstance(kind, str) else kind)
    if since is not None:
        query = query.filter(created_at__gte=since)
    for job in await query.order_by("-id").only("id", "params"):
        if (job.params or {}).get(param) == campaign_id:
            return await Job.get(id=job.id)
    return None


# Kinds whose files hold bearer secrets (gift card and serial codes, gql/resolvers/code_exports.py) or
# unmasked personal data (gql/resolvers/segment_export.py): only operators who may change the shop download them.
SECRET_FILE_KINDS = frozenset({"giftcards.export", "serials.export", "segments.export_full"})


async def get_job_file(actor: Actor, job_id: int, file_id: int | None = None) -> JobFile:
    """The file a finished job produced (the first one unless `file_id` is given)."""
    require_read_shop(actor)
    if await Job.exists(id=job_id, kind__in=SECRET_FILE_KINDS):
        require_change_shop(actor)
    query = JobFile.filter(job_id=job_id)
    if file_id is not None:
        query = query.filter(id=file_id)
    found = await query.order_by("id").first()
    if found is None:
        raise Refused.because("NOT_FOUND", "id")
    return found


async def list_job_files(job_id: int) -> list[JobFile]:
    return list(await JobFile.filter(job_id=job_id).order_by("id").only("id", "job_id", "filename",
                                                                        "content_type", "created_at"))
