"""Checkout: judge a cart against a member's wallet, place an order that redeems its coupons
in the same transaction, and cancel an order (giving its coupons back).

Limits hold under concurrent checkouts because every count moves by a conditional
UPDATE inside the order's transaction (`used_count < total_limit`, and the same per
member and per member coupon); any refusal rolls the whole order back.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from gql.resolvers.access import Actor, ActorKind, require_change_shop
from gql.resolvers.audit import record_change
from gql.resolvers.coupon_codes import redeem_code_for
from gql.resolvers.coupon_issuing import fire_event, member_count_row, weekday_allowed
from gql.resolvers.errors import Problem, Refused
from gql.resolvers.giftcards import record_failed_redemption, roll_back_order_redemptions, take_from_card
from gql.resolvers.pricing import (
    Cart,
    CartLine,
    CouponTerms,
    Offer,
    Quote,
    Verdict,
    best_combination,
    judge,
    quote_selection,
)
from gql.resolvers.shop_settings import coupons_enabled
from kupon.timeutil import now_utc, seoul_today
from models.catalog import ProductKind
from models.coupons import (
    Channel,
    Coupon,
    CouponMemberCount,
    CouponStatus,
    MemberCoupon,
    MemberCouponStatus,
    TriggerEvent,
    UseWindow,
)
from models.members import Member
from models.orders import Order, OrderCoupon, OrderItem, OrderStatus


@dataclass(frozen=True)
class CartLineInput:
    kind: str
    quantity: int
    unit_price: int
    product_id: int | None = None
    category_id: int | None = None
    training_card: bool = False
    name: str = ""


@dataclass(frozen=True)
class CartInput:
    lines: list[CartLineInput]
    channel: str
    shipping_fee: int = 0
    site_id: int | None = None


def clean_cart(data: CartInput) -> Cart:
    problems: list[Problem] = []
    if not data.lines:
        problems.append(Problem("EMPTY_CART", "lines"))
    lines = []
    for index, line in enumerate(data.lines):
        where = f"lines.{index}"
        if line.quantity < 1:
            problems.append(Problem("INVALID_QUANTITY", f"{where}.quantity"))
        if line.unit_price < 0:
            problems.append(Problem("INVALID_PRICE", f"{where}.unit_price"))
        if line.kind not in ProductKind.__members__:
            problems.append(Problem("INVALID_CHOICE", f"{where}.kind"))
            continue
        lines.append(CartLine(line.product_id, line.category_id, ProductKind(line.kind), line.quantity,
                              line.unit_price, line.training_card, line.name))
    if data.shipping_fee < 0:
        problems.append(Problem("INVALID_PRICE", "shipping_fee"))
    if data.channel not in Channel.__members__:
        problems.append(Problem("INVALID_CHOICE", "channel"))
    if problems:
        raise Refused(*problems)
    return Cart(tuple(lines), Channel(data.channel), data.shipping_fee, data.site_id)


def use_refusal(member_coupon: MemberCoupon, counts: dict[int, int], now: datetime) -> str | None:
    """Why a wallet coupon cannot be used now, before looking at the cart."""
    coupon: Coupon = member_coupon.coupon
    if member_coupon.status != MemberCouponStatus.AVAILABLE:
        return "COUPON_EXPIRED" if member_coupon.status == MemberCouponStatus.EXPIRED else "COUPON_NOT_AVAILABLE"
    if member_coupon.expires_at is not None and member_coupon.expires_at <= now:
        return "COUPON_EXPIRED"
    if coupon.use_status != CouponStatus.ACTIVE:
        return "COUPON_USE_STOPPED"
    if coupon.use_window == UseWindow.RANGE and coupon.use_from and now < coupon.use_from:
        return "COUPON_NOT_YET_USABLE"
    if not weekday_allowed(coupon.use_weekdays, now):
        return "WRONG_WEEKDAY"
    if coupon.total_limit is not None and coupon.used_count >= coupon.total_limit:
        return "COUPON_LIMIT_REACHED"
    if coupon.per_member_limit is not None and counts.get(coupon.id, 0) >= coupon.per_member_limit:
        return "MEMBER_LIMIT_REACHED"
    return None


async def wallet_offers(member_id: int, now: datetime, member_coupon_ids: list[int] | None = None,
                        disabled: bool = False) -> list[tuple[MemberCoupon, Offer]]:
    """The member's usable coupons (or exactly the given ones) as pricing offers, three queries in all."""
    query = MemberCoupon.filter(member_id=member_id).select_related("coupon")
    if member_coupon_ids is None:
        query = query.filter(status=MemberCouponStatus.AVAILABLE)
    else:
        query = query.filter(id__in=member_coupon_ids)
    wallet = list(await query.order_by("id"))
    used = {row.coupon_id: row.used for row in await CouponMemberCount.filter(
        member_id=member_id, coupon_id__in={mc.coupon_id for mc in wallet})}
    return [(mc, Offer(mc.id, CouponTerms.of(mc.coupon),
                       "COUPONS_DISABLED" if disabled else use_refusal(mc, used, now))) for mc in wallet]


