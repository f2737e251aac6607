"""Job progress (polled by htmx) and downloads of what a job produced."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from gql.resolvers import jobs
from gql.resolvers.errors import Refused
from web.console import actor_of, console_view, refuse, render


def _job_id(request: Request) -> int:
    return int(request.path_params["job_id"])


@console_view()
async def job_progress(request: Request) -> Response:
    try:
        job = await jobs.get_job(actor_of(request), _job_id(request))
    except Refused:
        return refuse(request, "NOT_FOUND", 404)
    return render(request, "jobs/progress.html", {"job": job}, block="progress")


@console_view()
async def job_download(request: Request) -> Response:
    try:
        file = await jobs.get_job_file(actor_of(request), _job_id(request))
    except Refused:
        return refuse(request, "NOT_FOUND", 404)
    disposition = f"attachment; filename*=UTF-8''{quote(file.filename)}"
    return Response(file.data, media_type=file.content_type, headers={"Content-Disposition": disposition})
