"""Orders and their items: the minimal model checkout needs (the orders issue extends it)."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models.catalog import ProductKind
from models.coupons import Channel


class OrderStatus(StrEnum):
    PAID = "PAID"
    AWAITING_DEPOSIT = "AWAITING_DEPOSIT"
    CANCELLED = "CANCELLED"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    FULLY_REFUNDED = "FULLY_REFUNDED"


class Order(Model):
    """paid_amount = list_total - subsidy - coupon_discount + shipping_fee - shipping_discount."""

    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=200)
    site = fields.ForeignKeyField("models.Site", related_name="orders", on_delete=fields.RESTRICT)
    member = fields.ForeignKeyField("models.Member", related_name="orders", on_delete=fields.RESTRICT)
    channel = fields.CharEnumField(Channel, max_length=16)
    status = fields.CharEnumField(OrderStatus, max_length=20, default=OrderStatus.PAID)
    list_total = fields.IntField()
    subsidy = fields.IntField(default=0)
    coupon_discount = fields.IntField(default=0)
    shipping_fee = fields.IntField(default=0)
    shipping_discount = fields.IntField(default=0)
    paid_amount = fields.IntField()
    # Part of paid_amount settled with gift cards (the rest is paid with `payment_method`).
    gift_card_amount = fields.IntField(default=0, db_default=0)
    gifts = fields.JSONField(default=list)
    idempotency_key = fields.CharField(max_length=100, null=True)
    ordered_at = fields.DatetimeField()
    cancelled_at = fields.DatetimeField(null=True)

    class Meta:
        table = "shop_order"
        ordering = ["-id"]
        unique_together = (("member", "idempotency_key"),)
        indexes = (("ordered_at",),)


class OrderItem(Model):
    id = fields.IntField(primary_key=True)
    order = fields.ForeignKeyField("models.Order", related_name="items", on_delete=fields.CASCADE)
    product = fields.ForeignKeyField("models.Product", related_name="order_items", null=True,
                                     on_delete=fields.SET_NULL)
    product_name = fields.CharField(max_length=200)
    category_id = fields.IntField(null=True)
    kind = fields.CharEnumField(ProductKind, max_length=16)
    quantity = fields.IntField()
    unit_price = fields.IntField()
    list_amount = fields.IntField()
    discount = fields.IntField(default=0)
    paid_amount = fields.IntField()
    training_card = fields.BooleanField(default=False)

    class Meta:
        table = "order_item"
        ordering = ["id"]


class OrderCoupon(Model):
    """A coupon used by an order, with the discount it gave and the line it applied to (PRODUCT coupons)."""

    id = fields.IntField(primary_key=True)
    order = fields.ForeignKeyField("models.Order", related_name="coupons", on_delete=fields.CASCADE)
    member_coupon = fields.ForeignKeyField("models.MemberCoupon", related_name="order_uses",
                                           on_delete=fields.RESTRICT)
    item = fields.ForeignKeyField("models.OrderItem", related_name="coupons", null=True, on_delete=fields.SET_NULL)
    discount = fields.IntField()

    class Meta:
        table = "order_coupon"
