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
from web.console import (
    actor_of,
    console_view,
    flash,
    is_fragment_request,
    problem_messages,
    redirect,
    refuse,
    render,
)

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


async def start_more(request, start, section, generation_context, notice: str, page_url: str):
    """"Make N more" (serial codes, gift cards): parse the count, `start(n)` the job, and answer with
    the generation section (its progress bar, or the refusal at 422); a plain form post is redirected.

    `section(block, context, status_code)` renders a section of the campaign page; `notice` is a
    translated message with a `%(count)s` placeholder."""
    count = str((await request.form()).get("count", "")).strip().replace(",", "")
    try:
        job = await start(int(count) if count.isdigit() else 0)
    except Refused as refused:
        context = {**await generation_context(),
                   "generation_error": " ".join(problem_messages(request, refused).values())}
        return await section("generation", context, 422)
    message = notice % {"count": f"{int(count):,}"}
    if not is_fragment_request(request):
        flash(request, message)
        return redirect(request, page_url)
    return await section("generation", {**await progress_context(job), "generation_notice": message})
