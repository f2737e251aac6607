"""Members > activity import: upload a CSV of visits, point entries, tags or consents, and read its
row report (gql/resolvers/activity_import.py runs it as a job)."""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from gql.resolvers import activity_import
from gql.resolvers.errors import Refused
from web.console import (
    actor_of,
    console_view,
    gettext,
    problem_messages,
    redirect,
    refuse,
    render,
)
from web.jobs import progress_context

PAGE = "/admin/members/activity-import"
TEMPLATE = "members/activity_import.html"


async def _form_page(request: Request, status_code: int = 200, **context) -> Response:
    imports = await activity_import.recent_imports(actor_of(request))
    return render(request, TEMPLATE, {"imports": imports, "kinds": activity_import.KINDS, **context},
                  status_code=status_code)


@console_view(change=True)
async def activity_import_page(request: Request) -> Response:
    if request.method == "GET":
        return await _form_page(request)
    form = await request.form()
    upload, kind = form.get("file"), str(form.get("kind", ""))
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await _form_page(request, 422, kind=kind, import_error=gettext(request, "Choose a CSV file."))
    try:
        job = await activity_import.start_activity_import(actor_of(request), kind, await upload.read(),
                                                         upload.filename)
    except Refused as refused:
        return await _form_page(request, 422, kind=kind,
                                import_error=" ".join(problem_messages(request, refused).values()))
    return redirect(request, f"{PAGE}/{job.id}")


@console_view(change=True)
async def activity_import_report(request: Request) -> Response:
    """The job's progress, then its row report; the report block reloads when the job ends."""
    try:
        job = await activity_import.get_import(actor_of(request), int(request.path_params["job_id"]))
    except Refused:
        return refuse(request, "NOT_FOUND", 404)
    context = {**await progress_context(job), "result": job.result or {}}
    return render(request, "members/activity_import_report.html", context, block="report")
