"""Job progress (polled by htmx) and downloads of what a job produced.

When a polled job ends, the answer raises `job-done` (HX-Trigger), so a list that shows what the
job made (a campaign's codes or cards) can reload itself on it.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from gql.resolvers import jobs
from gql.resolvers.errors import Refused
from models.jobs import Job, JobStatus
from web.console import actor_of, console_view, refuse, render

JOB_DONE = "job-done"


def _job_id(request: Request) -> int:
    return int(request.path_params["job_id"])


async def progress_context(job: Job) -> dict:
    """What jobs/progress.html needs: the job, and the files a finished one produced (a job that
    makes codes produces none, so it gets no download link)."""
    files = await jobs.list_job_files(job.id) if job.status == JobStatus.SUCCEEDED else []
    return {"job": job, "files": files}


@console_view()
async def job_progress(request: Request) -> Response:
    try:
        job = await jobs.get_job(actor_of(request), _job_id(request))
    except Refused:
        return refuse(request, "NOT_FOUND", 404)
    response = render(request, "jobs/progress.html", await progress_context(job), block="progress")
    if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
        response.headers["HX-Trigger"] = JOB_DONE
    return response


@console_view()
async def job_download(request: Request) -> Response:
    try:
        file = await jobs.get_job_file(actor_of(request), _job_id(request))
    except Refused:
        return refuse(request, "NOT_FOUND", 404)
    disposition = f"attachment; filename*=UTF-8''{quote(file.filename)}"
    return Response(file.data, media_type=file.content_type, headers={"Content-Disposition": disposition})
