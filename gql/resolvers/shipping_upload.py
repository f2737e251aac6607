"""Bulk invoice update from a spreadsheet (SPEC 4, seed 001 송장번호 일괄갱신): upload, preview, apply.

The sheet is an Excel workbook (.xlsx), read with openpyxl; its first sheet is read. The header
row (the first non-blank row among the first five, so a title row above it is fine) names the
columns; the other columns (상품명, 수량, ...) are ignored, so the shipping list as exported can be
filled in and uploaded again:

    주문번호 (order number) | 항목번호 (item number) | 송장번호 (invoice number)

English headers work too (order number, item number or item id, invoice number). Rows are
numbered as the spreadsheet shows them; blank rows are skipped. A sample is
tests/shipping/invoice_sample.xlsx. Legacy .xls files (seed 001's download) are refused with
UPLOAD_XLS_UNSUPPORTED: no maintained .xls reader is installed, and Excel saves .xlsx.

`preview_invoice_upload` stores the parsed rows with an error code per bad row (unknown item,
item not in that order, cancelled order or item, purchase already confirmed, empty or bad invoice
number, an item repeated in the file) and changes nothing else. `apply_invoice_upload` then
changes, in one transaction, only the invoice number, the carrier and the status (the batch's
carrier and target status) of the good rows, with an audit entry per shipment; rows that went bad
since the preview are skipped and marked. Applying twice, or applying a cancelled upload, is
refused (UPLOAD_NOT_PREVIEW); `cancel_invoice_upload` changes no shipment.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from openpyxl import load_workbook
from tortoise.transactions import in_transaction

from gql.resolvers.access import Actor, ActorKind, require_change_shop, require_read_shop
from gql.resolvers.audit import record_change, snapshot
from gql.resolvers.errors import REASONS, Refused
from gql.resolvers.shipping import (
    AUDITED_FIELDS,
    INVOICE,
    apply_status,
    create_missing_shipments,
    move_problem,
)
from kupon.timeutil import now_utc
from models.shipping import Carrier, InvoiceUpload, InvoiceUploadStatus, Shipment, ShipmentStatus

MAX_ROWS = 5000  # TOO_MANY
MAX_BYTES = 5 * 1024 * 1024
HEADER_SEARCH_ROWS = 5
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the legacy .xls (BIFF) container
READ_CHUNK = 500

ORDER_HEADERS = {"주문번호", "ordernumber", "orderno", "order"}
ITEM_HEADERS = {"항목번호", "주문항목번호", "itemnumber", "itemno", "itemid", "item"}
INVOICE_HEADERS = {"송장번호", "운송장번호", "invoice", "invoicenumber", "invoiceno", "trackingnumber"}


@dataclass(frozen=True)
class UploadRow:
    """A row of an upload as the preview shows it; `error` is a REASONS code or None."""

    row: int
    order_number: str
    item_number: str
    invoice_number: str
    product_name: str = ""
    shipment_id: int | None = None
    current_status: str = ""
    current_invoice: str = ""
    error: str | None = None

    @property
    def message(self) -> str:
        return REASONS[self.error][0] if self.error else ""

    @property
    def message_ko(self) -> str:
        return REASONS[self.error][1] if self.error else ""

    def message_in(self, locale: str) -> str:
        return self.message_ko if locale.startswith("ko") else self.message


def upload_rows(upload: InvoiceUpload) -> list[UploadRow]:
    return [UploadRow(**row) for row in upload.rows]


def counts(upload: InvoiceUpload) -> tuple[int, int]:
    """(good rows, rows with an error)."""
    bad = sum(1 for row in upload.rows if row.get("error"))
    return len(upload.rows) - bad, bad


# Reading the sheet -------------------------------------------------------------------------------------

def _header_name(value) -> str:
    name = re.sub(r"\(.*?\)", "", str(value or "").strip().lower())
    return re.sub(r"[\s_\-.]", "", name)


def _text(value) -> str:
    """A cell as text: Excel keeps long digit strings as numbers (444555888, or 444555888.0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_sheet(data: bytes, filename: str = "") -> list[tuple[int, str, str, str]]:
    """(row number, order number, item number, invoice number) of every non-blank data row."""
    if filename.lower().endswith(".xls") or data.startswith(OLE2_MAGIC):
        raise Refused.because("UPLOAD_XLS_UNSUPPORTED", "file")
    if len(data) > MAX_BYTES:
        raise Refused.because("TOO_MANY", "file")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise Refused.because("UPLOAD_UNREADABLE", "file") from None
    try:
        sheet = workbook.worksheets[0]
        rows = [(n, list(cells)) for n, cells in enumerate(sheet.iter_rows(values_only=True), start=1)
                if any(_text(c) for c in cells)]
    finally:
        workbook.close()
    if not rows:
        raise Refused.because("IMPORT_EMPTY", "file")
    for index, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        names = [_header_name(c) for c in cells]
        found = [next((i for i, n in enumerate(names) if n in wanted), None)
                 for wanted in (ORDER_HEADERS, ITEM_HEADERS, INVOICE_HEADERS)]
        if None not in found:
            body = rows[index + 1:]
            break
    else:
        raise Refused.because("UPLOAD_NO_COLUMNS", "file")
    if not body:
        raise Refused.because("IMPORT_EMPTY", "file")
    if len(body) > MAX_ROWS:
        raise Refused.because("TOO_MANY", "file")

    def cell(cells: list, column: int) -> str:
        return _text(cells[column]) if column < len(cells) else ""

    return [(n, cell(cells, found[0]), cell(cells, found[1]), cell(cells, found[2])) for n, cells in body]


async def _shipments_by_item(item_ids: list[int]) -> dict[int, Shipment]:
    found: dict[int, Shipment] = {}
    for start in range(0, len(item_ids), READ_CHUNK):
        for shipment in await Shipment.filter(item_id__in=item_ids[start:start + READ_CHUNK]).select_related(
                "item", "item__order"):
            found[shipment.item_id] = shipment
    return found


async def check_rows(rows: list[tuple[int, str, str, str]], target: ShipmentStatus) -> list[UploadRow]:
    """Each row with its first problem, in this order: unknown item, item not in that order,
    cancelled, purchase confirmed, invoice empty or malformed, item repeated in an earlier row."""
    await create_missing_shipments()
    item_ids = sorted({int(item) for _, _, item, _ in rows if item.isdigit() and len(item) < 10})
    shipments = await _shipments_by_item(item_ids)
    seen: set[int] = set()
    checked: list[UploadRow] = []
    for number, order_number, item, invoice in rows:
        shipment = shipments.get(int(item)) if item.isdigit() and len(item) < 10 else None
        error = None
        if shipment is None:
            error = "UPLOAD_ITEM_UNKNOWN"
        elif shipment.item.order.number != order_number:
            error = "UPLOAD_ORDER_MISMATCH"
        else:
            error = move_problem(shipment, target)
        if error is None and not invoice:
            error = "UPLOAD_INVOICE_EMPTY"
        elif error is None and not INVOICE.fullmatch(invoice):
            error = "UPLOAD_INVOICE_INVALID"
        if error is None and shipment.id in seen:
            error = "UPLOAD_DUPLICATE_ROW"
        if shipment is not None and error in (None, "UPLOAD_INVOICE_EMPTY", "UPLOAD_INVOICE_INVALID"):
            seen.add(shipment.id)  # the first row naming an item owns it
        checked.append(UploadRow(
            row=number, order_number=order_number[:50], item_number=item[:20], invoice_number=invoice[:60],
            product_name=shipment.item.product_name if shipment else "",
            shipment_id=shipment.id if shipment else None,
            current_status=shipment.status.value if shipment else "",
            current_invoice=shipment.invoice_number if shipment else "", error=error))
    return checked


# Preview, apply, cancel --------------------------------------------------------------------------------

async def _active_carrier(carrier_id: int | None) -> Carrier:
    carrier = await Carrier.get_or_none(id=carrier_id) if carrier_id else None
    if carrier_id is None:
        raise Refused.because("REQUIRED", "carrier_id")
    if carrier is None:
        raise Refused.because("NOT_FOUND", "carrier_id")
    if not carrier.is_active:
        raise Refused.because("CARRIER_INACTIVE", "carrier_id")
    return carrier


async def preview_invoice_upload(actor: Actor, carrier_id: int | None, target_status: str, filename: str,
                                 data: bytes) -> InvoiceUpload:
    """Read and check the sheet and keep it as a PREVIEW upload. No shipment changes."""
    require_change_shop(actor)
    try:
        target = ShipmentStatus(target_status)
    except ValueError:
        raise Refused.because("REQUIRED" if not target_status else "INVALID_CHOICE", "target_status") from None
    carrier = await _active_carrier(carrier_id)
    rows = await check_rows(read_sheet(data, filename), target)
    return await InvoiceUpload.create(
        carrier=carrier, target_status=target, filename=(filename or "upload.xlsx")[:200],
        rows=[row.__dict__ for row in rows],
        created_by_id=actor.id if actor.kind == ActorKind.OPERATOR else None)


async def get_invoice_upload(actor: Actor, upload_id: int) -> InvoiceUpload:
    require_read_shop(actor)
    upload = await InvoiceUpload.get_or_none(id=upload_id).select_related("carrier")
    if upload is None:
        raise Refused.because("NOT_FOUND", "id")
    return upload


async def apply_invoice_upload(actor: Actor, upload_id: int) -> InvoiceUpload:
    """Write the good rows' invoice numbers, the batch's carrier and target status, in one
    transaction; returns the upload, APPLIED, its rows marked with anything skipped."""
    require_change_shop(actor)
    upload = await get_invoice_upload(actor, upload_id)
    now = now_utc()
    async with in_transaction():
        # The conditional UPDATE is the guard against a second apply, concurrent or not.
        if not await InvoiceUpload.filter(id=upload.id, status=InvoiceUploadStatus.PREVIEW).update(
                status=InvoiceUploadStatus.APPLIED, applied_at=now):
            raise Refused.because("UPLOAD_NOT_PREVIEW", "id")
        good = [row for row in upload_rows(upload) if row.error is None]
        shipments = {s.id: s for s in await Shipment.filter(id__in=[r.shipment_id for r in good])
                     .select_for_update(of=("shipment",)).select_related("item", "item__order")}
        rows: list[UploadRow] = []
        applied = 0
        for row in upload_rows(upload):
            shipment = shipments.get(row.shipment_id) if row.error is None else None
            problem = move_problem(shipment, upload.target_status) if shipment else row.error or "UPLOAD_ITEM_UNKNOWN"
            if problem:
                rows.append(UploadRow(**{**row.__dict__, "error": problem}))
                continue
            before = snapshot(shipment, AUDITED_FIELDS)
            shipment.invoice_number, shipment.carrier_id = row.invoice_number, upload.carrier_id
            apply_status(shipment, upload.target_status, now)
            await shipment.save(update_fields=["invoice_number", "carrier_id", "status", "delivered_at",
                                               "updated_at"])
            await record_change(actor, "shipment.invoice_upload", shipment, before,
                                snapshot(shipment, AUDITED_FIELDS))
            applied += 1
            rows.append(row)
        if not applied:
            raise Refused.because("UPLOAD_NOTHING_TO_APPLY", "id")
        upload.rows = [row.__dict__ for row in rows]
        upload.status, upload.applied_at = InvoiceUploadStatus.APPLIED, now
        await upload.save(update_fields=["rows"])
        await record_change(actor, "invoice_upload.apply", upload,
                            after={"applied": applied, "skipped": len(rows) - applied,
                                   "carrier_id": upload.carrier_id, "target_status": upload.target_status.value})
    return upload


async def cancel_invoice_upload(actor: Actor, upload_id: int) -> InvoiceUpload:
    """Drop a preview: nothing changes but the upload's own status."""
    require_change_shop(actor)
    upload = await get_invoice_upload(actor, upload_id)
    if not await InvoiceUpload.filter(id=upload.id, status=InvoiceUploadStatus.PREVIEW).update(
            status=InvoiceUploadStatus.CANCELLED):
        raise Refused.because("UPLOAD_NOT_PREVIEW", "id")
    upload.status = InvoiceUploadStatus.CANCELLED
    return upload
