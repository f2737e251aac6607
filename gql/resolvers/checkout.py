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
from functools import lru_cache

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from gql.resolvers import raw_sql
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
from gql.resolvers.shop_settings import COUPONS_ENABLED, switch_is_on
from kupon.timeutil import now_utc, seoul_today
from models.catalog import ProductKind
from models.coupons import (
    Channel,
    Coupon,
    CouponMemberCount,
    CouponStatus,
    MemberCoupon,
    MemberCouponStatus,
    ShopSetting,
    TriggerEvent,
    UseWindow,
)
from models.members import Member
from models.orders import Order, OrderCoupon, OrderItem, OrderStatus, PaymentMethod


@dataclass(frozen=True)
class CartLineInput:
    kind: str
    quantity: int
    unit_price: int
    product_id: int | None = None
    category_id: int | None = None
    training_card: bool = False
    name: str = ""
    # The government training-card subsidy on this line (training-card lines only).
    subsidy: int = 0


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
        if not 0 <= line.subsidy <= line.quantity * line.unit_price or (line.subsidy and not line.training_card):
            problems.append(Problem("INVALID_PRICE", f"{where}.subsidy"))
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


@dataclass
class WalletRead:
    """What a checkout reads before it writes, all from one query (`read_wallet`)."""

    coupons_enabled: bool
    member: Member | None
    # Each wallet coupon (its coupon loaded), with this member's uses of that coupon
    # (None: no per-member counter row yet).
    coupons: list[tuple[MemberCoupon, int | None]]
    first_purchase_trigger: bool
    order_id_for_key: int | None
    # Member coupons whose coupon is restricted to segments this member is not in (gql.resolvers.segment_audience).
    outside_audience: frozenset[int] = frozenset()

    def offers(self, now: datetime, disabled: bool = False) -> list[tuple[MemberCoupon, Offer]]:
        used = {mc.coupon_id: n or 0 for mc, n in self.coupons}
        return [(mc, Offer(mc.id, CouponTerms.of(mc.coupon), "COUPONS_DISABLED" if disabled else (
            use_refusal(mc, used, now) or ("NOT_IN_AUDIENCE" if mc.id in self.outside_audience else None))))
            for mc, _ in self.coupons]


# Benchmarks `redemption` and `validate`: one raw query for everything a checkout reads first (the
# switch, the member, an order already placed with the idempotency key, whether a FIRST_PURCHASE
# trigger is active, and the wallet coupons with their coupons and this member's uses), hydrated
# into the ORM's models. Through the ORM these were five to seven queries: about half of an order's
# CPU in `redemption`, and ~4.5 of `validate`'s ~5.5 ms of CPU (select_related over 30 coupons),
# where this query and its hydration take ~1.5 ms. The audience column (a coupon restricted to segments
# the member is not in on their latest snapshots) is two index probes per wallet coupon.
@lru_cache(maxsize=64)  # one text per number of chosen coupons: bounded, as clients choose that number
def _wallet_sql(chosen_count: int | None) -> str:
    """`chosen_count`: how many member coupon ids the query is given; None: every AVAILABLE one."""
    chosen = ("mc.status = ?" if chosen_count is None
              else f"mc.id IN ({', '.join('?' * chosen_count)})" if chosen_count else "1 = 0")
    return (
        "SELECT s.value, "
        "EXISTS (SELECT 1 FROM coupon_trigger t WHERE t.event = ? AND t.is_active = ?), "
        "(SELECT o.id FROM shop_order o WHERE o.member_id = ? AND o.idempotency_key = ?), cmc.used, "
        "(EXISTS (SELECT 1 FROM coupon_audience ca WHERE ca.coupon_id = mc.coupon_id) AND NOT EXISTS ("
        "SELECT 1 FROM coupon_audience ca JOIN segment g ON g.id = ca.segment_id JOIN segment_member sm "
        "ON sm.segment_id = g.id AND sm.day = g.computed_for AND sm.member_id = mc.member_id "
        "WHERE ca.coupon_id = mc.coupon_id)), "
        f"{raw_sql.columns(Member, 'm')}, {raw_sql.columns(MemberCoupon, 'mc')}, {raw_sql.columns(Coupon, 'c')} "
        "FROM (SELECT 1 AS anchor) a "
        "LEFT JOIN shop_setting s ON s.key = ? "
        "LEFT JOIN member m ON m.id = ? "
        f"LEFT JOIN member_coupon mc ON mc.member_id = m.id AND {chosen} "
        "LEFT JOIN coupon c ON c.id = mc.coupon_id "
        "LEFT JOIN coupon_member_count cmc ON cmc.coupon_id = mc.coupon_id AND cmc.member_id = mc.member_id "
        "ORDER BY mc.id"
    )


