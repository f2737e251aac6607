"""The statistics screen (seed 001 매출통계): daily, monthly and per-product sales tables.

Each table is one page whose filter form, chart and table form one fragment (`stats`): a preset
button submits the form with `preset=...`, and the answer carries the resolved dates in the form
and pushes a URL with plain from/to (HX-Push-Url), so a reload shows the same period rather than
re-applying "previous month" to it.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from gql.resolvers import stats
from gql.resolvers.catalog import list_categories
from gql.resolvers.errors import Refused
from gql.resolvers.stats_export import start_period_export, start_product_export
from gql.resolvers.validation import Checker
from kupon.timeutil import seoul_today
from web.console import actor_of, console_view, is_fragment_request, problem_messages, render

# (table, path, default preset)
PERIOD_TABLES = {"daily": ("/admin/stats", stats.Preset.THIS_MONTH),
                 "monthly": ("/admin/stats/monthly", stats.Preset.THIS_YEAR)}
PRODUCTS_PATH = "/admin/stats/products"
# Three-way filters: the query value, and what it means.
TRISTATE = {"": None, "yes": True, "no": False}


def _period(request: Request, default: stats.Preset, check: Checker) -> tuple[date | None, date | None, str]:
    """from/to from the query string, or a preset seen from today (previous/next month: from the
    first day of the period on screen). No dates at all means the table's default preset."""
    q = request.query_params
    start = check.iso_date("from", q.get("from", ""))
    end = check.iso_date("to", q.get("to", ""))
    preset = q.get("preset", "")
    if preset not in {p.value for p in stats.Preset}:
        preset = ""
    if not preset and not q.get("from") and not q.get("to"):
        preset = default.value
    if preset:
        anchor = start if preset in (stats.Preset.PREVIOUS_MONTH, stats.Preset.NEXT_MONTH) and start else None
        chosen = stats.preset_range(preset, anchor or seoul_today())
        start, end = chosen.start, chosen.end
    return start, end, preset


def _respond(request: Request, template: str, context: dict, path: str, query: dict) -> Response:
    url = f"{path}?{urlencode({k: v for k, v in query.items() if v not in (None, '')})}"
    response = render(request, template, {**context, "url": url}, block="stats",
                      status_code=422 if context.get("errors") else 200)
    if is_fragment_request(request):
        response.headers["HX-Push-Url"] = url
    return response


async def _period_view(request: Request, table: str) -> Response:
    path, default = PERIOD_TABLES[table]
    check = Checker()
    start, end, preset = _period(request, default, check)
    errors = problem_messages(request, Refused(*check.problems)) if check.problems else {}
    result = None
    if not errors:
        read = stats.daily_sales if table == "daily" else stats.monthly_sales
        try:
            result = await read(actor_of(request), start, end)
        except Refused as refused:
            errors = problem_messages(request, refused)
    labels = [row.period.isoformat() if table == "daily" else row.period.strftime("%Y-%m")
              for row in result.rows] if result else []
    context = {"table": table, "path": path, "result": result, "errors": errors, "preset": preset, "labels": labels,
               "form": {"from": start.isoformat() if start else request.query_params.get("from", ""),
                        "to": end.isoformat() if end else request.query_params.get("to", "")},
               "presets": stats.PERIOD_PRESETS}
    return _respond(request, "stats/sales.html", context, path, context["form"])


@console_view()
async def daily_stats(request: Request) -> Response:
    return await _period_view(request, "daily")


@console_view()
async def monthly_stats(request: Request) -> Response:
    return await _period_view(request, "monthly")


def _product_filter(request: Request, check: Checker) -> tuple[stats.ProductSalesFilter, dict, str]:
    q = request.query_params
    start, end, preset = _period(request, stats.Preset.ALL_TIME, check)
    category = q.get("category_id", "")
    flt = stats.ProductSalesFilter(
        start=start, end=end, category_id=int(category) if category.isdigit() else None,
        is_online=TRISTATE.get(q.get("online", "")), is_always_open=TRISTATE.get(q.get("always_open", "")),
        is_active=TRISTATE.get(q.get("active", "")))

    def word(value: bool | None) -> str:
        return {None: "", True: "yes", False: "no"}[value]

    form = {"from": start.isoformat() if start else "", "to": end.isoformat() if end else "",
            "category_id": str(flt.category_id or ""), "online": word(flt.is_online),
            "always_open": word(flt.is_always_open), "active": word(flt.is_active)}
    return flt, form, preset


@console_view()
async def product_stats(request: Request) -> Response:
    actor = actor_of(request)
    check = Checker()
    flt, form, preset = _product_filter(request, check)
    errors = problem_messages(request, Refused(*check.problems)) if check.problems else {}
    result = None
    if not errors:
        try:
            result = await stats.product_sales(actor, flt)
        except Refused as refused:
            errors = problem_messages(request, refused)
    context = {"table": "products", "path": PRODUCTS_PATH, "result": result, "errors": errors, "preset": preset,
               "form": form, "presets": stats.PRODUCT_PRESETS, "categories": await list_categories(actor)}
    # "All time" has no dates: keep the preset in the URL so a reload shows all time again.
    query = {**form, "preset": "all_time" if preset == "all_time" else ""}
    return _respond(request, "stats/products.html", context, PRODUCTS_PATH, query)


@console_view(change=True)
async def stats_export(request: Request) -> Response:
    """Start the XLSX export of the table on screen (the filter form is sent along)."""
    actor = actor_of(request)
    form = await request.form()
    table = str(form.get("table", ""))
    check = Checker()
    try:
        if table == "products":
            flt = stats.ProductSalesFilter(
                start=check.iso_date("from", str(form.get("from", ""))),
                end=check.iso_date("to", str(form.get("to", ""))),
                category_id=int(str(form.get("category_id"))) if str(form.get("category_id", "")).isdigit() else None,
                is_online=TRISTATE.get(str(form.get("online", ""))),
                is_always_open=TRISTATE.get(str(form.get("always_open", ""))),
                is_active=TRISTATE.get(str(form.get("active", ""))))
            if check.problems:
                raise Refused(*check.problems)
            job = await start_product_export(actor, flt)
        else:
            start = check.iso_date("from", str(form.get("from", "")))
            end = check.iso_date("to", str(form.get("to", "")))
            if check.problems:
                raise Refused(*check.problems)
            job = await start_period_export(actor, table, start, end)
    except Refused as refused:
        messages = problem_messages(request, refused)
        return render(request, "stats/sales.html", {"export_errors": messages}, block="export_error",
                      status_code=422)
    return render(request, "jobs/progress.html", {"job": job}, block="progress")
