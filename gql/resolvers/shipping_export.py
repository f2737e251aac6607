"""The shipping list as an Excel sheet (seed 001: download the list, fill in 송장번호, upload it).

Its headers are the ones the bulk invoice upload reads (gql/resolvers/shipping_upload.py), so the
downloaded sheet goes back in unchanged but for the invoice numbers. Shipments are book items only,
so the sheet is written at once (write-only workbook, rows read in batches) up to MAX_ROWS; a
larger list is refused with TOO_MANY: narrow the filters.
"""

from __future__ import annotations

import io

from openpyxl import Workbook

from gql.resolvers.access import Actor, require_read_shop
from gql.resolvers.errors import Refused
from gql.resolvers.shipping import ShipmentFilter, create_missing_shipments, filtered_shipments
from kupon.timeutil import format_seoul
from models.shipping import ShipmentStatus

MAX_ROWS = 20_000
BATCH = 1000
HEADER = ["No", "주문번호", "항목번호", "상품명", "수량", "구매자명", "회원아이디", "주문일", "배송상태", "배송완료일",
          "배송업체", "송장번호"]
STATUS_KO = {ShipmentStatus.WAITING: "배송대기", ShipmentStatus.PREPARING: "배송준비중",
             ShipmentStatus.SHIPPED: "발송완료", ShipmentStatus.DELIVERED: "배송완료",
             ShipmentStatus.PURCHASE_CONFIRMED: "구매확정"}


async def shipment_sheet(actor: Actor, flt: ShipmentFilter) -> bytes:
    """An XLSX of the filtered shipping list, in the list's order. Invoice numbers are text cells,
    so Excel keeps their leading zeros."""
    require_read_shop(actor)
    await create_missing_shipments()
    query = filtered_shipments(flt)
    total = await query.count()
    if total > MAX_ROWS:
        raise Refused.because("TOO_MANY", "export")
    book = Workbook(write_only=True)
    sheet = book.create_sheet("배송목록")
    sheet.append(HEADER)
    ordered = query.select_related("item", "item__order", "item__order__member", "carrier").order_by(
        "-item__order__ordered_at", "-item__order_id", "item_id")
    number = 0
    for offset in range(0, total, BATCH):
        for s in await ordered.offset(offset).limit(BATCH):
            number += 1
            order = s.item.order
            sheet.append([number, order.number, s.item_id, s.item.product_name, s.item.quantity, order.member.name,
                          order.member.login_id, format_seoul(order.ordered_at), STATUS_KO[s.status],
                          format_seoul(s.delivered_at), s.carrier.name if s.carrier_id else "", s.invoice_number])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