async def read_wallet(member_id: int, member_coupon_ids: list[int] | None = None,
                      idempotency_key: str | None = None) -> WalletRead:
    """The member's AVAILABLE coupons, or exactly the given ones of theirs, and the rest of `WalletRead`."""
    chosen = [MemberCouponStatus.AVAILABLE.value] if member_coupon_ids is None else member_coupon_ids
    rows = await raw_sql.fetch(
        _wallet_sql(None if member_coupon_ids is None else len(member_coupon_ids)),
        TriggerEvent.FIRST_PURCHASE.value, True, member_id, idempotency_key, COUPONS_ENABLED, member_id, *chosen)
    stored, trigger, order_id = rows[0][:3]
    member, start = raw_sql.hydrate(Member, rows[0], 5)
    coupons, outside = [], set()
    for row in rows:
        member_coupon, next_start = raw_sql.hydrate(MemberCoupon, row, start)
        if member_coupon is None:  # the one row of an empty wallet
            break
        raw_sql.attach(member_coupon, "coupon", raw_sql.hydrate(Coupon, row, next_start)[0])
        coupons.append((member_coupon, row[3]))
        if row[4]:
            outside.add(member_coupon.id)
    return WalletRead(switch_is_on(raw_sql.to_python(ShopSetting, "value", stored)), member, coupons,
                      bool(trigger), order_id, frozenset(outside))


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
    wallet = await read_wallet(member_id)
    enabled = wallet.coupons_enabled
    offers = wallet.offers(now_utc(), disabled=not enabled)
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
    # How the rest is paid (a PaymentMethod value); deposits wait for confirmation.
    payment_method: str = PaymentMethod.CARD.value


async def place_order(actor: Actor, member_id: int | None, request: OrderRequest) -> Order:
    """Create the order and redeem its coupons atomically. A retry with the same idempotency
    key returns the first order and redeems nothing again."""
    member_id = checkout_member_id(actor, member_id)
    cart = clean_cart(request.cart)
    if request.payment_method not in PaymentMethod.__members__:
        raise Refused.because("INVALID_CHOICE", "payment_method")
    key = (request.idempotency_key or "").strip() or None
    ids = list(dict.fromkeys(request.member_coupon_ids))
    wallet = await read_wallet(member_id, ids, key)
    if wallet.order_id_for_key:
        return await Order.get(id=wallet.order_id_for_key)
    if (ids or request.coupon_codes) and not wallet.coupons_enabled:
        raise Refused.because("COUPONS_DISABLED", "member_coupon_ids")
    if wallet.member is None:
        raise Refused.because("NOT_FOUND", "member_id")
    for coupon_id in {mc.coupon_id for mc, used in wallet.coupons if used is None}:
        await member_count_row(coupon_id, member_id)
    try:
        order = await _place(wallet, cart, request, ids, key)
    except (Refused, IntegrityError) as failure:
        # A concurrent retry with the same key got there first: its order, not this failure (the key's
        # unique index refused this one, or the coupons it just used were refused here).
        if key and (existing := await Order.get_or_none(member_id=member_id, idempotency_key=key)):
            return existing
        if isinstance(failure, Refused):
            await _record_gift_card_failures(failure, request)
        raise
    if wallet.first_purchase_trigger and not await Order.filter(member_id=member_id).exclude(id=order.id).exclude(
            status=OrderStatus.CANCELLED).exists():
        await fire_event(TriggerEvent.FIRST_PURCHASE, wallet.member, "FIRST_PURCHASE")
    return order


async def _place(wallet: WalletRead, cart: Cart, request: OrderRequest, ids: list[int], key: str | None) -> Order:
    """Priced before it is written: the order row is written once, and the coupon's row (which every
    checkout with that coupon waits for) is locked as late as the lock order allows."""
    now = now_utc()
    member = wallet.member
    offers = wallet.offers(now)
    async with in_transaction():
        if request.coupon_codes:
            code_ids = [(await redeem_code_for(member, text)).id for text in request.coupon_codes]
            ids = [*ids, *code_ids]
            offers = sorted([*offers, *(await read_wallet(member.id, code_ids)).offers(now)],
                            key=lambda pair: pair[0].id)
        missing = set(ids) - {mc.id for mc, _ in offers}
        if missing:
            raise Refused(*(Problem("NOT_FOUND", f"coupon:{i}") for i in sorted(missing)))
        quote = quote_selection([offer for _, offer in offers], cart)
        subsidy = sum(line.subsidy for line in request.cart.lines)
        method, status, paid_at = _payment_terms(request.payment_method, quote.total - subsidy, now)
        order = await Order.create(
            number=f"{seoul_today(now):%Y%m%d}-{secrets.token_hex(6).upper()}", name=_order_name(cart),
            site_id=cart.site_id or member.site_id, member=member, channel=cart.channel,
            list_total=cart.list_total, shipping_fee=cart.shipping_fee, coupon_discount=quote.item_discount,
            shipping_discount=quote.shipping_discount, subsidy=subsidy, paid_amount=quote.total - subsidy,
            gifts=quote.gifts, gift_card_amount=sum(amount for _, amount in request.gift_cards),
            idempotency_key=key, ordered_at=now, payment_method=method, status=status, paid_at=paid_at,
        )
        items = await _create_items(order, cart, quote, [line.subsidy for line in request.cart.lines])
        await _insert([OrderCoupon(
            order_id=order.id, member_coupon_id=application.member_coupon_id, discount=application.discount,
            item_id=items[application.line_index].id if application.line_index is not None else None)
            for application in quote.applications])
        coupons_of = {mc.id: mc for mc, _ in offers}
        for application in quote.applications:
            await _redeem(coupons_of[application.member_coupon_id], member.id, order.id, now)
        await _pay_with_gift_cards(request.gift_cards, quote.total - subsidy, order.id)
    return order


