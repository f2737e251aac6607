"""Shipping in GraphQL: carriers, shipments, status changes, and the bulk invoice upload (the
spreadsheet comes as base64 XLSX content; the console posts the file itself)."""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime

import strawberry
from strawberry.types import Info

from gql.resolvers import shipping, shipping_upload
from gql.resolvers.errors import Refused
from gql.schema.common import (
    Connection,
    UserError,
    connection_from_page,
    page_request,
    payload_of,
    query_or_error,
    to_pk,
)
from gql.schema.permissions import CanChangeShop, CanReadShop
from models.shipping import Carrier, InvoiceUpload, InvoiceUploadStatus, Shipment, ShipmentStatus

ShipmentStatusEnum = strawberry.enum(ShipmentStatus, name="ShipmentStatus")
InvoiceUploadStatusEnum = strawberry.enum(InvoiceUploadStatus, name="InvoiceUploadStatus")


@strawberry.type(name="Carrier")
class CarrierNode:
    id: strawberry.ID
    name: str
    code: str
    tracking_url: str = strawberry.field(description='A template: "{invoice}" marks the invoice number.')
    is_active: bool

    @classmethod
    def from_model(cls, c: Carrier) -> CarrierNode:
        return cls(id=strawberry.ID(str(c.id)), name=c.name, code=c.code, tracking_url=c.tracking_url,
                   is_active=c.is_active)


@strawberry.type(name="Shipment")
class ShipmentNode:
    id: strawberry.ID
    item_id: strawberry.ID
    order_id: strawberry.ID
    order_number: str
    product_name: str
    quantity: int
    carrier: CarrierNode | None
    invoice_number: str
    status: ShipmentStatusEnum
    delivered_at: datetime | None
    tracking_url: str | None = strawberry.field(description="The carrier's tracking page for the invoice.")

    @classmethod
    def from_model(cls, s: Shipment) -> ShipmentNode:
        """Needs item, item.order and carrier fetched."""
        carrier = s.carrier if s.carrier_id else None
        return cls(id=strawberry.ID(str(s.id)), item_id=strawberry.ID(str(s.item_id)),
                   order_id=strawberry.ID(str(s.item.order_id)), order_number=s.item.order.number,
                   product_name=s.item.product_name, quantity=s.item.quantity,
                   carrier=CarrierNode.from_model(carrier) if carrier else None,
                   invoice_number=s.invoice_number, status=s.status, delivered_at=s.delivered_at,
                   tracking_url=shipping.tracking_url(s))


@strawberry.type(name="InvoiceUploadRow", description="A row of the sheet; `error` is a reason code or null.")
class InvoiceUploadRowNode:
    row: int = strawberry.field(description="As the spreadsheet numbers it.")
    order_number: str
    item_number: str
    invoice_number: str
    product_name: str
    shipment_id: strawberry.ID | None
    current_status: str
    current_invoice: str
    error: str | None
    message: str | None
    message_ko: str | None


@strawberry.type(name="InvoiceUpload")
class InvoiceUploadNode:
    id: strawberry.ID
    carrier_id: strawberry.ID
    target_status: ShipmentStatusEnum
    filename: str
    status: InvoiceUploadStatusEnum
    created_at: datetime
    applied_at: datetime | None
    good_rows: int
    bad_rows: int
    rows: list[InvoiceUploadRowNode]

    @classmethod
    def from_model(cls, u: InvoiceUpload) -> InvoiceUploadNode:
        good, bad = shipping_upload.counts(u)
        rows = [InvoiceUploadRowNode(
            row=r.row, order_number=r.order_number, item_number=r.item_number, invoice_number=r.invoice_number,
            product_name=r.product_name, shipment_id=strawberry.ID(str(r.shipment_id)) if r.shipment_id else None,
            current_status=r.current_status, current_invoice=r.current_invoice, error=r.error,
            message=r.message or None, message_ko=r.message_ko or None) for r in shipping_upload.upload_rows(u)]
        return cls(id=strawberry.ID(str(u.id)), carrier_id=strawberry.ID(str(u.carrier_id)),
                   target_status=u.target_status, filename=u.filename, status=u.status, created_at=u.created_at,
                   applied_at=u.applied_at, good_rows=good, bad_rows=bad, rows=rows)


@strawberry.input
class CarrierInput:
    name: str
    code: str
    tracking_url: str = ""


@strawberry.type
class CarrierPayload:
    carrier: CarrierNode | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ShipmentsPayload:
    shipments: list[ShipmentNode] | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class InvoiceUploadPayload:
    upload: InvoiceUploadNode | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _carrier_input(data: CarrierInput) -> shipping.CarrierInput:
    return shipping.CarrierInput(name=data.name, code=data.code, tracking_url=data.tracking_url)


async def _shipments(shipments: list[Shipment]) -> list[Shipment]:
    for s in shipments:
        await s.fetch_related("item", "item__order", "carrier")
    return shipments


def _decode(content: str) -> bytes:
    try:
        return base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        raise Refused.because("UPLOAD_UNREADABLE", "content") from None


