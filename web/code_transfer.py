"""Codes in and out of a campaign's page (SPEC 2 and 9): a CSV import with its row report, and
CSV/XLSX exports run as jobs with a progress bar and a download.

The same four steps for serial codes and gift cards; the resolvers are in
gql/resolvers/code_imports.py and gql/resolvers/code_exports.py. An import answers with the
report (block `import_report` of codes/import.html) and raises `codes-changed`, on which the
campaign's code or card list and its counts reload.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from gql.resolvers import code_exports, code_imports
from gql.resolvers.code_imports import ImportReport
from gql.resolvers.errors import Refused
from models.jobs import Job
from web.console import actor_of, console_view, gettext, problem_messages, render
from web.jobs import progress_context

CODES_CHANGED = "codes-changed"
Importer = Callable[..., Awaitable[ImportReport]]
Exporter = Callable[..., Awaitable[Job]]


def _campaign_id(request: Request) -> int:
    return int(request.path_params["campaign_id"])


async def _import(request: Request, importer: Importer, back: str) -> Response:
    """Read the uploaded file and import it; the report lists every rejected row with its reason."""
    form = await request.form()
    upload = form.get("file")
    context: dict = {"back": back}
    status_code = 200
    if not isinstance(upload, UploadFile) or not upload.filename:
        context["import_error"] = gettext(request, "Choose a CSV file.")
        status_code = 422
    else:
        try:
            report = await importer(actor_of(request), _campaign_id(request), await upload.read(),
                                    keep_good_rows=form.get("keep_good_rows") == "on")
        except Refused as refused:
            context["import_error"] = " ".join(problem_messages(request, refused).values())
            status_code = 422
        else:
            context["report"] = report
            status_code = 422 if report.refused_for_bad_rows else 200
    response = render(request, "codes/import.html", context, block="import_report", status_code=status_code)
    if context.get("report") and context["report"].imported:
        response.headers["HX-Trigger"] = CODES_CHANGED
    return response


async def _export(request: Request, exporter: Exporter) -> Response:
    """Start the export job and answer with its progress bar (a download link once it is done)."""
    fmt = str((await request.form()).get("format", ""))
    try:
        job = await exporter(actor_of(request), _campaign_id(request), fmt)
    except Refused as refused:
        message = " ".join(problem_messages(request, refused).values())
        return render(request, "codes/import.html", {"export_error": message}, block="export_error",
                      status_code=404 if "NOT_FOUND" in refused.codes else 422)
    return render(request, "jobs/progress.html", await progress_context(job), block="progress")


@console_view(change=True)
async def serial_codes_import(request: Request) -> Response:
    return await _import(request, code_imports.import_serial_codes, f"/admin/serials/{_campaign_id(request)}")


@console_view(change=True)
async def serial_codes_export(request: Request) -> Response:
    return await _export(request, code_exports.start_serial_code_export)


@console_view(change=True)
async def gift_cards_import(request: Request) -> Response:
    return await _import(request, code_imports.import_gift_cards, f"/admin/giftcards/{_campaign_id(request)}")


@console_view(change=True)
async def gift_cards_export(request: Request) -> Response:
    return await _export(request, code_exports.start_gift_card_export)
