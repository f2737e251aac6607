"""The refunds export job (seed 001 환불관리 EXCEL): an XLSX of the filtered refund list."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook

from gql.resolvers.access import Actor, require_change_shop
from gql.resolvers.jobs import start_job
from gql.resolvers.refunds import RefundFilter, RefundKind, refund_kind, refund_query
from kupon.jobs import JobRun, job_function
from kupon.timeutil import format_seoul
from models.catalog import ProductKind
from models.jobs import Job
from models.orders import OrderItem
from models.refunds import RefundRequest, RefundStatus

KIND = "refunds.export"
BATCH = 1000
HEADER = ["No", "Order number", "Member", "Product kind", "Order name", "Paid", "Refunded", "Kind",
          "Requested (KST)", "Status", "Completed (KST)"]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def filter_to_params(flt: RefundFilter) -> dict:
    """The filter as JSON for the job row (the job may run in another process)."""
    return {"product_id": flt.product_id, "kind": flt.kind.value if flt.kind else None,
            "product_kind": flt.product_kind.value if flt.product_kind else None,
            "status": flt.status.value if flt.status else None, "search": flt.search,
            "requested_from": flt.requested_from.isoformat() if flt.requested_from else None,
            "requested_to": flt.requested_to.isoformat() if flt.requested_to else None}


def filter_from_params(params: dict) -> RefundFilter:
    def as_date(value):
        return date.fromisoformat(value) if value else None

    return RefundFilter(
        product_id=params.get("product_id"), kind=RefundKind(params["kind"]) if params.get("kind") else None,
        product_kind=ProductKind(params["product_kind"]) if params.get("product_kind") else None,
        status=RefundStatus(params["status"]) if params.get("status") else None, search=params.get("search", ""),
        requested_from=as_date(params.get("requested_from")), requested_to=as_date(params.get("requested_to")))


async def start_refund_export(actor: Actor, flt: RefundFilter) -> Job:
    """Queue the export; the job's file is the result. Account numbers are never exported."""
    require_change_shop(actor)
    return await start_job(actor, KIND, filter_to_params(flt))


@job_function(KIND)
async def export_refunds(run: JobRun) -> dict:
    """The matching ids are read once, then rows in batches by id (see members export for why)."""
    ids = await refund_query(filter_from_params(run.params)).values_list("id", flat=True)
    total = len(ids)
    await run.progress(0, total)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("refunds")
    sheet.append(HEADER)
    written = 0
    for start in range(0, total, BATCH):
        chunk = ids[start:start + BATCH]
        by_id = {r.id: r for r in await RefundRequest.filter(id__in=chunk).select_related("order", "order__member")}
        kinds: dict[int, set[str]] = {}
        for order_id, kind in await OrderItem.filter(
                order_id__in={r.order_id for r in by_id.values()}).values_list("order_id", "kind"):
            kinds.setdefault(order_id, set()).add(str(kind))
        for r in (by_id[i] for i in chunk if i in by_id):
            kind = refund_kind(r, r.order.paid_amount)
            sheet.append([r.id, r.order.number, f"{r.order.member.name} ({r.order.member.login_id})",
                          ", ".join(sorted(kinds.get(r.order_id, ()))), r.order.name, r.order.paid_amount,
                          r.refunded_amount, kind.value if kind else "-", format_seoul(r.requested_at),
                          r.status.value, format_seoul(r.completed_at)])
            written += 1
        await run.progress(start + len(chunk), total)
    buffer = io.BytesIO()
    workbook.save(buffer)
    await run.attach_file("refunds.xlsx", XLSX_TYPE, buffer.getvalue())
    return {"rows": written}
