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


class PaymentMethod(StrEnum):
    CARD = "CARD"
    BANK_TRANSFER = "BANK_TRANSFER"
    VIRTUAL_ACCOUNT = "VIRTUAL_ACCOUNT"
    MOBILE = "MOBILE"
    FOREIGN_CARD = "FOREIGN_CARD"
    SHOP_ACCOUNT = "SHOP_ACCOUNT"  # deposit to the shop's own account, confirmed by an operator
    TRAINING_CARD = "TRAINING_CARD"
    FREE = "FREE"


class ItemStatus(StrEnum):
    ORDERED = "ORDERED"
    CANCELLED = "CANCELLED"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    REFUNDED = "REFUNDED"


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
    refunded_amount = fields.IntField(default=0, db_default=0)
    payment_method = fields.CharEnumField(PaymentMethod, max_length=20, default=PaymentMethod.CARD,
                                          db_default=PaymentMethod.CARD.value)
    # Carts saved before payment (seed 001 "임시주문"): hidden from lists unless asked for.
    is_temporary = fields.BooleanField(default=False, db_default=False)
    paid_at = fields.DatetimeField(null=True)
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
    # The product's list price per unit; unit_price is what it sold for (seed 001 정가 / 판매가).
    list_price = fields.IntField(default=0, db_default=0)
    list_amount = fields.IntField()
    discount = fields.IntField(default=0)
    paid_amount = fields.IntField()
    # Government training-card subsidy on this line (the orders' `subsidy` is their sum).
    subsidy = fields.IntField(default=0, db_default=0)
    refunded_amount = fields.IntField(default=0, db_default=0)
    status = fields.CharEnumField(ItemStatus, max_length=20, default=ItemStatus.ORDERED,
                                  db_default=ItemStatus.ORDERED.value)
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


class PaymentRecord(Model):
    """What the payment gateway reported for an order (seed 001 결제내역)."""

    id = fields.IntField(primary_key=True)
    order = fields.ForeignKeyField("models.Order", related_name="payments", on_delete=fields.CASCADE)
    method = fields.CharEnumField(PaymentMethod, max_length=20)
    amount = fields.IntField()
    transaction_id = fields.CharField(max_length=100, default="")
    result_code = fields.CharField(max_length=20, default="")
    result_message = fields.CharField(max_length=200, default="")
    card_issuer = fields.CharField(max_length=50, default="")
    installment_months = fields.IntField(default=0)
    paid_at = fields.DatetimeField(null=True)
    gateway_response = fields.JSONField(default=dict)

    class Meta:
        table = "payment_record"
        ordering = ["id"]
