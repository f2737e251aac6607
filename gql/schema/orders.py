"""Orders in GraphQL: the operators' list, a member's own orders, an order with its items,
coupons, gift-card payments, payment records, refunds and shipments (all through per-request
DataLoaders, so a page of orders costs the same number of statements whatever its size), and
confirming a deposit."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from gql.resolvers import orders
from gql.resolvers.order_export import start_order_export
from gql.schema.catalog import ProductKindEnum
from gql.schema.common import (
    Connection,
    UserError,
    connection_from_page,
    page_request,
    payload_of,
    query_or_error,
    to_pk,
)
from gql.schema.jobs import JobPayload, JobType
from gql.schema.permissions import CanChangeShop, CanReadShop, IsMember
from models.orders import ItemStatus, Order, OrderCoupon, OrderItem, OrderStatus, PaymentMethod, PaymentRecord

OrderStatusEnum = strawberry.enum(OrderStatus, name="OrderStatus")
PaymentMethodEnum = strawberry.enum(PaymentMethod, name="PaymentMethod")
OrderItemStatusEnum = strawberry.enum(ItemStatus, name="OrderItemStatus")
OrderKeywordFieldEnum = strawberry.enum(orders.KeywordField, name="OrderKeywordField")


def _id(value: int | None) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value is not None else None


@strawberry.type(name="OrderItem")
class OrderItemNode:
    id: strawberry.ID
    product_id: strawberry.ID | None
    product_name: str
    kind: ProductKindEnum
    quantity: int
    list_price: int
    unit_price: int
    list_amount: int
    discount: int
    subsidy: int
    paid_amount: int
    refunded_amount: int
    status: OrderItemStatusEnum
    training_card: bool

    @classmethod
    def from_model(cls, item: OrderItem) -> OrderItemNode:
        return cls(id=strawberry.ID(str(item.id)), product_id=_id(item.product_id),
                   product_name=item.product_name, kind=item.kind, quantity=item.quantity,
                   list_price=item.list_price, unit_price=item.unit_price, list_amount=item.list_amount,
                   discount=item.discount, subsidy=item.subsidy, paid_amount=item.paid_amount,
                   refunded_amount=item.refunded_amount, status=item.status, training_card=item.training_card)


@strawberry.type
class OrderCouponUse:
    member_coupon_id: strawberry.ID
    coupon_id: strawberry.ID
    coupon_name: str
    item_id: strawberry.ID | None
    discount: int

    @classmethod
    def from_model(cls, use: OrderCoupon) -> OrderCouponUse:
        """`use` comes with its member coupon and coupon (orders.coupons_by_order_ids)."""
        coupon = use.member_coupon.coupon
        return cls(member_coupon_id=strawberry.ID(str(use.member_coupon_id)), coupon_id=_id(coupon.id),
                   coupon_name=coupon.name, item_id=_id(use.item_id), discount=use.discount)


@strawberry.type
class OrderGiftCardPayment:
    id: strawberry.ID
    code: str = strawberry.field(description="Masked: only the last four characters.")
    amount: int
    status: str
    at: datetime

    @classmethod
    def from_model(cls, r) -> OrderGiftCardPayment:
        return cls(id=strawberry.ID(str(r.id)), code="*" * max(0, len(r.code_text) - 4) + r.code_text[-4:],
                   amount=r.amount, status=r.status.value, at=r.at)


@strawberry.type(name="PaymentRecord")
class PaymentRecordNode:
    id: strawberry.ID
    method: PaymentMethodEnum
    amount: int
    transaction_id: str
    result_code: str
    result_message: str
    card_issuer: str
    installment_months: int
    paid_at: datetime | None

    @classmethod
    def from_model(cls, p: PaymentRecord) -> PaymentRecordNode:
        return cls(id=strawberry.ID(str(p.id)), method=p.method, amount=p.amount, transaction_id=p.transaction_id,
                   result_code=p.result_code, result_message=p.result_message, card_issuer=p.card_issuer,
                   installment_months=p.installment_months, paid_at=p.paid_at)


@strawberry.type
class OrderRefund:
    id: strawberry.ID
    status: str
    amount: int
    refunded_amount: int
    item_ids: list[strawberry.ID]
    requested_at: datetime
    completed_at: datetime | None

    @classmethod
    def from_model(cls, r) -> OrderRefund:
        return cls(id=strawberry.ID(str(r.id)), status=r.status.value, amount=r.amount,
                   refunded_amount=r.refunded_amount, item_ids=[strawberry.ID(str(i)) for i in r.item_ids or []],
                   requested_at=r.requested_at, completed_at=r.completed_at)


@strawberry.type
class OrderShipment:
    id: strawberry.ID
    item_id: strawberry.ID
    status: str
    carrier_name: str | None
    invoice_number: str
    tracking_url: str | None
    delivered_at: datetime | None

    @classmethod
    def from_model(cls, s) -> OrderShipment:
        carrier = s.carrier
        url = carrier.tracking_url.replace("{invoice}", s.invoice_number) if (
            carrier and carrier.tracking_url and s.invoice_number) else None
        return cls(id=strawberry.ID(str(s.id)), item_id=strawberry.ID(str(s.item_id)), status=s.status.value,
                   carrier_name=carrier.name if carrier else None, invoice_number=s.invoice_number,
                   tracking_url=url, delivered_at=s.delivered_at)


@strawberry.type
class OrderBuyer:
    id: strawberry.ID
    login_id: str
    name: str


@strawberry.type(name="Order")
class OrderNode:
    id: strawberry.ID
    number: str
    name: str
    status: OrderStatusEnum
    member_id: strawberry.ID
    payment_method: PaymentMethodEnum
    is_temporary: bool
    list_total: int
    subsidy: int
    coupon_discount: int
    shipping_fee: int
    shipping_discount: int
    paid_amount: int
    gift_card_amount: int
    refunded_amount: int
    gifts: list[str]
    ordered_at: datetime
    paid_at: datetime | None
    cancelled_at: datetime | None

    @strawberry.field
    async def member(self, info: Info) -> OrderBuyer | None:
        m = await info.context.loaders.member.load(int(self.member_id))
        return OrderBuyer(id=strawberry.ID(str(m.id)), login_id=m.login_id, name=m.name) if m else None

    @strawberry.field
    async def items(self, info: Info) -> list[OrderItemNode]:
        return [OrderItemNode.from_model(i) for i in await info.context.loaders.order_items.load(int(self.id))]

    @strawberry.field
    async def coupons(self, info: Info) -> list[OrderCouponUse]:
        return [OrderCouponUse.from_model(u) for u in await info.context.loaders.order_coupons.load(int(self.id))]

    @strawberry.field(description="Gift cards that paid part of the order (rolled back when cancelled).")
    async def gift_card_payments(self, info: Info) -> list[OrderGiftCardPayment]:
        rows = await info.context.loaders.order_gift_cards.load(int(self.id))
        return [OrderGiftCardPayment.from_model(r) for r in rows]

    @strawberry.field(description="What the payment gateway reported (seed 001 결제내역).")
    async def payments(self, info: Info) -> list[PaymentRecordNode]:
        return [PaymentRecordNode.from_model(p) for p in await info.context.loaders.order_payments.load(int(self.id))]

    @strawberry.field
    async def refunds(self, info: Info) -> list[OrderRefund]:
        return [OrderRefund.from_model(r) for r in await info.context.loaders.order_refunds.load(int(self.id))]

    @strawberry.field
    async def shipments(self, info: Info) -> list[OrderShipment]:
        return [OrderShipment.from_model(s) for s in await info.context.loaders.order_shipments.load(int(self.id))]

    @classmethod
    def from_model(cls, o: Order) -> OrderNode:
        return cls(id=strawberry.ID(str(o.id)), number=o.number, name=o.name, status=o.status,
                   member_id=strawberry.ID(str(o.member_id)), payment_method=o.payment_method,
                   is_temporary=o.is_temporary, list_total=o.list_total, subsidy=o.subsidy,
                   coupon_discount=o.coupon_discount, shipping_fee=o.shipping_fee,
                   shipping_discount=o.shipping_discount, paid_amount=o.paid_amount,
                   gift_card_amount=o.gift_card_amount, refunded_amount=o.refunded_amount, gifts=o.gifts,
                   ordered_at=o.ordered_at, paid_at=o.paid_at, cancelled_at=o.cancelled_at)


@strawberry.input
class OrderFilterInput:
    ordered_from: date | None = strawberry.field(default=None, description="Asia/Seoul date, inclusive.")
    ordered_to: date | None = strawberry.field(default=None, description="Asia/Seoul date, inclusive.")
    paid_from: date | None = strawberry.field(default=None, description="Asia/Seoul date, inclusive.")
    paid_to: date | None = strawberry.field(default=None, description="Asia/Seoul date, inclusive.")
    include_temporary: bool = strawberry.field(default=False, description="Temporary orders are hidden unless asked.")
    payment_method: PaymentMethodEnum | None = None
    status: OrderStatusEnum | None = None
    keyword: str = ""
    keyword_field: OrderKeywordFieldEnum = orders.KeywordField.ALL


def order_filter(f: OrderFilterInput | None) -> orders.OrderFilter:
    f = f or OrderFilterInput()
    return orders.OrderFilter(
        ordered_from=f.ordered_from, ordered_to=f.ordered_to, paid_from=f.paid_from, paid_to=f.paid_to,
        include_temporary=f.include_temporary, payment_method=f.payment_method, status=f.status,
        keyword=f.keyword, keyword_field=f.keyword_field)


@strawberry.type
class ConfirmDepositPayload:
    order: OrderNode | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class OrderQuery:
    @strawberry.field(permission_classes=[CanReadShop], description="Newest first; filters as in the console.")
    async def orders(self, info: Info, first: int = 20, after: str | None = None,
                     filter: OrderFilterInput | None = None) -> Connection[OrderNode]:
        page = await query_or_error(
            orders.list_orders(info.context.actor, order_filter(filter), page_request(first, after)))
        return connection_from_page(page, OrderNode.from_model)

    @strawberry.field(permission_classes=[IsMember], description="The signed-in member's own orders.")
    async def my_orders(self, info: Info, first: int = 20, after: str | None = None,
                        filter: OrderFilterInput | None = None) -> Connection[OrderNode]:
        page = await query_or_error(
            orders.list_my_orders(info.context.actor, order_filter(filter), page_request(first, after)))
        return connection_from_page(page, OrderNode.from_model)


@strawberry.type
class OrderMutation:
    @strawberry.mutation(permission_classes=[CanChangeShop],
                         description="An order awaiting its deposit becomes PAID (seed 001 입금확인).")
    async def confirm_deposit(self, info: Info, id: strawberry.ID) -> ConfirmDepositPayload:
        return await payload_of(ConfirmDepositPayload, "order", OrderNode.from_model,
                                orders.confirm_deposit(info.context.actor, to_pk(id, "id")))

    @strawberry.mutation(permission_classes=[CanChangeShop],
                         description="An XLSX of the filtered order list, made by a job (seed 001 EXCEL).")
    async def start_order_export(self, info: Info, filter: OrderFilterInput | None = None) -> JobPayload:
        return await payload_of(JobPayload, "job", JobType.from_model,
                                start_order_export(info.context.actor, order_filter(filter)))
