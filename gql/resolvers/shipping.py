"""Shipping (SPEC section 4, seed 001 배송관리): carriers, one shipment per shipped order item, and
status changes for selected items. The bulk invoice upload is in gql/resolvers/shipping_upload.py.

Which items ship: books (ProductKind.BOOK) of orders that are not temporary carts. Courses, free
passes and extensions have no shipment. `shipments_for_order` creates the WAITING rows and may be
called any number of times; `list_shipments` also creates those still missing (orders placed by
code that did not call it), one INSERT that ignores rows already there.

Status moves (`set_shipment_status`): forward by any number of steps (WAITING -> PREPARING ->
SHIPPED -> DELIVERED -> PURCHASE_CONFIRMED) and backward to correct a mistake, except out of
PURCHASE_CONFIRMED, which is final (the member confirmed; the sale is settled): SHIPMENT_CONFIRMED.
Items of cancelled orders, and cancelled or refunded items, do not move: SHIPMENT_ORDER_CANCELLED.
`delivered_at` is set when an item becomes DELIVERED (kept when it moves on to
PURCHASE_CONFIRMED) and cleared when it moves back before DELIVERED. A change of several items is
all or nothing, and each changed item gets an audit entry. `update_shipment` sets one item's carrier and
invoice number by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import quote

from tortoise.expressions import Q, Subquery
from tortoise.transactions import in_transaction

from gql.resolvers.access import Actor, require_change_shop, require_read_shop
from gql.resolvers.audit import record_change, snapshot
from gql.resolvers.errors import Problem, Refused
from gql.resolvers.pagination import Page, PageRequest, paginate
from kupon.timeutil import now_utc, seoul_day_start_utc
from models.catalog import ProductKind
from models.orders import ItemStatus, Order, OrderItem, OrderStatus
from models.shipping import Carrier, Shipment, ShipmentStatus

SHIPPED_KINDS = (ProductKind.BOOK,)
STATUS_ORDER = list(ShipmentStatus)
INVOICE_PLACEHOLDER = "{invoice}"
CARRIER_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")
INVOICE = re.compile(r"[A-Za-z0-9-]{1,50}")  # UPLOAD_INVOICE_INVALID's message says so
AUDITED_FIELDS = ["carrier_id", "invoice_number", "status", "delivered_at"]
MAX_SELECTED = 500


# Carriers ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CarrierInput:
    name: str
    code: str
    tracking_url: str = ""  # "https://...?invoice={invoice}"; empty: no tracking link


def tracking_url_for(template: str, invoice_number: str) -> str | None:
    """The carrier's tracking page for an invoice, or None without a template or an invoice."""
    if not template or not invoice_number:
        return None
    return template.replace(INVOICE_PLACEHOLDER, quote(invoice_number, safe=""))


def tracking_url(shipment: Shipment) -> str | None:
    """Needs `carrier` fetched (select_related) or None."""
    carrier = shipment.carrier if shipment.carrier_id else None
    return tracking_url_for(carrier.tracking_url, shipment.invoice_number) if carrier else None


def _clean_carrier(data: CarrierInput) -> dict:
    problems: list[Problem] = []
    name = (data.name or "").strip()
    code = (data.code or "").strip().upper()
    url = (data.tracking_url or "").strip()
    if not name:
        problems.append(Problem("REQUIRED", "name"))
    elif len(name) > 50:
        problems.append(Problem("TOO_LONG", "name"))
    if not code:
        problems.append(Problem("REQUIRED", "code"))
    elif not CARRIER_CODE.fullmatch(code):
        problems.append(Problem("INVALID_CARRIER_CODE", "code"))
    if url and (not url.startswith(("http://", "https://")) or INVOICE_PLACEHOLDER not in url or len(url) > 300
                or any(c.isspace() for c in url)):
        problems.append(Problem("INVALID_TRACKING_URL", "tracking_url"))
    if problems:
        raise Refused(*problems)
    return {"name": name, "code": code, "tracking_url": url}


async def list_carriers(actor: Actor, active_only: bool = False) -> list[Carrier]:
    require_read_shop(actor)
    query = Carrier.all()
    if active_only:
        query = query.filter(is_active=True)
    return list(await query.order_by("name", "id"))


async def get_carrier(actor: Actor, carrier_id: int) -> Carrier:
    require_read_shop(actor)
    carrier = await Carrier.get_or_none(id=carrier_id)
    if carrier is None:
        raise Refused.because("NOT_FOUND", "carrier_id")
    return carrier