@strawberry.type
class ShippingQuery:
    @strawberry.field(permission_classes=[CanReadShop])
    async def carriers(self, info: Info, active_only: bool = False) -> list[CarrierNode]:
        return [CarrierNode.from_model(c)
                for c in await query_or_error(shipping.list_carriers(info.context.actor, active_only))]

    @strawberry.field(permission_classes=[CanReadShop],
                      description="Shipments of book items, newest orders first; order dates are Seoul days.")
    async def shipments(self, info: Info, first: int = 20, after: str | None = None,
                        ordered_from: date | None = None, ordered_to: date | None = None,
                        statuses: list[ShipmentStatusEnum] | None = None, carrier_id: strawberry.ID | None = None,
                        keyword: str = "") -> Connection[ShipmentNode]:
        flt = shipping.ShipmentFilter(ordered_from=ordered_from, ordered_to=ordered_to,
                                      statuses=[ShipmentStatus(s.value) for s in statuses or []],
                                      carrier_id=to_pk(carrier_id, "carrierId"), keyword=keyword)
        page = await query_or_error(shipping.list_shipments(info.context.actor, flt, page_request(first, after)))
        return connection_from_page(page, ShipmentNode.from_model)

    @strawberry.field(permission_classes=[CanReadShop])
    async def invoice_upload(self, info: Info, id: strawberry.ID) -> InvoiceUploadNode | None:
        try:
            return InvoiceUploadNode.from_model(await shipping_upload.get_invoice_upload(info.context.actor,
                                                                                         to_pk(id, "id")))
        except Refused:
            return None


@strawberry.type
class ShippingMutation:
    @strawberry.mutation(permission_classes=[CanChangeShop])
    async def create_carrier(self, info: Info, input: CarrierInput) -> CarrierPayload:
        return await payload_of(CarrierPayload, "carrier", CarrierNode.from_model,
                                shipping.create_carrier(info.context.actor, _carrier_input(input)))

    @strawberry.mutation(permission_classes=[CanChangeShop])
    async def update_carrier(self, info: Info, id: strawberry.ID, input: CarrierInput) -> CarrierPayload:
        return await payload_of(CarrierPayload, "carrier", CarrierNode.from_model,
                                shipping.update_carrier(info.context.actor, to_pk(id, "id"), _carrier_input(input)))

    @strawberry.mutation(permission_classes=[CanChangeShop], description="Inactive carriers cannot be chosen.")
    async def set_carrier_active(self, info: Info, id: strawberry.ID, active: bool) -> CarrierPayload:
        return await payload_of(CarrierPayload, "carrier", CarrierNode.from_model,
                                shipping.set_carrier_active(info.context.actor, to_pk(id, "id"), active))

    @strawberry.mutation(permission_classes=[CanChangeShop],
                         description="Move the selected shipments to a status: all of them or none. Out of "
                                     "PURCHASE_CONFIRMED, and items of cancelled orders, are refused.")
    async def set_shipment_status(self, info: Info, ids: list[strawberry.ID],
                                  status: ShipmentStatusEnum) -> ShipmentsPayload:
        async def change() -> list[Shipment]:
            pks = [to_pk(i, "ids") for i in ids]
            return await _shipments(await shipping.set_shipment_status(info.context.actor, pks, status.value))

        return await payload_of(ShipmentsPayload, "shipments", lambda s: [ShipmentNode.from_model(x) for x in s],
                                change())

    @strawberry.mutation(permission_classes=[CanChangeShop],
                         description="One item's carrier and invoice number; the status is left alone.")
    async def update_shipment(self, info: Info, id: strawberry.ID, carrier_id: strawberry.ID | None,
                              invoice_number: str) -> ShipmentsPayload:
        async def update() -> list[Shipment]:
            shipment = await shipping.update_shipment(info.context.actor, to_pk(id, "id"),
                                                      to_pk(carrier_id, "carrierId"), invoice_number)
            return [shipment]

        return await payload_of(ShipmentsPayload, "shipments", lambda s: [ShipmentNode.from_model(x) for x in s],
                                update())

    @strawberry.mutation(permission_classes=[CanChangeShop],
                         description="Read an XLSX sheet (base64; columns 주문번호, 항목번호, 송장번호) into a "
                                     "preview with row errors. Nothing changes until applyInvoiceUpload.")
    async def upload_invoices(self, info: Info, carrier_id: strawberry.ID, target_status: ShipmentStatusEnum,
                              filename: str, content: str) -> InvoiceUploadPayload:
        async def preview() -> InvoiceUpload:
            return await shipping_upload.preview_invoice_upload(
                info.context.actor, to_pk(carrier_id, "carrierId"), target_status.value, filename, _decode(content))

        return await payload_of(InvoiceUploadPayload, "upload", InvoiceUploadNode.from_model, preview())

    @strawberry.mutation(permission_classes=[CanChangeShop],
                         description="Write the preview's good rows: invoice number, carrier, status. Once.")
    async def apply_invoice_upload(self, info: Info, id: strawberry.ID) -> InvoiceUploadPayload:
        return await payload_of(InvoiceUploadPayload, "upload", InvoiceUploadNode.from_model,
                                shipping_upload.apply_invoice_upload(info.context.actor, to_pk(id, "id")))

    @strawberry.mutation(permission_classes=[CanChangeShop], description="Drop a preview; nothing changes.")
    async def cancel_invoice_upload(self, info: Info, id: strawberry.ID) -> InvoiceUploadPayload:
        return await payload_of(InvoiceUploadPayload, "upload", InvoiceUploadNode.from_model,
                                shipping_upload.cancel_invoice_upload(info.context.actor, to_pk(id, "id")))