def checkout_member_id(actor: Actor, member_id: int | None) -> int:
    """A member checks out for themself; an operator (not a viewer) for a chosen member."""
    if actor.kind == ActorKind.MEMBER:
        if member_id not in (None, actor.member_id):
            raise Refused.because("FORBIDDEN", "member_id")
        return actor.member_id
    require_change_shop(actor)
    if member_id is None:
        raise Refused.because("REQUIRED", "member_id")
    return member_id


@dataclass
class Validation:
    cart: Cart
    verdicts: list[tuple[MemberCoupon, Verdict]]
    best: Quote | None = None
    coupons_enabled: bool = True


async def validate_checkout(actor: Actor, member_id: int | None, data: CartInput,
                            with_best: bool = False) -> Validation:
    """Every wallet coupon with the discount it gives alone, or why it does not apply."""
    member_id = checkout_member_id(actor, member_id)
    cart = clean_cart(data)
    enabled = await coupons_enabled()
    offers = await wallet_offers(member_id, now_utc(), disabled=not enabled)
    verdicts = [(mc, judge(offer, cart)) for mc, offer in offers]
    best = best_combination([o for _, o in offers], cart) if with_best and enabled else None
    return Validation(cart, verdicts, best, enabled)


@dataclass(frozen=True)
class OrderRequest:
    cart: CartInput
    member_coupon_ids: list[int] = field(default_factory=list)
    coupon_codes: list[str] = field(default_factory=list)
    idempotency_key: str | None = None
    # (code, amount) pairs: gift cards paying part of the order after discounts.
    gift_cards: list[tuple[str, int]] = field(default_factory=list)


async def place_order(actor: Actor, member_id: int | None, request: OrderRequest) -> Order:
    """Create the order and redeem its coupons atomically. A retry with the same idempotency
    key returns the first order and redeems nothing again."""
    member_id = checkout_member_id(actor, member_id)
    cart = clean_cart(request.cart)
    key = (request.idempotency_key or "").strip() or None
    if key and (existing := await Order.get_or_none(member_id=member_id, idempotency_key=key)):
        return existing
    if (request.member_coupon_ids or request.coupon_codes) and not await coupons_enabled():
        raise Refused.because("COUPONS_DISABLED", "member_coupon_ids")
    member = await Member.get_or_none(id=member_id)
    if member is None:
        raise Refused.because("NOT_FOUND", "member_id")
    for coupon_id in set(await MemberCoupon.filter(id__in=request.member_coupon_ids, member_id=member_id)
                         .values_list("coupon_id", flat=True)):
        await member_count_row(coupon_id, member_id)
    try:
        order = await _place(member, cart, request, key)
    except Refused as refused:
        await _record_gift_card_failures(refused, request)
        raise
    except IntegrityError:
        if key and (existing := await Order.get_or_none(member_id=member_id, idempotency_key=key)):
            return existing  # a concurrent retry got there first
        raise
    if not await Order.filter(member_id=member_id).exclude(id=order.id).exclude(
            status=OrderStatus.CANCELLED).exists():
        await fire_event(TriggerEvent.FIRST_PURCHASE, member, "FIRST_PURCHASE")
    return order


async def _place(member: Member, cart: Cart, request: OrderRequest, key: str | None) -> Order:
    now = now_utc()
    async with in_transaction():
        order = await Order.create(
            number=f"{seoul_today(now):%Y%m%d}-{secrets.token_hex(6).upper()}", name=_order_name(cart),
            site_id=cart.site_id or member.site_id, member=member, channel=cart.channel,
            list_total=cart.list_total, shipping_fee=cart.shipping_fee, paid_amount=0, idempotency_key=key,
            ordered_at=now, paid_at=now,  # paid when placed (the payment date filter reads this)
        )
        ids = list(dict.fromkeys(request.member_coupon_ids))
        for text in request.coupon_codes:
            ids.append((await redeem_code_for(member, text)).id)
        offers = await wallet_offers(member.id, now, ids)
        missing = set(ids) - {mc.id for mc, _ in offers}
        if missing:
            raise Refused(*(Problem("NOT_FOUND", f"coupon:{i}") for i in sorted(missing)))
        quote = quote_selection([offer for _, offer in offers], cart)
        coupons_of = {mc.id: mc for mc, _ in offers}
        for application in quote.applications:
            await _redeem(coupons_of[application.member_coupon_id], member.id, order.id, now)
        items = [await OrderItem.create(
            order=order, product_id=line.product_id, product_name=line.name, category_id=line.category_id,
            kind=line.kind, quantity=line.quantity, unit_price=line.unit_price, list_amount=line.amount,
            discount=discount, paid_amount=line.amount - discount, training_card=line.training_card,
        ) for line, discount in zip(cart.lines, quote.line_discounts, strict=True)]
        for application in quote.applications:
            await OrderCoupon.create(
                order=order, member_coupon_id=application.member_coupon_id, discount=application.discount,
                item=items[application.line_index] if application.line_index is not None else None)
        order.coupon_discount, order.shipping_discount = quote.item_discount, quote.shipping_discount
        order.paid_amount, order.gifts = quote.total, quote.gifts
        order.gift_card_amount = await _pay_with_gift_cards(request.gift_cards, quote.total, order.id)
        await order.save(update_fields=["coupon_discount", "shipping_discount", "paid_amount", "gifts",
                                        "gift_card_amount"])
    return order


