"""The shipping screen (SPEC 4, seed 001 배송관리): the shipment list with filters and a status
change for the ticked items, carrier management, and the bulk invoice upload (file -> preview
with row errors -> Apply or Cancel). The logic is in gql/resolvers/shipping.py and
gql/resolvers/shipping_upload.py.
"""

from __future__ import annotations

from datetime import date

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from gql.resolvers import shipping, shipping_export, shipping_upload
from gql.resolvers.errors import Refused
from gql.resolvers.pagination import PageRequest
from gql.resolvers.shipping import CarrierInput, ShipmentFilter
from models.shipping import InvoiceUploadStatus, ShipmentStatus
from web.console import (
    actor_of,
    console_view,
    flash,
    gettext,
    is_fragment_request,
    page_number,
    problem_messages,
    query_without_page,
    redirect,
    refuse,
    render,
)

PAGE_SIZE = 30
FILTER_FIELDS = ["ordered_from", "ordered_to", "carrier_id", "q"]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def N_(message: str) -> str:
    """Marks a string for extraction only; templates translate it with `_(...)`."""
    return message


# Seed 001's words: 배송대기, 배송준비중, 발송완료, 배송완료, 구매확정 (own msgids: "Waiting" is a coupon's 준비중).
STATUS_LABELS = {ShipmentStatus.WAITING: N_("Awaiting shipment"), ShipmentStatus.PREPARING: N_("Preparing shipment"),
                 ShipmentStatus.SHIPPED: N_("Dispatched"), ShipmentStatus.DELIVERED: N_("Delivered"),
                 ShipmentStatus.PURCHASE_CONFIRMED: N_("Purchase confirmed")}
UPLOAD_LABELS = {InvoiceUploadStatus.PREVIEW: N_("Preview"), InvoiceUploadStatus.APPLIED: N_("Applied"),
                 InvoiceUploadStatus.CANCELLED: N_("Upload cancelled")}
CHOICES = {"statuses": list(ShipmentStatus), "status_labels": STATUS_LABELS, "upload_labels": UPLOAD_LABELS,
           "tracking_url": shipping.tracking_url, "is_cancelled": shipping.is_cancelled}


def _render(request: Request, template: str, context: dict, **kwargs) -> Response:
    return render(request, template, {**CHOICES, **context}, **kwargs)


def _date(value) -> date | None:
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


def _filter(params) -> tuple[ShipmentFilter, dict]:
    """The list's filters from a query string or a form (the status change posts them along)."""
    statuses = [ShipmentStatus(s) for s in params.getlist("status") if s in ShipmentStatus.__members__]
    carrier_id = str(params.get("carrier_id", ""))
    flt = ShipmentFilter(ordered_from=_date(params.get("ordered_from")), ordered_to=_date(params.get("ordered_to")),
                         statuses=statuses, carrier_id=int(carrier_id) if carrier_id.isdigit() else None,
                         keyword=str(params.get("q", "")))
    form = {name: str(params.get(name, "")) for name in FILTER_FIELDS}
    form["status"] = [s.value for s in statuses]
    return flt, form


async def _list_context(request: Request, params, page: int) -> dict:
    actor = actor_of(request)
    flt, form = _filter(params)
    return {"page": await shipping.list_shipments(actor, flt, PageRequest.for_page_number(page, PAGE_SIZE)),
            "form": form, "carriers": await shipping.list_carriers(actor),
            "query": query_without_page(request)}


@console_view()
async def shipment_list(request: Request) -> Response:
    context = await _list_context(request, request.query_params, page_number(request))
    return _render(request, "shipping/list.html", context, block="results")


