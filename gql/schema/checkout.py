"""Checkout in GraphQL: validate a cart against the wallet, place and cancel orders."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from gql.resolvers import checkout
from gql.resolvers.errors import REASONS, Refused
from gql.schema.catalog import ProductKindEnum
from gql.schema.common import UserError, payload_of, query_or_error, to_pk
from gql.schema.coupons import ChannelEnum, MemberCouponNode
from gql.schema.orders import OrderNode, PaymentMethodEnum  # the order types live with the orders domain
from models.orders import PaymentMethod


@strawberry.input
class CartLineInput:
    kind: ProductKindEnum
    quantity: int
    unit_price: int = strawberry.field(description="Won per unit.")
    product_id: strawberry.ID | None = None
    category_id: strawberry.ID | None = None
    training_card: bool = strawberry.field(default=False, description="Paid by a government training card.")
    subsidy: int = strawberry.field(default=0, description="Training-card subsidy on this line, in won.")
    name: str = ""


@strawberry.input
class CartInput:
    lines: list[CartLineInput]
    channel: ChannelEnum
    shipping_fee: int = 0
    site_id: strawberry.ID | None = None

    def to_resolver_input(self) -> checkout.CartInput:
        return checkout.CartInput(
            lines=[checkout.CartLineInput(
                kind=line.kind.value, quantity=line.quantity, unit_price=line.unit_price,
                product_id=to_pk(line.product_id, "productId"), category_id=to_pk(line.category_id, "categoryId"),
                training_card=line.training_card, name=line.name, subsidy=line.subsidy) for line in self.lines],
            channel=self.channel.value, shipping_fee=self.shipping_fee, site_id=to_pk(self.site_id, "siteId"))


@strawberry.type
class CouponVerdict:
    member_coupon: MemberCouponNode
    applicable: bool
    discount: int
    line_index: int | None
    gift_name: str
    reason: str | None
    reason_message: str | None
    reason_message_ko: str | None


@strawberry.type
class AppliedCoupon:
    member_coupon_id: strawberry.ID
    coupon_id: strawberry.ID
    discount: int
    line_index: int | None
    on_shipping: bool
    gift_name: str


@strawberry.type
class CheckoutQuote:
    list_total: int
    item_discount: int
    shipping_fee: int
    shipping_discount: int
    total: int
    gifts: list[str]
    line_discounts: list[int]
    coupons: list[AppliedCoupon]


@strawberry.type
class CheckoutValidation:
    coupons_enabled: bool
    list_total: int
    shipping_fee: int
    coupons: list[CouponVerdict]
    best: CheckoutQuote | None


def _quote(quote) -> CheckoutQuote:
    return CheckoutQuote(
        list_total=quote.cart.list_total, item_discount=quote.item_discount, shipping_fee=quote.cart.shipping_fee,
        shipping_discount=quote.shipping_discount, total=quote.total, gifts=quote.gifts,
        line_discounts=quote.line_discounts,
        coupons=[AppliedCoupon(member_coupon_id=strawberry.ID(str(a.member_coupon_id)),
                               coupon_id=strawberry.ID(str(a.coupon_id)), discount=a.discount,
                               line_index=a.line_index, on_shipping=a.on_shipping, gift_name=a.gift_name)
                 for a in quote.applications])


def _verdict(member_coupon, verdict) -> CouponVerdict:
    en, ko = REASONS.get(verdict.reason, (None, None)) if verdict.reason else (None, None)
    return CouponVerdict(member_coupon=MemberCouponNode.from_model(member_coupon), applicable=verdict.applicable,
                         discount=verdict.discount, line_index=verdict.line_index, gift_name=verdict.gift_name,
                         reason=verdict.reason, reason_message=en, reason_message_ko=ko)


@strawberry.input
class GiftCardPaymentInput:
    code: str
    amount: int


@strawberry.input
class PlaceOrderInput:
    cart: CartInput
    member_id: strawberry.ID | None = strawberry.field(default=None, description="Operators only; members: self.")
    member_coupon_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    coupon_codes: list[str] = strawberry.field(default_factory=list)
    idempotency_key: str | None = None
    gift_cards: list[GiftCardPaymentInput] = strawberry.field(default_factory=list)
    payment_method: PaymentMethodEnum = strawberry.field(
        default=PaymentMethod.CARD, description="SHOP_ACCOUNT and VIRTUAL_ACCOUNT orders await a deposit.")


@strawberry.type
class OrderPayload:
    order: OrderNode | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


async def _order_payload(awaitable) -> OrderPayload:
    return await payload_of(OrderPayload, "order", OrderNode.from_model, awaitable)


@strawberry.type
class CheckoutQuery:
    @strawberry.field(description="Each wallet coupon's discount on this cart, or why it does not apply.")
    async def validate_checkout(self, info: Info, cart: CartInput, member_id: strawberry.ID | None = None,
                                best: bool = False) -> CheckoutValidation:
        result = await query_or_error(checkout.validate_checkout(
            info.context.actor, to_pk(member_id, "memberId"), cart.to_resolver_input(), best))
        return CheckoutValidation(
            coupons_enabled=result.coupons_enabled, list_total=result.cart.list_total,
            shipping_fee=result.cart.shipping_fee, coupons=[_verdict(mc, v) for mc, v in result.verdicts],
            best=_quote(result.best) if result.best else None)

    @strawberry.field
    async def order(self, info: Info, id: strawberry.ID) -> OrderNode | None:
        try:
            return OrderNode.from_model(await checkout.get_order(info.context.actor, to_pk(id, "id")))
        except Refused:
            return None


@strawberry.type
class CheckoutMutation:
    @strawberry.mutation(description="Create the order and redeem its coupons in one transaction.")
    async def place_order(self, info: Info, input: PlaceOrderInput) -> OrderPayload:
        request = checkout.OrderRequest(
            cart=input.cart.to_resolver_input(),
            member_coupon_ids=[to_pk(i, "memberCouponIds") for i in input.member_coupon_ids],
            coupon_codes=input.coupon_codes, idempotency_key=input.idempotency_key,
            gift_cards=[(g.code, g.amount) for g in input.gift_cards], payment_method=input.payment_method.value)
        return await _order_payload(checkout.place_order(info.context.actor, to_pk(input.member_id, "memberId"),
                                                         request))

    @strawberry.mutation(description="Cancel an order; its unexpired coupons return to the wallet.")
    async def cancel_order(self, info: Info, id: strawberry.ID) -> OrderPayload:
        return await _order_payload(checkout.cancel_order(info.context.actor, to_pk(id, "id")))
