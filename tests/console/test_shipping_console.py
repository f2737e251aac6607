"""The shipping screen over HTTP: the list with filters, status change of ticked items (and its
refusals), carriers, and the bulk invoice upload with a real XLSX file: preview with row errors,
apply, apply twice, cancel, a legacy .xls refused; VIEWERs kept out of every change."""

import io

from openpyxl import Workbook, load_workbook

from gql.resolvers.access import operator_actor
from gql.resolvers.shipping import CarrierInput, create_carrier
from models.access import Role
from models.catalog import ProductKind
from models.orders import OrderItem, OrderStatus
from models.shipping import Carrier, InvoiceUpload, InvoiceUploadStatus, Shipment, ShipmentStatus
from tests.conftest import console_login
from tests.factories import PASSWORD, make_book_order, make_member, make_operator

HTMX = {"HX-Request": "true"}
ENGLISH = {"Accept-Language": "en"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def signed_in(client, role=Role.OPERATOR):
    operator = await make_operator(role)
    return operator, await console_login(client, operator.login_id, PASSWORD)


def sheet(rows: list[tuple]) -> bytes:
    book = Workbook()
    book.active.append(["No", "주문번호", "항목번호", "상품명", "수량", "구매자명", "송장번호"])
    for n, (order_number, item_id, invoice) in enumerate(rows, start=1):
        book.active.append([n, order_number, item_id, "포토샵 교재", 1, "홍길동", invoice])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def upload(client, csrf, carrier_id, data: bytes, name="배송목록.xlsx", status="SHIPPED", **headers):
    return await client.post("/admin/shipping/invoices", data={"carrier_id": str(carrier_id), "target_status": status},
                             files={"file": (name, data, XLSX_TYPE)},
                             headers={**HTMX, "X-CSRF-Token": csrf, **headers})


async def test_list_filters_and_status_change_of_selected(client, db):
    _, csrf = await signed_in(client)
    a = await make_book_order(await make_member(name="박주란"))
    b = await make_book_order()
    course_only = await make_book_order(items=[(ProductKind.COURSE, "전자기학", 5000)])
    page = await client.get("/admin/shipping", headers=ENGLISH)
    assert page.status_code == 200 and 'href="/admin/shipping" aria-current="page"' in page.text
    assert a.number in page.text and b.number in page.text and course_only.number not in page.text
    found = await client.get("/admin/shipping?q=박주란", headers={**HTMX, **ENGLISH})
    assert "<html" not in found.text and a.number in found.text and b.number not in found.text

    sa, sb = await Shipment.get(item__order_id=a.id), await Shipment.get(item__order_id=b.id)
    changed = await client.post("/admin/shipping/status", data={"ids": [str(sa.id), str(sb.id)],
                                                                "target_status": "DELIVERED", "q": "박주란"},
                                headers={**HTMX, **ENGLISH, "X-CSRF-Token": csrf})
    assert changed.status_code == 200 and "2 items changed." in changed.text and b.number not in changed.text
    assert {s.status for s in await Shipment.all()} == {ShipmentStatus.DELIVERED}

    b.status = OrderStatus.CANCELLED
    await b.save()
    refused = await client.post("/admin/shipping/status", data={"ids": [str(sa.id), str(sb.id)],
                                                                "target_status": "SHIPPED"},
                                headers={**HTMX, "X-CSRF-Token": csrf, "Accept-Language": "ko"})
    assert refused.status_code == 422 and f"#{sb.id}: 취소되었거나 환불된 주문" in refused.text
    assert (await Shipment.get(id=sa.id)).status == ShipmentStatus.DELIVERED
    nothing = await client.post("/admin/shipping/status", data={"target_status": "SHIPPED"},
                                headers={**HTMX, **ENGLISH, "X-CSRF-Token": csrf})
    assert nothing.status_code == 422 and "Select at least one item." in nothing.text


async def test_carriers_are_added_edited_and_stopped(client, db):
    _, csrf = await signed_in(client)
    headers = {**HTMX, **ENGLISH, "X-CSRF-Token": csrf}
    bad = await client.post("/admin/shipping/carriers/new", data={"name": "우체국", "code": "PO",
                                                                  "tracking_url": "http://service.epost.go.kr/?"},
                            headers=headers)
    assert bad.status_code == 422 and 'id="tracking_url-error"' in bad.text and await Carrier.all().count() == 0
    made = await client.post("/admin/shipping/carriers/new", data={
        "name": "우체국", "code": "po", "tracking_url": "https://service.epost.go.kr/trace?sid1={invoice}"},
        headers=headers)
    assert made.status_code == 200 and "Carrier saved." in made.text
    carrier = await Carrier.get(code="PO")
    edited = await client.post(f"/admin/shipping/carriers/{carrier.id}", data={
        "name": "우체국택배", "code": "PO", "tracking_url": carrier.tracking_url}, headers=headers)
    assert edited.status_code == 200 and "우체국택배" in edited.text
    stopped = await client.post(f"/admin/shipping/carriers/{carrier.id}", data={"active": "off"}, headers=headers)
    assert stopped.status_code == 200 and not (await Carrier.get(id=carrier.id)).is_active
    form = await client.get("/admin/shipping/invoices", headers=ENGLISH)
    assert "우체국택배" not in form.text  # a stopped carrier is not offered for uploads


async def test_invoice_upload_preview_apply_and_cancel_with_a_real_xlsx(client, db):
    operator, csrf = await signed_in(client)
    carrier = await create_carrier(operator_actor(operator), CarrierInput(
        name="CJ대한통운", code="CJ", tracking_url="https://trace.example.kr/cj?no={invoice}"))
    good, other = await make_book_order(), await make_book_order()
    g = await OrderItem.get(order_id=good.id, kind=ProductKind.BOOK)
    o = await OrderItem.get(order_id=other.id, kind=ProductKind.BOOK)
    data = sheet([(good.number, g.id, 444555888), (other.number, o.id, ""), (good.number, 987654, "1")])
    preview = await upload(client, csrf, carrier.id, data, **ENGLISH)
    assert preview.status_code == 200 and 'id="upload-rows"' in preview.text and "<html" not in preview.text
    assert "1 rows can be applied; 2 rows have an error" in preview.text
    assert "The invoice number is empty." in preview.text and "No shipped item has this item number." in preview.text
    assert (await Shipment.get(item_id=g.id)).invoice_number == ""  # nothing changed yet
    uploaded = await InvoiceUpload.get()

    applied = await client.post(f"/admin/shipping/invoices/{uploaded.id}/decide", data={"decision": "apply"},
                                headers={**HTMX, **ENGLISH, "X-CSRF-Token": csrf})
    assert applied.status_code == 200 and "1 rows applied; 2 rows skipped." in applied.text
    shipment = await Shipment.get(item_id=g.id)
    assert (shipment.invoice_number, shipment.carrier_id, shipment.status) == ("444555888", carrier.id,
                                                                                ShipmentStatus.SHIPPED)
    assert (await Shipment.get(item_id=o.id)).status == ShipmentStatus.WAITING
    twice = await client.post(f"/admin/shipping/invoices/{uploaded.id}/decide", data={"decision": "apply"},
                              headers={**HTMX, **ENGLISH, "X-CSRF-Token": csrf})
    assert twice.status_code == 422 and "already been applied or cancelled" in twice.text
    listed = await client.get(f"/admin/shipping?q={good.number}", headers=ENGLISH)
    assert 'href="https://trace.example.kr/cj?no=444555888"' in listed.text and "Dispatched" in listed.text

    again = await upload(client, csrf, carrier.id, sheet([(other.number, o.id, "777888999")]), status="DELIVERED")
    assert again.status_code == 200
    second = await InvoiceUpload.filter(status=InvoiceUploadStatus.PREVIEW).get()
    cancelled = await client.post(f"/admin/shipping/invoices/{second.id}/decide", data={"decision": "cancel"},
                                  headers={**HTMX, **ENGLISH, "X-CSRF-Token": csrf})
    assert cancelled.status_code == 200 and "Cancelled: nothing was changed." in cancelled.text
    assert (await Shipment.get(item_id=o.id)).invoice_number == ""


async def test_legacy_xls_and_missing_file_are_refused_and_viewers_kept_out(client, db):
    operator, csrf = await signed_in(client)
    carrier = await create_carrier(operator_actor(operator), CarrierInput(name="한진택배", code="HJ"))
    legacy = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024
    refused = await upload(client, csrf, carrier.id, legacy, name="배송목록.xls", **{"Accept-Language": "ko"})
    assert refused.status_code == 422 and "예전 엑셀 파일(.xls)은 읽을 수 없습니다" in refused.text
    missing = await client.post("/admin/shipping/invoices", data={"carrier_id": str(carrier.id)},
                                headers={**HTMX, **ENGLISH, "X-CSRF-Token": csrf})
    assert missing.status_code == 422 and "Choose an Excel file (.xlsx)." in missing.text
    assert await InvoiceUpload.all().count() == 0

    client.cookies.clear()
    _, viewer_csrf = await signed_in(client, Role.VIEWER)
    assert (await client.get("/admin/shipping")).status_code == 200
    assert (await client.get("/admin/shipping/invoices")).status_code == 403
    denied = await client.post("/admin/shipping/status", data={"ids": ["1"], "target_status": "SHIPPED"},
                               headers={**HTMX, "X-CSRF-Token": viewer_csrf})
    assert denied.status_code == 403


async def test_the_downloaded_list_goes_back_in_with_invoice_numbers(client, db):
    operator, csrf = await signed_in(client)
    carrier = await create_carrier(operator_actor(operator), CarrierInput(name="롯데택배", code="LT"))
    mine = await make_book_order(await make_member(name="김서연"))
    await make_book_order()
    download = await client.get("/admin/shipping/export?q=김서연")
    assert download.status_code == 200 and download.headers["content-type"].startswith(XLSX_TYPE)
    sheet_rows = list(load_workbook(io.BytesIO(download.content)).active.iter_rows(values_only=True))
    assert len(sheet_rows) == 2 and sheet_rows[1][1] == mine.number and sheet_rows[1][8] == "배송대기"
    book = load_workbook(io.BytesIO(download.content))
    book.active.cell(row=2, column=12, value="0123456789")  # 송장번호, a leading zero kept as text
    buffer = io.BytesIO()
    book.save(buffer)
    preview = await upload(client, csrf, carrier.id, buffer.getvalue(), **ENGLISH)
    assert "1 rows can be applied; 0 rows have an error" in preview.text
    uploaded = await InvoiceUpload.get()
    await client.post(f"/admin/shipping/invoices/{uploaded.id}/decide", data={"decision": "apply"},
                      headers={**HTMX, "X-CSRF-Token": csrf})
    assert (await Shipment.get(item__order_id=mine.id)).invoice_number == "0123456789"
