"""The legacy migration screen (SPEC 3, seed 000 "마이그레이션 신청"): the search of legacy coupons with
its table, the first-stage request, one legacy coupon's page with its records, and the import.

The search filters live in the query string (htmx pushes it), so a reload or a shared link shows
the same table; the table is the `results` block of legacy/search.html. Creating the target smart
coupon and serial is in web/legacy_targets.py; applications, the run and triggers in
web/legacy_applications.py.
"""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from gql.resolvers import legacy, legacy_import
from gql.resolvers.errors import Refused
from gql.resolvers.legacy import LegacyCondition, LegacySearch
from gql.resolvers.legacy_applications import request_migration
from gql.resolvers.pagination import PageRequest
from kupon.privacy import mask_code
from kupon.timeutil import to_seoul
from models.legacy import LegacyCoupon, LegacyKind
from web.console import (
    actor_of,
    console_view,
    flash,
    gettext,
    is_fragment_request,
    locale_of,
    page_number,
    problem_messages,
    query_without_page,
    redirect,
    refuse,
    render,
)
from web.legacy_labels import LABELS

PAGE_SIZE = 20
RECORDS_PAGE_SIZE = 20
IMPORT_KINDS = ["coupons", "records", "triggers"]
FILTERS = ["kind", "condition", "q"]


def render_legacy(request: Request, template: str, context: dict, **kwargs) -> Response:
    """`render` with the labels every legacy template uses and the row helpers."""
    return render(request, template, {**LABELS, "ineligibility": legacy.ineligibility,
                                      "action_of": legacy.smart_coupon_action, "short_day": short_day,
                                      "shown_code": _code_shown_to(request), **context}, **kwargs)


def short_day(moment) -> str:
    """A day as seed 000's table writes it: 21.02.18 (Korea time)."""
    local = to_seoul(moment)
    return local.strftime("%y.%m.%d") if local else ""


def _code_shown_to(request: Request):
    """Paper serials are bearer codes: whole to operators who may change the shop, else the last 4."""
    return (lambda code: code) if actor_of(request).can_change_shop else mask_code


def _search_from(params) -> tuple[LegacySearch, dict]:
    """The search from the query string (or the request form's copy of it); bad values mean "all"."""
    kind = params.get("kind", "")
    condition = params.get("condition", "")
    form = {"kind": kind if kind in LegacyKind.__members__ else "",
            "condition": condition if condition in LegacyCondition.__members__ else LegacyCondition.ALL.value,
            "q": str(params.get("q", "")).strip()}
    search = LegacySearch(kind=LegacyKind(form["kind"]) if form["kind"] else None,
                          condition=LegacyCondition(form["condition"]), text=form["q"])
    return search, form


async def _results_context(request: Request, params, page_no: int) -> dict:
    search, form = _search_from(params)
    page = await legacy.search_legacy_coupons(actor_of(request), search,
                                              PageRequest.for_page_number(page_no, PAGE_SIZE))
    query = "&".join(f"{name}={value}" for name, value in form.items() if value)
    return {"page": page, "form": form, "query": query_without_page(request) or query, "page_no": page_no}


@console_view()
async def legacy_search(request: Request) -> Response:
    """왕대박/紙 종이쿠폰 검색 and 쿠폰 검색 결과."""
    context = await _results_context(request, request.query_params, page_number(request))
    return render_legacy(request, "legacy/search.html", context, block="results")


@console_view(change=True)
async def legacy_request(request: Request) -> Response:
    """이전신청: the ticked coupons become REQUESTED; the table comes back with what was refused."""
    form = await request.form()
    ids = [int(v) for v in form.getlist("legacy_id") if str(v).isdigit()]
    notice, refusals = "", {}
    try:
        result = await request_migration(actor_of(request), ids)
    except Refused as refused:
        notice = " ".join(problem_messages(request, refused).values())
        status_code = 422
    else:
        refusals = {legacy_id: Refused.because(code).problems[0].message_in(locale_of(request))
                    for legacy_id, code in result.refused.items()}
        if result.requested:
            notice = gettext(request, "%(count)s coupons requested. Submit the application to migrate them.") % {
                "count": len(result.requested)}
        status_code = 200 if result.requested else 422
    if not is_fragment_request(request):
        flash(request, notice, "success" if status_code == 200 else "error")
        return redirect(request, "/admin/migration")
    page_no = int(form.get("page", "1")) if str(form.get("page", "1")).isdigit() else 1
    context = await _results_context(request, form, page_no)
    context |= {"request_notice": notice, "request_ok": status_code == 200, "refusals": refusals}
    return render_legacy(request, "legacy/search.html", context, block="results", status_code=status_code)


# One legacy coupon ----------------------------------------------------------------------------------------

async def legacy_from_path(request: Request) -> LegacyCoupon | None:
    try:
        return await legacy.get_legacy_coupon(actor_of(request), int(request.path_params["legacy_id"]))
    except Refused:
        return None


def no_such_legacy(request: Request) -> Response:
    return refuse(request, "NOT_FOUND", 404, gettext(request, "No such legacy coupon."))


async def _records_context(request: Request, coupon: LegacyCoupon) -> dict:
    unmatched = request.query_params.get("unmatched") == "on"
    page = PageRequest.for_page_number(page_number(request), RECORDS_PAGE_SIZE)
    records = await legacy.list_legacy_records(actor_of(request), coupon.id, page, unmatched_only=unmatched)
    unmatched_ids = await legacy_import.unmatched_login_ids([coupon.id])
    return {"records": records, "unmatched": unmatched, "unmatched_login_ids": unmatched_ids,
            "records_query": "unmatched=on" if unmatched else ""}


@console_view()
async def legacy_detail(request: Request) -> Response:
    coupon = await legacy_from_path(request)
    if coupon is None:
        return no_such_legacy(request)
    return render_legacy(request, "legacy/detail.html", {"coupon": coupon, **await _records_context(request, coupon)})


@console_view()
async def legacy_records(request: Request) -> Response:
    """The records section, filtered (unmatched only) and paged."""
    coupon = await legacy_from_path(request)
    if coupon is None:
        return no_such_legacy(request)
    return render_legacy(request, "legacy/detail.html", {"coupon": coupon, **await _records_context(request, coupon)},
                         block="records")


# Import ---------------------------------------------------------------------------------------------------

@console_view(change=True)
async def legacy_import_page(request: Request) -> Response:
    """Upload the old system's coupons, records or automatic-issue settings (CSV or XLSX); the
    report lists each refused row with its number and reason, and the members not found."""
    if request.method == "GET":
        return render_legacy(request, "legacy/import.html", {"kinds": IMPORT_KINDS})
    form = await request.form()
    what, upload = str(form.get("what", "")), form.get("file")
    context: dict = {"kinds": IMPORT_KINDS, "what": what}
    status_code = 200
    if not isinstance(upload, UploadFile) or not upload.filename:
        context["import_error"], status_code = gettext(request, "Choose a CSV or XLSX file."), 422
    else:
        try:
            report = await legacy_import.import_legacy_file(actor_of(request), what, await upload.read(),
                                                            keep_good_rows=form.get("keep_good_rows") == "on")
        except Refused as refused:
            context["import_error"], status_code = " ".join(problem_messages(request, refused).values()), 422
        else:
            context["report"] = report
            status_code = 422 if report.refused_for_bad_rows else 200
    return render_legacy(request, "legacy/import.html", context, block="report", status_code=status_code)