DEPOSIT_METHODS = (PaymentMethod.SHOP_ACCOUNT, PaymentMethod.VIRTUAL_ACCOUNT)


def _payment_terms(requested: str, to_pay: int, now: datetime):
    """(method, status, paid_at): nothing to pay is FREE and paid; a deposit to the shop's or a
    virtual account waits for the operator's confirmation; any other method is paid when placed."""
    if to_pay == 0:
        return PaymentMethod.FREE, OrderStatus.PAID, now
    method = PaymentMethod(requested)
    if method == PaymentMethod.FREE:
        raise Refused.because("INVALID_CHOICE", "payment_method")
    if method in DEPOSIT_METHODS:
        return method, OrderStatus.AWAITING_DEPOSIT, None
    return method, OrderStatus.PAID, now


async def _create_items(order: Order, cart: Cart, quote: Quote, subsidies: list[int]) -> list[OrderItem]:
    items = [OrderItem(
        order_id=order.id, product_id=line.product_id, product_name=line.name, category_id=line.category_id,
        kind=line.kind, quantity=line.quantity, unit_price=line.unit_price, list_price=line.unit_price,
        list_amount=line.amount, discount=discount, subsidy=subsidy, paid_amount=line.amount - discount - subsidy,
        training_card=line.training_card,
    ) for line, discount, subsidy in zip(cart.lines, quote.line_discounts, subsidies, strict=True)]
    await _insert(items)
    if items[0].id is None and any(a.line_index is not None for a in quote.applications):
        # bulk_create does not give the ids back; a product coupon's use names its line's item.
        ids = await OrderItem.filter(order_id=order.id).order_by("id").values_list("id", flat=True)
        for item, item_id in zip(items, ids, strict=True):
            item.id = item_id
    return items


async def _insert(rows: list) -> None:
    """One INSERT for all the rows (bulk_create), or for a single row a plain save, which is cheaper."""
    if len(rows) == 1:
        await rows[0].save()
    elif rows:
        await type(rows[0]).bulk_create(rows)


async def _pay_with_gift_cards(cards: list[tuple[str, int]], total: int, order_id: int) -> None:
    if sum(amount for _, amount in cards) > total:
        raise Refused.because("GIFT_CARD_OVERPAY", "gift_cards")
    for code, amount in cards:
        await take_from_card(code, amount, order_id, "ORDER")


async def _record_gift_card_failures(refused: Refused, request: OrderRequest) -> None:
    """A failed gift card inside the order rolled back with it: record the attempt afterwards."""
    amounts = dict(request.gift_cards)
    for problem in refused.problems:
        if problem.field and problem.field.startswith("giftCard:"):
            code = problem.field.split(":", 1)[1]
            await record_failed_redemption(code, amounts.get(code, 0), problem.code, "ORDER")


# Benchmark `redemption`: the three conditional UPDATEs of a redemption, raw. Through the ORM each
# cost ~0.4-0.5 ms of CPU (the query is built anew every time), raw ~0.2 ms. Rows are locked in the
# order every writer of these tables uses (member coupon, coupon, per-member counter; see
# cancel_order and coupon_issuing.issue_coupon), so that no two transactions wait on each other.
# A NULL limit is no limit (`COALESCE`).
_REDEEM_STEPS = (
    ("UPDATE member_coupon SET status = ?, used_at = ?, order_id = ? WHERE id = ? AND status = ?",
     "COUPON_NOT_AVAILABLE"),
    ("UPDATE coupon SET used_count = used_count + 1 WHERE id = ? AND used_count < COALESCE(?, used_count + 1)",
     "COUPON_LIMIT_REACHED"),
    ("UPDATE coupon_member_count SET used = used + 1 WHERE coupon_id = ? AND member_id = ? "
     "AND used < COALESCE(?, used + 1)", "MEMBER_LIMIT_REACHED"),
)


async def _redeem(member_coupon: MemberCoupon, member_id: int, order_id: int, now: datetime) -> None:
    """Three conditional updates; the first that changes no row refuses (and rolls back the order)."""
    coupon = member_coupon.coupon
    values = [(MemberCouponStatus.USED.value, now, order_id, member_coupon.id, MemberCouponStatus.AVAILABLE.value),
              (coupon.id, coupon.total_limit), (coupon.id, member_id, coupon.per_member_limit)]
    for (update, refusal), params in zip(_REDEEM_STEPS, values, strict=True):
        if not await raw_sql.execute(update, *params):
            raise Refused.because(refusal, f"coupon:{member_coupon.id}")


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
