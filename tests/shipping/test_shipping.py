"""Shipping on both databases: carriers, shipments for book items, status changes of selected items,
and the bulk invoice upload (preview with row errors, apply, cancel) with real XLSX files."""

import base64
import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from gql.resolvers.access import Actor, operator_actor
from gql.resolvers.errors import Refused
from gql.resolvers.pagination import PageRequest
from gql.resolvers.shipping import (
    CarrierInput,
    ShipmentFilter,
    create_carrier,
    list_shipments,
    set_carrier_active,
    set_shipment_status,
    shipments_for_order,
    tracking_url,
    update_carrier,
)
from gql.resolvers.shipping_upload import (
    apply_invoice_upload,
    cancel_invoice_upload,
    counts,
    preview_invoice_upload,
    read_sheet,
    upload_rows,
)
from models.access import Role
from models.audit import AuditEntry
from models.catalog import ProductKind
from models.orders import OrderItem, OrderStatus
from models.shipping import InvoiceUploadStatus, Shipment, ShipmentStatus
from tests.conftest import console_login, graphql
from tests.factories import PASSWORD, make_book_order, make_member, make_operator

SAMPLE = Path(__file__).parent / "invoice_sample.xlsx"
CJ = CarrierInput(name="CJ대한통운", code="cj", tracking_url="https://trace.example.kr/cj?invoice={invoice}")


async def operator(role=Role.OPERATOR) -> Actor:
    return operator_actor(await make_operator(role))


def xlsx(rows: list[list], title: str | None = None) -> bytes:
    """A workbook as the shipping list export looks: optional title row, header, data rows."""
    book = Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
    sheet.append(["No", "주문번호", "항목번호", "상품명", "수량", "송장번호"])
    for n, (order_number, item, invoice) in enumerate(rows, start=1):
        sheet.append([n, order_number, item, "교재", 1, invoice])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def book_item(order) -> OrderItem:
    return await OrderItem.get(order_id=order.id, kind=ProductKind.BOOK)


async def test_carriers_are_checked_audited_and_deactivated(db):
    me = await operator()
    carrier = await create_carrier(me, CJ)
    assert (carrier.code, carrier.is_active) == ("CJ", True)
    with pytest.raises(Refused) as dup:
        await create_carrier(me, CJ)
    assert dup.value.codes == ["DUPLICATE"]
    with pytest.raises(Refused) as bad:
        await create_carrier(me, CarrierInput(name="", code="c j", tracking_url="https://x.kr/?no=1"))
    assert set(bad.value.codes) == {"REQUIRED", "INVALID_CARRIER_CODE", "INVALID_TRACKING_URL"}
    edited = await update_carrier(me, carrier.id, CarrierInput(name="CJ", code="CJ", tracking_url=""))
    assert (edited.name, edited.tracking_url) == ("CJ", "")
    await set_carrier_active(me, carrier.id, False)
    actions = await AuditEntry.filter(entity_type="Carrier").order_by("id").values_list("action", flat=True)
    assert actions == ["carrier.create", "carrier.update", "carrier.deactivate"]
    with pytest.raises(Refused) as viewer:
        await create_carrier(await operator(Role.VIEWER), CarrierInput(name="한진", code="HJ"))
    assert viewer.value.codes == ["FORBIDDEN"]


