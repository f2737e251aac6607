"""The jobs a segment's page starts and shows (its views are in web/segments.py): "recompute now",
issuing a coupon to the members of a snapshot day, and exporting them to CSV or XLSX.

After a reload the page finds the newest job of each kind by its `segment_id` param: a recompute
is shown while it runs, the last issue with its result, the last export with its download (a
VIEWER sees only masked exports: a full one's file is not theirs to download).
"""

from __future__ import annotations

from datetime import date

from starlette.requests import Request

from gql.resolvers import coupons, jobs, segment_export, segment_issuing
from gql.resolvers.coupon_issuing import issue_refusal
from gql.resolvers.coupons import CouponFilter
from gql.resolvers.errors import REASONS, Problem, Refused
from gql.resolvers.pagination import MAX_PAGE_SIZE, PageRequest
from kupon.timeutil import now_utc
from models.coupons import Coupon, CouponStatus, IssueMethod
from models.jobs import Job, JobStatus
from models.segments import Segment
from web.console import actor_of, locale_of
from web.jobs import progress_context

RECOMPUTE_KIND = "segments.recompute"
RUNNING = (JobStatus.QUEUED, JobStatus.RUNNING)


async def latest_job(request: Request, segment: Segment, kind: str | tuple[str, ...]) -> Job | None:
    return await jobs.latest_job_for(actor_of(request), kind, segment.id, since=segment.created_at,
                                     param="segment_id")


async def job_context(prefix: str, job: Job | None) -> dict:
    """`progress_context` under names of its own (`issue_job`, `issue_files`...), as one page shows
    several jobs; the template includes jobs/progress.html `with job=..., files=...`."""
    context = await progress_context(job) if job else {"job": None, "files": []}
    return {f"{prefix}_{name}": value for name, value in context.items()}


async def recompute_context(request: Request, segment: Segment) -> dict:
    """The recompute job still running (so a reload keeps its progress bar), or none."""
    job = await latest_job(request, segment, RECOMPUTE_KIND)
    return await progress_context(job) if job and job.status in RUNNING else {"job": None}


def reason_message(code: str, locale: str) -> str:
    return Problem(code).message_in(locale) if code in REASONS else code


def issue_result(job: Job | None, locale: str) -> dict | None:
    """A finished issue's counts, with why members were skipped in the operator's language."""
    if job is None or job.status != JobStatus.SUCCEEDED or not job.result:
        return None
    result = job.result
    reasons = [(code, reason_message(code, locale), count)
               for code, count in (result.get("skipped_by_reason") or {}).items()]
    return {**result, "reasons": reasons}


async def issue_context(request: Request, segment: Segment, job: Job | None = None) -> dict:
    """The issue section: `job` (just started) or the newest issue job of the segment, and its result."""
    job = job or await latest_job(request, segment, segment_issuing.KIND)
    return {**await job_context("issue", job), "issue_result": issue_result(job, locale_of(request))}


def export_kinds(request: Request) -> tuple[str, ...]:
    if actor_of(request).can_change_shop:
        return segment_export.FULL_KIND, segment_export.MASKED_KIND
    return (segment_export.MASKED_KIND,)


async def export_context(request: Request, segment: Segment, job: Job | None = None) -> dict:
    return await job_context("export", job or await latest_job(request, segment, export_kinds(request)))


async def issuable_coupons(request: Request) -> list[Coupon]:
    """MANUAL coupons that may be issued now (the job checks again as it runs)."""
    flt = CouponFilter(issue_method=IssueMethod.MANUAL, issue_status=CouponStatus.ACTIVE)
    listed = await coupons.list_coupons(actor_of(request), flt, PageRequest(first=MAX_PAGE_SIZE))
    now = now_utc()
    return [coupon for coupon in listed.items if issue_refusal(coupon, now) is None]


def chosen_day(text: str) -> date | None:
    """The form's snapshot day; empty means the latest."""
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Refused.because("INVALID_DATE", "day") from None


async def start_issue(request: Request, segment: Segment) -> Job:
    form = await request.form()
    coupon_id = str(form.get("coupon_id", "")).strip()
    if not coupon_id.isdigit():
        raise Refused.because("REQUIRED", "coupon_id")
    return await segment_issuing.start_issue_to_segment(actor_of(request), segment.id, int(coupon_id),
                                                        chosen_day(str(form.get("day", ""))))


async def start_export(request: Request, segment: Segment) -> Job:
    form = await request.form()
    return await segment_export.start_segment_export(actor_of(request), segment.id, str(form.get("format", "")),
                                                     chosen_day(str(form.get("day", ""))))