async def create_carrier(actor: Actor, data: CarrierInput) -> Carrier:
    require_change_shop(actor)
    values = _clean_carrier(data)
    if await Carrier.exists(code=values["code"]):
        raise Refused.because("DUPLICATE", "code")
    async with in_transaction():
        carrier = await Carrier.create(**values)
        await record_change(actor, "carrier.create", carrier, after=snapshot(carrier, [*values, "is_active"]))
    return carrier


async def update_carrier(actor: Actor, carrier_id: int, data: CarrierInput) -> Carrier:
    require_change_shop(actor)
    carrier = await get_carrier(actor, carrier_id)
    values = _clean_carrier(data)
    if await Carrier.filter(code=values["code"]).exclude(id=carrier.id).exists():
        raise Refused.because("DUPLICATE", "code")
    before = snapshot(carrier, list(values))
    async with in_transaction():
        await carrier.update_from_dict(values).save()
        await record_change(actor, "carrier.update", carrier, before, snapshot(carrier, list(values)))
    return carrier


async def set_carrier_active(actor: Actor, carrier_id: int, active: bool) -> Carrier:
    """An inactive carrier keeps its shipments and links but cannot be chosen for new ones."""
    require_change_shop(actor)
    carrier = await get_carrier(actor, carrier_id)
    if carrier.is_active != active:
        async with in_transaction():
            carrier.is_active = active
            await carrier.save(update_fields=["is_active"])
            await record_change(actor, "carrier.activate" if active else "carrier.deactivate", carrier,
                                {"is_active": not active}, {"is_active": active})
    return carrier


# Shipments -----------------------------------------------------------------------------------------------

async def shipments_for_order(order_id: int) -> list[Shipment]:
    """The order's shipments, WAITING rows created for its shipped items that have none. Safe to call
    again, inside the order's transaction or after it; a temporary order gets none."""
    order = await Order.get(id=order_id)
    if not order.is_temporary:
        items = await OrderItem.filter(order_id=order_id, kind__in=SHIPPED_KINDS).values_list("id", flat=True)
        await Shipment.bulk_create([Shipment(item_id=item_id) for item_id in items], ignore_conflicts=True)
    return list(await Shipment.filter(item__order_id=order_id).order_by("item_id"))


async def create_missing_shipments() -> int:
    """WAITING rows for every shipped item of a non-temporary order that has none; how many were made."""
    missing = await OrderItem.filter(kind__in=SHIPPED_KINDS, order__is_temporary=False).exclude(
        id__in=Subquery(Shipment.all().values("item_id"))).values_list("id", flat=True)
    if missing:
        await Shipment.bulk_create([Shipment(item_id=item_id) for item_id in missing], ignore_conflicts=True)
    return len(missing)


@dataclass(frozen=True)
class ShipmentFilter:
    ordered_from: date | None = None  # Seoul business days, both ends included
    ordered_to: date | None = None
    statuses: list[ShipmentStatus] = field(default_factory=list)
    carrier_id: int | None = None
    keyword: str = ""  # order number, product name, member name or login id, invoice number


def filtered_shipments(flt: ShipmentFilter):
    """The shipments the filter keeps (temporary orders never), unordered."""
    query = Shipment.filter(item__order__is_temporary=False)
    if flt.ordered_from:
        query = query.filter(item__order__ordered_at__gte=seoul_day_start_utc(flt.ordered_from))
    if flt.ordered_to:
        query = query.filter(item__order__ordered_at__lt=seoul_day_start_utc(flt.ordered_to + timedelta(days=1)))
    if flt.statuses:
        query = query.filter(status__in=list(flt.statuses))
    if flt.carrier_id:
        query = query.filter(carrier_id=flt.carrier_id)
    keyword = flt.keyword.strip()
    if keyword:
        query = query.filter(Q(item__order__number__icontains=keyword) | Q(item__product_name__icontains=keyword)
                             | Q(item__order__member__name__icontains=keyword)
                             | Q(item__order__member__login_id__icontains=keyword)
                             | Q(invoice_number__icontains=keyword))
    return query


async def list_shipments(actor: Actor, flt: ShipmentFilter, page: PageRequest) -> Page[Shipment]:
    """Newest orders first, items in order; each shipment comes with its item, order, member and carrier."""
    require_read_shop(actor)
    page.validate()
    await create_missing_shipments()
    query = filtered_shipments(flt).select_related("item", "item__order", "item__order__member", "carrier")
    return await paginate(query.order_by("-item__order__ordered_at", "-item__order_id", "item_id"), page)