async def test_only_book_items_ship_and_the_list_filters(db):
    me = await operator()
    member = await make_member(name="박주란")
    order = await make_book_order(member)
    again = await shipments_for_order(order.id)
    assert len(again) == 1 and again[0].status == ShipmentStatus.WAITING  # the course has none; no duplicates
    await make_book_order(items=[(ProductKind.COURSE, "전자기학", 5000)])
    other = await make_book_order(items=[(ProductKind.BOOK, "전자기학 교재", 9000)])
    temporary = await make_book_order(is_temporary=True)
    assert not await Shipment.filter(item__order_id=temporary.id).exists()
    # An order written without shipments_for_order still shows up (created when listed).
    await Shipment.filter(item__order_id=other.id).delete()
    page = await list_shipments(me, ShipmentFilter(), PageRequest())
    assert page.total_count == 2 and {s.item.product_name for s in page.items} == {"포토샵 교재", "전자기학 교재"}
    found = await list_shipments(me, ShipmentFilter(keyword="박주란"), PageRequest())
    assert [s.item.order_id for s in found.items] == [order.id]
    waiting = await list_shipments(me, ShipmentFilter(statuses=[ShipmentStatus.SHIPPED]), PageRequest())
    assert waiting.total_count == 0


async def test_status_change_of_selected_items(db):
    me = await operator()
    a, b = await make_book_order(), await make_book_order()
    sa, sb = (await Shipment.get(item__order_id=a.id)), (await Shipment.get(item__order_id=b.id))
    changed = await set_shipment_status(me, [sa.id, sb.id], "DELIVERED")
    assert {s.status for s in changed} == {ShipmentStatus.DELIVERED} and all(s.delivered_at for s in changed)
    await set_shipment_status(me, [sa.id], "PURCHASE_CONFIRMED")
    await set_shipment_status(me, [sb.id], "SHIPPED")  # back one step to fix a mistake: delivered_at cleared
    assert (await Shipment.get(id=sb.id)).delivered_at is None
    with pytest.raises(Refused) as final:
        await set_shipment_status(me, [sa.id, sb.id], "PREPARING")
    assert final.value.codes == ["SHIPMENT_CONFIRMED"] and final.value.problems[0].field == f"shipment:{sa.id}"
    assert (await Shipment.get(id=sb.id)).status == ShipmentStatus.SHIPPED  # all or nothing
    b.status = OrderStatus.CANCELLED
    await b.save()
    with pytest.raises(Refused) as cancelled:
        await set_shipment_status(me, [sb.id], "DELIVERED")
    assert cancelled.value.codes == ["SHIPMENT_ORDER_CANCELLED"]
    for ids, status, code in [([], "SHIPPED", "NOTHING_SELECTED"), ([sa.id], "LOST", "INVALID_CHOICE"),
                              ([999999], "SHIPPED", "NOT_FOUND")]:
        with pytest.raises(Refused) as refused:
            await set_shipment_status(me, ids, status)
        assert refused.value.codes == [code]
    assert await AuditEntry.filter(action="shipment.status").count() == 4


async def test_upload_preview_apply_and_apply_twice(db):
    me = await operator()
    carrier = await create_carrier(me, CJ)
    good, cancelled, other = await make_book_order(), await make_book_order(), await make_book_order()
    cancelled.status = OrderStatus.CANCELLED
    await cancelled.save()
    g, c, o = [await book_item(x) for x in (good, cancelled, other)]
    data = xlsx([[good.number, g.id, 444555888], [cancelled.number, c.id, "777888999"],
                 [good.number, 999999, "1"], [other.number, g.id, "2"], [other.number, o.id, ""],
                 [good.number, str(g.id), "555"], [other.number, o.id, "12 34"]], title="배송 목록")
    upload = await preview_invoice_upload(me, carrier.id, "SHIPPED", "배송목록.xlsx", data)
    errors = [(r.row, r.error) for r in upload_rows(upload)]
    assert errors == [(3, None), (4, "SHIPMENT_ORDER_CANCELLED"), (5, "UPLOAD_ITEM_UNKNOWN"),
                      (6, "UPLOAD_ORDER_MISMATCH"), (7, "UPLOAD_INVOICE_EMPTY"), (8, "UPLOAD_DUPLICATE_ROW"),
                      (9, "UPLOAD_INVOICE_INVALID")]
    assert counts(upload) == (1, 6) and upload_rows(upload)[0].invoice_number == "444555888"
    assert not await Shipment.filter(invoice_number__not="").exists()  # a preview changes nothing

    applied = await apply_invoice_upload(me, upload.id)
    assert applied.status == InvoiceUploadStatus.APPLIED and applied.applied_at
    shipment = await Shipment.get(item_id=g.id).select_related("carrier")
    assert (shipment.invoice_number, shipment.carrier_id, shipment.status) == ("444555888", carrier.id,
                                                                                ShipmentStatus.SHIPPED)
    assert tracking_url(shipment) == "https://trace.example.kr/cj?invoice=444555888"
    assert (await Shipment.get(item_id=o.id)).status == ShipmentStatus.WAITING
    assert await AuditEntry.filter(action="shipment.invoice_upload").count() == 1
    with pytest.raises(Refused) as twice:
        await apply_invoice_upload(me, upload.id)
    assert twice.value.codes == ["UPLOAD_NOT_PREVIEW"]