async def _pay_with_gift_cards(cards: list[tuple[str, int]], total: int, order_id: int) -> int:
    paid = sum(amount for _, amount in cards)
    if paid > total:
        raise Refused.because("GIFT_CARD_OVERPAY", "gift_cards")
    for code, amount in cards:
        await take_from_card(code, amount, order_id, "ORDER")
    return paid


async def _record_gift_card_failures(refused: Refused, request: OrderRequest) -> None:
    """A failed gift card inside the order rolled back with it: record the attempt afterwards."""
    amounts = dict(request.gift_cards)
    for problem in refused.problems:
        if problem.field and problem.field.startswith("giftCard:"):
            code = problem.field.split(":", 1)[1]
            await record_failed_redemption(code, amounts.get(code, 0), problem.code, "ORDER")


async def _redeem(member_coupon: MemberCoupon, member_id: int, order_id: int, now: datetime) -> None:
    """Three conditional updates; any that finds its limit reached refuses (and rolls back the order)."""
    coupon = member_coupon.coupon
    if not await MemberCoupon.filter(id=member_coupon.id, status=MemberCouponStatus.AVAILABLE).update(
            status=MemberCouponStatus.USED, used_at=now, order_id=order_id):
        raise Refused.because("COUPON_NOT_AVAILABLE", f"coupon:{member_coupon.id}")
    total = Coupon.filter(id=coupon.id)
    if coupon.total_limit is not None:
        total = total.filter(used_count__lt=coupon.total_limit)
    if not await total.update(used_count=F("used_count") + 1):
        raise Refused.because("COUPON_LIMIT_REACHED", f"coupon:{member_coupon.id}")
    mine = CouponMemberCount.filter(coupon_id=coupon.id, member_id=member_id)
    if coupon.per_member_limit is not None:
        mine = mine.filter(used__lt=coupon.per_member_limit)
    if not await mine.update(used=F("used") + 1):
        raise Refused.because("MEMBER_LIMIT_REACHED", f"coupon:{member_coupon.id}")


def _order_name(cart: Cart) -> str:
    first = cart.lines[0].name or "상품"
    return first if len(cart.lines) == 1 else f"{first} 외 {len(cart.lines) - 1}건"


async def get_order(actor: Actor, order_id: int) -> Order:
    order = await Order.get_or_none(id=order_id)
    if order is None or not _may_see_order(actor, order):
        raise Refused.because("NOT_FOUND", "id")
    return order


def _may_see_order(actor: Actor, order: Order) -> bool:
    return actor.can_read_shop or (actor.kind == ActorKind.MEMBER and actor.member_id == order.member_id)


async def cancel_order(actor: Actor, order_id: int) -> Order:
    """Cancels a paid or awaiting order; its coupons go back to the wallet unless expired."""
    order = await get_order(actor, order_id)
    if actor.kind != ActorKind.MEMBER:
        require_change_shop(actor)
    now = now_utc()
    async with in_transaction():
        if not await Order.filter(id=order.id, status__in=[OrderStatus.PAID, OrderStatus.AWAITING_DEPOSIT]).update(
                status=OrderStatus.CANCELLED, cancelled_at=now):
            raise Refused.because("ORDER_NOT_CANCELLABLE", "id")
        for use in await OrderCoupon.filter(order_id=order.id).select_related("member_coupon"):
            member_coupon = use.member_coupon
            expired = member_coupon.expires_at is not None and member_coupon.expires_at <= now
            await MemberCoupon.filter(id=member_coupon.id, status=MemberCouponStatus.USED).update(
                status=MemberCouponStatus.EXPIRED if expired else MemberCouponStatus.AVAILABLE,
                used_at=None, order_id=None)
            await Coupon.filter(id=member_coupon.coupon_id, used_count__gt=0).update(used_count=F("used_count") - 1)
            await CouponMemberCount.filter(coupon_id=member_coupon.coupon_id, member_id=order.member_id,
                                           used__gt=0).update(used=F("used") - 1)
        await roll_back_order_redemptions(order.id)
        if actor.is_operator:
            await record_change(actor, "order.cancel", order, before={"status": order.status.value},
                                after={"status": OrderStatus.CANCELLED.value})
    await order.refresh_from_db()
    return order