async def get_shipment(actor: Actor, shipment_id: int) -> Shipment:
    require_read_shop(actor)
    shipment = await Shipment.get_or_none(id=shipment_id).select_related("item", "item__order", "carrier")
    if shipment is None:
        raise Refused.because("NOT_FOUND", "id")
    return shipment


def is_cancelled(order: Order, item: OrderItem) -> bool:
    return order.status == OrderStatus.CANCELLED or item.status in (ItemStatus.CANCELLED, ItemStatus.REFUNDED)


def move_problem(shipment: Shipment, target: ShipmentStatus) -> str | None:
    """Why `shipment` (item and order fetched) may not move to `target`, or None."""
    if is_cancelled(shipment.item.order, shipment.item):
        return "SHIPMENT_ORDER_CANCELLED"
    if shipment.status == ShipmentStatus.PURCHASE_CONFIRMED and target != ShipmentStatus.PURCHASE_CONFIRMED:
        return "SHIPMENT_CONFIRMED"
    return None


def apply_status(shipment: Shipment, target: ShipmentStatus, at: datetime) -> None:
    """Set the status and keep delivered_at in step with it (see the module's docstring)."""
    shipment.status = target
    delivered = STATUS_ORDER.index(target) >= STATUS_ORDER.index(ShipmentStatus.DELIVERED)
    if delivered and shipment.delivered_at is None:
        shipment.delivered_at = at
    elif not delivered:
        shipment.delivered_at = None


async def set_shipment_status(actor: Actor, shipment_ids: list[int], status: str) -> list[Shipment]:
    """Move the selected shipments to `status`: all of them, or none with a problem per refused item
    (field `shipment:<id>`). Items already in that status are left as they are."""
    require_change_shop(actor)
    try:
        target = ShipmentStatus(status)
    except ValueError:
        raise Refused.because("INVALID_CHOICE", "status") from None
    ids = list(dict.fromkeys(shipment_ids))
    if not ids:
        raise Refused.because("NOTHING_SELECTED", "ids")
    if len(ids) > MAX_SELECTED:
        raise Refused.because("TOO_MANY", "ids")
    now = now_utc()
    async with in_transaction():
        shipments = {s.id: s for s in await Shipment.filter(id__in=ids).select_for_update(of=("shipment",))
                     .select_related("item", "item__order")}
        problems = [Problem("NOT_FOUND", f"shipment:{i}") for i in ids if i not in shipments]
        problems += [Problem(code, f"shipment:{s.id}") for s in shipments.values()
                     if s.status != target and (code := move_problem(s, target))]
        if problems:
            raise Refused(*problems)
        for shipment in shipments.values():
            if shipment.status == target:
                continue
            before = snapshot(shipment, AUDITED_FIELDS)
            apply_status(shipment, target, now)
            await shipment.save(update_fields=["status", "delivered_at", "updated_at"])
            await record_change(actor, "shipment.status", shipment, before, snapshot(shipment, AUDITED_FIELDS))
    return [shipments[i] for i in ids]


async def update_shipment(actor: Actor, shipment_id: int, carrier_id: int | None, invoice_number: str) -> Shipment:
    """One item's carrier and invoice number (seed 001's 배송정보 row); the status is left alone.
    An empty invoice number clears it; the carrier must be in use unless it is the one already set."""
    require_change_shop(actor)
    invoice = (invoice_number or "").strip()
    if invoice and not INVOICE.fullmatch(invoice):
        raise Refused.because("UPLOAD_INVOICE_INVALID", "invoice_number")
    async with in_transaction():
        shipment = await Shipment.filter(id=shipment_id).select_for_update(of=("shipment",)).select_related(
            "item", "item__order").first()
        if shipment is None:
            raise Refused.because("NOT_FOUND", "id")
        if carrier_id is not None and carrier_id != shipment.carrier_id:
            carrier = await Carrier.get_or_none(id=carrier_id)
            if carrier is None:
                raise Refused.because("NOT_FOUND", "carrier_id")
            if not carrier.is_active:
                raise Refused.because("CARRIER_INACTIVE", "carrier_id")
        if is_cancelled(shipment.item.order, shipment.item):
            raise Refused.because("SHIPMENT_ORDER_CANCELLED", "id")
        before = snapshot(shipment, AUDITED_FIELDS)
        shipment.carrier_id, shipment.invoice_number = carrier_id, invoice
        await shipment.save(update_fields=["carrier_id", "invoice_number", "updated_at"])
        await record_change(actor, "shipment.update", shipment, before, snapshot(shipment, AUDITED_FIELDS))
    await shipment.fetch_related("carrier")
    return shipment
