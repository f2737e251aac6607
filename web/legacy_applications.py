"""Applications for a legacy migration and their run (seed 000 "신청서 제출", "마이그레이션 진행 안내").

One page: the application form (with the seed's consent wording; a refusal without consent shows
next to the checkbox) and the applications, newest first. Each application is the `application`
block of legacy/applications.html: what it covers, its status, an OWNER's schedule / cancel /
run now, and while it runs the job's progress bar (jobs/progress.html, polled); when the job ends
(`job-done`) the block reloads itself and shows the counts moved, already moved and unmatched.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from gql.resolvers import legacy_applications as apps
from gql.resolvers import legacy_run
from gql.resolvers.errors import Refused
from gql.resolvers.pagination import PageRequest
from kupon.timeutil import parse_seoul_local, seoul_today
from models.legacy import MigrationApplication
from web.console import (
    actor_of,
    console_view,
    flash,
    gettext,
    is_fragment_request,
    page_number,
    problem_messages,
    redirect,
    refuse,
)
from web.legacy import render_legacy

PAGE_SIZE = 10
TEMPLATE = "legacy/applications.html"
PAGE = "/admin/migration/applications"
FORM_FIELDS = ["name", "email", "phone", "wished_date"]


async def _details(request: Request, applications: list[MigrationApplication]) -> dict[int, dict]:
    """What each application's block shows: its run, then the application read again (so a run
    whose job has ended is never shown RUNNING without a polling progress bar), its coupons."""
    actor = actor_of(request)
    details = {}
    for a in applications:
        run = await legacy_run.run_progress(actor, a.id)
        details[a.id] = {"run": run, "application": await apps.get_application(actor, a.id),
                         "coupons": await apps.application_coupons(a.id)}
    return details


async def _page_context(request: Request) -> dict:
    page = await apps.list_applications(actor_of(request), PageRequest.for_page_number(page_number(request),
                                                                                       PAGE_SIZE))
    return {"applications": page, "details": await _details(request, page.items), "query": "",
            "values": {"wished_date": seoul_today().isoformat()}, "errors": {}}


@console_view()
async def application_list(request: Request) -> Response:
    return render_legacy(request, TEMPLATE, await _page_context(request), block="application_list")


@console_view(change=True)
async def application_submit(request: Request) -> Response:
    """신청서 제출: covers every requested coupon not in an open application yet."""
    form = await request.form()
    values = {name: str(form.get(name, "")).strip() for name in FORM_FIELDS}
    values["consent"] = form.get("consent") == "on"
    try:
        await apps.submit_application(actor_of(request), values["name"], values["email"], values["phone"],
                                      values["wished_date"] or None, values["consent"])
    except Refused as refused:
        errors = problem_messages(request, refused)
        context = {"values": values, "errors": errors,
                   "general_errors": [m for field, m in errors.items() if field not in [*FORM_FIELDS, "consent"]]}
        if not is_fragment_request(request):
            context = {**await _page_context(request), **context}
        return render_legacy(request, TEMPLATE, context, block="application_form", status_code=422)
    flash(request, gettext(request, "Application submitted. The migration schedule will be announced."))
    return redirect(request, PAGE)


async def _one(request: Request, status_code: int = 200, **extra) -> Response:
    """One application's block (the whole page for a plain request)."""
    application_id = int(request.path_params["application_id"])
    try:
        application = await apps.get_application(actor_of(request), application_id)
    except Refused as refused:
        return refuse(request, refused.codes[0], 404)
    if not is_fragment_request(request):
        if extra.get("action_error"):
            flash(request, extra["action_error"], "error")
        return redirect(request, PAGE) if request.method != "GET" else render_legacy(
            request, TEMPLATE, await _page_context(request))
    context = {"a": application, "details": await _details(request, [application]), **extra}
    return render_legacy(request, TEMPLATE, context, block="application", status_code=status_code)


@console_view()
async def application_detail(request: Request) -> Response:
    """The application's block, reloaded when its run's job ends."""
    return await _one(request)


async def _act(request: Request, action) -> Response:
    """Run an OWNER action; a refusal shows inside the application's block."""
    try:
        await action()
    except Refused as refused:
        status_code = 403 if "FORBIDDEN" in refused.codes else 404 if "NOT_FOUND" in refused.codes else 422
        message = " ".join(problem_messages(request, refused).values())
        return await _one(request, status_code, action_error=message)
    return await _one(request)


def _application_id(request: Request) -> int:
    return int(request.path_params["application_id"])


@console_view(change=True)
async def application_schedule(request: Request) -> Response:
    form = await request.form()
    try:
        at = parse_seoul_local(str(form.get("at", "")))
    except ValueError:
        at = None
    if at is None:
        return await _one(request, 422, action_error=gettext(request, "Choose the date and time of the migration."))
    return await _act(request, lambda: apps.schedule_application(actor_of(request), _application_id(request), at))


@console_view(change=True)
async def application_cancel(request: Request) -> Response:
    return await _act(request, lambda: apps.cancel_application(actor_of(request), _application_id(request)))


@console_view(change=True)
async def application_run(request: Request) -> Response:
    """Run now (OWNER); refused while "coupons usable in checkout" is on."""
    return await _act(request, lambda: legacy_run.run_migration(actor_of(request), _application_id(request)))