async def test_cancelled_preview_changes_nothing_and_bad_files_are_refused(db):
    me = await operator()
    carrier = await create_carrier(me, CJ)
    order = await make_book_order()
    item = await book_item(order)
    upload = await preview_invoice_upload(me, carrier.id, "DELIVERED", "a.xlsx", xlsx([[order.number, item.id, "9"]]))
    cancelled = await cancel_invoice_upload(me, upload.id)
    assert cancelled.status == InvoiceUploadStatus.CANCELLED
    with pytest.raises(Refused) as late:
        await apply_invoice_upload(me, upload.id)
    assert late.value.codes == ["UPLOAD_NOT_PREVIEW"]
    shipment = await Shipment.get(item_id=item.id)
    assert (shipment.invoice_number, shipment.status, shipment.carrier_id) == ("", ShipmentStatus.WAITING, None)

    bad_only = await preview_invoice_upload(me, carrier.id, "SHIPPED", "b.xlsx", xlsx([[order.number, item.id, ""]]))
    with pytest.raises(Refused) as nothing:
        await apply_invoice_upload(me, bad_only.id)
    assert nothing.value.codes == ["UPLOAD_NOTHING_TO_APPLY"]
    assert (await cancel_invoice_upload(me, bad_only.id)).status == InvoiceUploadStatus.CANCELLED

    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
    for data, name, code in [(ole2, "legacy.xls", "UPLOAD_XLS_UNSUPPORTED"), (ole2, "renamed.xlsx",
                              "UPLOAD_XLS_UNSUPPORTED"), (b"order,item\n1,2", "a.xlsx", "UPLOAD_UNREADABLE")]:
        with pytest.raises(Refused) as refused:
            await preview_invoice_upload(me, carrier.id, "SHIPPED", name, data)
        assert refused.value.codes == [code]
    book = Workbook()
    book.active.append(["주문번호", "상품명"])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(Refused) as columns:
        await preview_invoice_upload(me, carrier.id, "SHIPPED", "c.xlsx", buffer.getvalue())
    assert columns.value.codes == ["UPLOAD_NO_COLUMNS"]
    await set_carrier_active(me, carrier.id, False)
    with pytest.raises(Refused) as inactive:
        await preview_invoice_upload(me, carrier.id, "SHIPPED", "a.xlsx", xlsx([[order.number, item.id, "9"]]))
    assert inactive.value.codes == ["CARRIER_INACTIVE"]


def test_the_sample_sheet_reads():
    rows = read_sheet(SAMPLE.read_bytes(), SAMPLE.name)
    assert [r[1:] for r in rows[:2]] == [("202", "193", "999999999"), ("133", "129", "555555555")]


