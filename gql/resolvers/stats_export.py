"""XLSX exports of the sales statistics tables, as background jobs (one sheet, the totals row last)."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook

from gql.resolvers import stats
from gql.resolvers.access import Actor, ActorKind, require_read_shop
from gql.resolvers.errors import Refused
from gql.resolvers.jobs import start_job
from kupon.jobs import JobRun, job_function
from models.access import Role
from models.jobs import Job

KIND = "stats.export"
TABLES = ("daily", "monthly", "products")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The job reads as a viewer would: it only reads, and whoever started it could change the shop.
JOB_READER = Actor(ActorKind.OPERATOR, label="stats.export", role=Role.VIEWER)

PERIOD_HEADER = ["Period", "Sales amount", "Order amount", "Orders", "Refund amount", "Refunds"]
PRODUCT_HEADER = ["Product ID", "Code", "Product", "Category", "Online/offline", "Regular/always open", "Status",
                  "Fee", "Sales amount", "Orders", "Order amount", "Refunds", "Refund amount"]


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def product_filter_params(flt: stats.ProductSalesFilter) -> dict:
    return {"from": _iso(flt.start), "to": _iso(flt.end), "category_id": flt.category_id,
            "is_online": flt.is_online, "is_always_open": flt.is_always_open, "is_active": flt.is_active}


def product_filter_from_params(params: dict) -> stats.ProductSalesFilter:
    return stats.ProductSalesFilter(
        start=_day(params.get("from")), end=_day(params.get("to")), category_id=params.get("category_id"),
        is_online=params.get("is_online"), is_always_open=params.get("is_always_open"),
        is_active=params.get("is_active"))


async def start_period_export(actor: Actor, table: str, start: date | None, end: date | None) -> Job:
    """Queue the export of the daily or monthly table; the range is checked now, so a bad one is
    refused at once rather than failing in the job."""
    require_read_shop(actor)
    if table not in ("daily", "monthly"):
        raise Refused.because("INVALID_CHOICE", "table")
    stats.check_range(start, end, "day" if table == "daily" else "month")
    return await start_job(actor, KIND, {"table": table, "from": _iso(start), "to": _iso(end)})


async def start_product_export(actor: Actor, flt: stats.ProductSalesFilter) -> Job:
    require_read_shop(actor)
    if flt.start and flt.end and flt.start > flt.end:
        raise Refused.because("STATS_RANGE_REVERSED", "to")
    return await start_job(actor, KIND, {"table": "products", **product_filter_params(flt)})


def _period_label(row: stats.SalesRow, unit: str) -> str:
    if row.period is None:
        return "Total"
    return row.period.isoformat() if unit == "day" else row.period.strftime("%Y-%m")


@job_function(KIND)
async def export_stats(run: JobRun) -> dict:
    """One sheet: the table's rows as the console shows them, then the totals row."""
    params = run.params
    table = params.get("table")
    workbook = Workbook(write_only=True)
    await run.progress(0, 1)
    if table == "products":
        result = await stats.product_sales(JOB_READER, product_filter_from_params(params))
        sheet = workbook.create_sheet("products")
        sheet.append(PRODUCT_HEADER)
        for r in [*result.rows, result.totals]:
            total = r.product_id is None
            sheet.append([
                r.product_id, r.code, "Total" if total else r.name, r.category,
                "" if total else ("Online" if r.is_online else "Offline"),
                "" if total else ("Always open" if r.is_always_open else "Regular"),
                "" if total else ("Active" if r.is_active else "Hidden"),
                None if total else r.price, r.sales_amount, r.order_count, r.order_amount, r.refund_count,
                r.refund_amount])
        count = len(result.rows)
    else:
        read = stats.daily_sales if table == "daily" else stats.monthly_sales
        result = await read(JOB_READER, _day(params.get("from")), _day(params.get("to")))
        sheet = workbook.create_sheet(table)
        sheet.append(PERIOD_HEADER)
        for r in [*result.rows, result.totals]:
            sheet.append([_period_label(r, result.unit), r.sales_amount, r.order_amount, r.order_count,
                          r.refund_amount, r.refund_count])
        count = len(result.rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    await run.attach_file(f"sales-{table}.xlsx", XLSX, buffer.getvalue())
    await run.progress(1, 1)
    return {"rows": count}
