"""Shipping (SPEC section 4, seed 001 배송관리): carriers and one shipment per order item."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class ShipmentStatus(StrEnum):
    WAITING = "WAITING"
    PREPARING = "PREPARING"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    PURCHASE_CONFIRMED = "PURCHASE_CONFIRMED"


class Carrier(Model):
    """A courier. `tracking_url` holds "{invoice}" where the invoice number goes."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=50)
    tracking_url = fields.CharField(max_length=300, default="")
    is_active = fields.BooleanField(default=True)

    class Meta:
        table = "carrier"
        ordering = ["name"]


class Shipment(Model):
    id = fields.IntField(primary_key=True)
    item = fields.OneToOneField("models.OrderItem", related_name="shipment", on_delete=fields.CASCADE)
    carrier = fields.ForeignKeyField("models.Carrier", related_name="shipments", null=True,
                                     on_delete=fields.SET_NULL)
    invoice_number = fields.CharField(max_length=50, default="")
    status = fields.CharEnumField(ShipmentStatus, max_length=20, default=ShipmentStatus.WAITING)
    delivered_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "shipment"
        indexes = (("status",),)


class InvoiceUploadStatus(StrEnum):
    PREVIEW = "PREVIEW"
    APPLIED = "APPLIED"
    CANCELLED = "CANCELLED"


class InvoiceUpload(Model):
    """A bulk invoice spreadsheet: parsed rows with their errors are kept for the preview, and
    nothing changes until the operator applies it."""

    id = fields.IntField(primary_key=True)
    carrier = fields.ForeignKeyField("models.Carrier", related_name="uploads", on_delete=fields.RESTRICT)
    target_status = fields.CharEnumField(ShipmentStatus, max_length=20)
    filename = fields.CharField(max_length=200)
    rows = fields.JSONField(default=list)
    status = fields.CharEnumField(InvoiceUploadStatus, max_length=16, default=InvoiceUploadStatus.PREVIEW)
    created_by = fields.ForeignKeyField("models.Operator", related_name="invoice_uploads", null=True,
                                        on_delete=fields.SET_NULL)
    created_at = fields.DatetimeField(auto_now_add=True)
    applied_at = fields.DatetimeField(null=True)

    class Meta:
        table = "invoice_upload"
        ordering = ["-id"]