UPLOAD = """
mutation ($carrierId: ID!, $content: String!) {
  uploadInvoices(carrierId: $carrierId, targetStatus: SHIPPED, filename: "list.xlsx", content: $content) {
    upload { id status goodRows badRows rows { row itemNumber error messageKo } }
    errors { code }
  }
}"""
APPLY = "mutation ($id: ID!) { applyInvoiceUpload(id: $id) { upload { status } errors { code } } }"
SHIPMENTS = """
query ($keyword: String!) {
  shipments(keyword: $keyword, statuses: [SHIPPED]) {
    totalCount edges { node { orderNumber productName invoiceNumber status trackingUrl carrier { code } } }
  }
}"""


async def test_graphql_upload_apply_and_list(client, db):
    owner = await make_operator(Role.OWNER)
    await console_login(client, owner.login_id, PASSWORD)
    carrier = await create_carrier(operator_actor(owner), CJ)
    order = await make_book_order()
    item = await book_item(order)
    content = base64.b64encode(xlsx([[order.number, item.id, "121212"], [order.number, 424242, "1"]])).decode()
    body = await graphql(client, UPLOAD, {"carrierId": str(carrier.id), "content": content})
    upload = body["data"]["uploadInvoices"]["upload"]
    assert (upload["status"], upload["goodRows"], upload["badRows"]) == ("PREVIEW", 1, 1)
    assert upload["rows"][1]["error"] == "UPLOAD_ITEM_UNKNOWN" and upload["rows"][1]["messageKo"]
    bad = await graphql(client, UPLOAD, {"carrierId": str(carrier.id), "content": "not base64!"})
    assert bad["data"]["uploadInvoices"]["errors"] == [{"code": "UPLOAD_UNREADABLE"}]
    applied = await graphql(client, APPLY, {"id": upload["id"]})
    assert applied["data"]["applyInvoiceUpload"]["upload"]["status"] == "APPLIED"
    again = await graphql(client, APPLY, {"id": upload["id"]})
    assert again["data"]["applyInvoiceUpload"]["errors"] == [{"code": "UPLOAD_NOT_PREVIEW"}]
    listed = await graphql(client, SHIPMENTS, {"keyword": order.number})
    node = listed["data"]["shipments"]["edges"][0]["node"]
    assert listed["data"]["shipments"]["totalCount"] == 1
    assert (node["invoiceNumber"], node["status"], node["carrier"]["code"]) == ("121212", "SHIPPED", "CJ")
    assert node["trackingUrl"] == "https://trace.example.kr/cj?invoice=121212"


UPDATE = """
mutation ($id: ID!, $carrierId: ID, $invoice: String!) {
  updateShipment(id: $id, carrierId: $carrierId, invoiceNumber: $invoice) {
    shipments { invoiceNumber status trackingUrl } errors { code field }
  }
}"""


async def test_one_items_carrier_and_invoice_by_hand(client, db):
    owner = await make_operator(Role.OWNER)
    await console_login(client, owner.login_id, PASSWORD)
    carrier = await create_carrier(operator_actor(owner), CJ)
    shipment = await Shipment.get(item__order_id=(await make_book_order()).id)
    body = await graphql(client, UPDATE, {"id": str(shipment.id), "carrierId": str(carrier.id), "invoice": "121212"})
    assert body["data"]["updateShipment"]["shipments"] == [
        {"invoiceNumber": "121212", "status": "WAITING", "trackingUrl": "https://trace.example.kr/cj?invoice=121212"}]
    bad = await graphql(client, UPDATE, {"id": str(shipment.id), "carrierId": None, "invoice": "12 12"})
    assert bad["data"]["updateShipment"]["errors"] == [{"code": "UPLOAD_INVOICE_INVALID", "field": "invoice_number"}]
    await set_carrier_active(operator_actor(owner), carrier.id, False)
    kept = await graphql(client, UPDATE, {"id": str(shipment.id), "carrierId": str(carrier.id), "invoice": "343434"})
    assert kept["data"]["updateShipment"]["shipments"][0]["invoiceNumber"] == "343434"  # its carrier stays usable
    assert await AuditEntry.filter(action="shipment.update").count() == 2
