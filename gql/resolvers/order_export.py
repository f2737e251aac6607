"""The orders export job (seed 001 EXCEL): an XLSX of the filtered order list, streamed.

openpyxl's write-only workbook keeps rows in a temporary file, not in memory, and orders are
read in batches by id (`id > last`), so 100,000 orders never sit in memory at once and an order
placed during the export neither shifts nor duplicates a batch.
"""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook

from gql.resolvers.access import Actor
from gql.resolvers.jobs import start_job
from gql.resolvers.orders import KeywordField, OrderFilter, order_query
from kupon.jobs import JobRun, job_function
from kupon.timeutil import format_seoul
from models.jobs import Job
from models.orders import OrderStatus, PaymentMethod

KIND = "orders.export"
BATCH = 2000
HEADER = ["ID", "주문번호 (number)", "주문명 (name)", "회원아이디 (login id)", "구매자명 (member)",
          "결제수단 (payment method)", "상태 (status)", "임시주문 (temporary)", "상품금액 (list total)",
          "지원금 (subsidy)", "할인액 (discount)", "배송비 (shipping)", "배송비할인 (shipping discount)",
          "결제금액 (paid)", "기프트카드 (gift cards)", "환불액 (refunded)", "주문일 (ordered, KST)",
          "결제일 (paid, KST)"]


def filter_to_params(flt: OrderFilter) -> dict:
    """The filter as JSON for the job row (the job may run in another process)."""
    def day(value: date | None) -> str | None:
        return value.isoformat() if value else None

    return {"ordered_from": day(flt.ordered_from), "ordered_to": day(flt.ordered_to),
            "paid_from": day(flt.paid_from), "paid_to": day(flt.paid_to),
            "include_temporary": flt.include_temporary,
            "payment_method": flt.payment_method.value if flt.payment_method else None,
            "status": flt.status.value if flt.status else None, "keyword": flt.keyword,
            "keyword_field": flt.keyword_field.value}


def filter_from_params(params: dict) -> OrderFilter:
    def day(value: str | None) -> date | None:
        return date.fromisoformat(value) if value else None

    return OrderFilter(
        ordered_from=day(params.get("ordered_from")), ordered_to=day(params.get("ordered_to")),
        paid_from=day(params.get("paid_from")), paid_to=day(params.get("paid_to")),
        include_temporary=bool(params.get("include_temporary")),
        payment_method=PaymentMethod(params["payment_method"]) if params.get("payment_method") else None,
        status=OrderStatus(params["status"]) if params.get("status") else None,
        keyword=params.get("keyword", ""), keyword_field=KeywordField(params.get("keyword_field") or "ALL"))


async def start_order_export(actor: Actor, flt: OrderFilter) -> Job:
    return await start_job(actor, KIND, filter_to_params(flt))


@job_function(KIND)
async def export_orders(run: JobRun) -> dict:
    """Rows by ascending id. Safe to run again from the start (the file is replaced)."""
    query = order_query(filter_from_params(run.params))
    total = await query.count()
    await run.progress(0, total)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("orders")
    sheet.append(HEADER)
    written, last = 0, 0
    while chunk := list(await query.filter(id__gt=last).order_by("id").limit(BATCH).select_related("member")):
        for o in chunk:
            sheet.append([o.id, o.number, o.name, o.member.login_id, o.member.name, o.payment_method.value,
                          o.status.value, "Y" if o.is_temporary else "N", o.list_total, o.subsidy,
                          o.coupon_discount, o.shipping_fee, o.shipping_discount, o.paid_amount,
                          o.gift_card_amount, o.refunded_amount, format_seoul(o.ordered_at),
                          format_seoul(o.paid_at)])
        written += len(chunk)
        last = chunk[-1].id
        await run.progress(written, max(total, written))
    buffer = io.BytesIO()
    workbook.save(buffer)
    await run.attach_file(
        "orders.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buffer.getvalue()
    )
    return {"rows": written}