@console_view()
async def shipment_export(request: Request) -> Response:
    """The filtered list as the Excel sheet the bulk invoice upload reads back."""
    flt, _ = _filter(request.query_params)
    try:
        data = await shipping_export.shipment_sheet(actor_of(request), flt)
    except Refused as refused:
        return refuse(request, refused.codes[0], 422)
    filename = f"shipments-{date.today():%Y%m%d}.xlsx"
    return Response(data, media_type=XLSX_TYPE, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@console_view(change=True)
async def shipment_status(request: Request) -> Response:
    """Change the status of the ticked items; answers with the list as filtered, or the refusals."""
    form = await request.form()
    ids = [int(i) for i in form.getlist("ids") if str(i).isdigit()]
    try:
        changed = await shipping.set_shipment_status(actor_of(request), ids, str(form.get("target_status", "")))
    except Refused as refused:
        messages = problem_messages(request, refused)
        context = await _list_context(request, form, 1)
        context["refusals"] = [f"#{field.split(':', 1)[1]}: {text}" if field.startswith("shipment:") else text
                               for field, text in messages.items()]
        if not is_fragment_request(request):
            for text in context["refusals"]:
                flash(request, text, "error")
            return redirect(request, "/admin/shipping")
        return _render(request, "shipping/list.html", context, block="results", status_code=422)
    notice = gettext(request, "%(count)s items changed.") % {"count": len(changed)}
    if not is_fragment_request(request):
        flash(request, notice)
        return redirect(request, "/admin/shipping")
    context = await _list_context(request, form, 1)
    context["notice"] = notice
    return _render(request, "shipping/list.html", context, block="results")


# Carriers ------------------------------------------------------------------------------------------------

def _carrier_input(form) -> CarrierInput:
    return CarrierInput(name=str(form.get("name", "")), code=str(form.get("code", "")),
                        tracking_url=str(form.get("tracking_url", "")))


async def _carriers_page(request: Request, extra: dict | None = None, status_code: int = 200) -> Response:
    context = {"carriers": await shipping.list_carriers(actor_of(request)), "values": {}, "errors": {},
               **(extra or {})}
    return _render(request, "shipping/carriers.html", context, block="carriers", status_code=status_code)


@console_view()
async def carrier_list(request: Request) -> Response:
    return await _carriers_page(request)


@console_view(change=True)
async def carrier_create(request: Request) -> Response:
    form = await request.form()
    try:
        await shipping.create_carrier(actor_of(request), _carrier_input(form))
    except Refused as refused:
        return await _carriers_page(request, {"values": dict(form), "errors": problem_messages(request, refused)},
                                    status_code=422)
    if not is_fragment_request(request):
        flash(request, gettext(request, "Carrier saved."))
        return redirect(request, "/admin/shipping/carriers")
    return await _carriers_page(request, {"notice": gettext(request, "Carrier saved.")})


@console_view(change=True)
async def carrier_edit(request: Request) -> Response:
    form = await request.form()
    carrier_id = int(request.path_params["carrier_id"])
    try:
        if "active" in form:
            await shipping.set_carrier_active(actor_of(request), carrier_id, form.get("active") == "on")
        else:
            await shipping.update_carrier(actor_of(request), carrier_id, _carrier_input(form))
    except Refused as refused:
        if "NOT_FOUND" in refused.codes:
            return refuse(request, "NOT_FOUND", 404)
        errors = {f"{carrier_id}:{field}": text for field, text in problem_messages(request, refused).items()}
        return await _carriers_page(request, {"edit_values": {carrier_id: dict(form)}, "row_errors": errors},
                                    status_code=422)
    if not is_fragment_request(request):
        flash(request, gettext(request, "Carrier saved."))
        return redirect(request, "/admin/shipping/carriers")
    return await _carriers_page(request, {"notice": gettext(request, "Carrier saved.")})


# Bulk invoice upload -----------------------------------------------------------------------------------

async def _upload_page(request: Request, extra: dict, status_code: int = 200) -> Response:
    upload = extra.get("upload")
    context = {"carriers": await shipping.list_carriers(actor_of(request), active_only=True),
               "values": {"target_status": ShipmentStatus.SHIPPED.value}, "errors": {}, **extra}
    if upload is not None:
        context["rows"] = shipping_upload.upload_rows(upload)
        context["good"], context["bad"] = shipping_upload.counts(upload)
    return _render(request, "shipping/invoices.html", context, block="preview", status_code=status_code)


@console_view(change=True)
async def invoice_upload(request: Request) -> Response:
    """GET: the upload form. POST: read the file into a preview (nothing changes yet)."""
    if request.method == "GET":
        return await _upload_page(request, {})
    form = await request.form()
    upload_file = form.get("file")
    values = {"carrier_id": str(form.get("carrier_id", "")), "target_status": str(form.get("target_status", ""))}
    if not isinstance(upload_file, UploadFile) or not upload_file.filename:
        return await _upload_page(request, {"values": values, "errors": {
            "file": gettext(request, "Choose an Excel file (.xlsx).")}}, status_code=422)
    carrier_id = values["carrier_id"]
    try:
        upload = await shipping_upload.preview_invoice_upload(
            actor_of(request), int(carrier_id) if carrier_id.isdigit() else None, values["target_status"],
            upload_file.filename, await upload_file.read())
    except Refused as refused:
        return await _upload_page(request, {"values": values, "errors": problem_messages(request, refused)},
                                  status_code=422)
    if not is_fragment_request(request):
        return redirect(request, f"/admin/shipping/invoices/{upload.id}")
    return await _upload_page(request, {"values": values, "upload": upload})


@console_view()
async def invoice_upload_detail(request: Request) -> Response:
    try:
        upload = await shipping_upload.get_invoice_upload(actor_of(request), int(request.path_params["upload_id"]))
    except Refused:
        return refuse(request, "NOT_FOUND", 404)
    return await _upload_page(request, {"upload": upload})


@console_view(change=True)
async def invoice_upload_decide(request: Request) -> Response:
    """Apply or cancel a preview (the button pressed says which)."""
    form = await request.form()
    upload_id = int(request.path_params["upload_id"])
    decide = (shipping_upload.apply_invoice_upload if form.get("decision") == "apply"
              else shipping_upload.cancel_invoice_upload)
    try:
        upload = await decide(actor_of(request), upload_id)
    except Refused as refused:
        if "NOT_FOUND" in refused.codes:
            return refuse(request, "NOT_FOUND", 404)
        upload = await shipping_upload.get_invoice_upload(actor_of(request), upload_id)
        return await _upload_page(request, {"upload": upload,
                                            "decision_error": " ".join(problem_messages(request, refused).values())},
                                  status_code=422)
    if not is_fragment_request(request):
        return redirect(request, f"/admin/shipping/invoices/{upload.id}")
    return await _upload_page(request, {"upload": upload})
