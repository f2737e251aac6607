"""Orders (SPEC section 4, seed 001 주문목록): the filtered list, one order with its parts,
confirming a deposit, cancelling, payment records, the money rule, and batch loaders."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from gql.resolvers import checkout
from gql.resolvers.access import Actor, ActorKind, require_change_shop, require_member, require_read_shop
from gql.resolvers.audit import record_change
from gql.resolvers.errors import Refused
from gql.resolvers.pagination import Page, PageRequest, paginate
from kupon.money import order_paid_amount
from kupon.timeutil import now_utc, seoul_day_start_utc
from models.giftcards import GiftCardRedemption, RedemptionStatus
from models.members import Member
from models.orders import Order, OrderCoupon, OrderItem, OrderStatus, PaymentMethod, PaymentRecord
from models.refunds import RefundRequest
from models.shipping import Shipment


class KeywordField(StrEnum):
    """Where the list's keyword is looked for (seed 001 검색 "- 전체 -")."""

    ALL = "ALL"
    NUMBER = "NUMBER"
    NAME = "NAME"
    MEMBER_NAME = "MEMBER_NAME"
    LOGIN_ID = "LOGIN_ID"


@dataclass(frozen=True)
class OrderFilter:
    """Dates are Asia/Seoul business days, both ends inclusive."""

    ordered_from: date | None = None
    ordered_to: date | None = None
    paid_from: date | None = None
    paid_to: date | None = None
    include_temporary: bool = False
    payment_method: PaymentMethod | None = None
    status: OrderStatus | None = None
    keyword: str = ""
    keyword_field: KeywordField = KeywordField.ALL
    member_id: int | None = None


def _keyword_condition(term: str, where: KeywordField) -> Q:
    conditions = {
        KeywordField.NUMBER: Q(number__icontains=term),
        KeywordField.NAME: Q(name__icontains=term),
        KeywordField.MEMBER_NAME: Q(member__name__icontains=term),
        KeywordField.LOGIN_ID: Q(member__login_id__icontains=term),
    }
    if where == KeywordField.ALL:
        return Q(*conditions.values(), join_type=Q.OR)
    return conditions[where]


def order_query(flt: OrderFilter):
    """Newest first; `id` last so pages never repeat or skip an order."""
    query = Order.all()
    if not flt.include_temporary:
        query = query.filter(is_temporary=False)
    if flt.member_id is not None:
        query = query.filter(member_id=flt.member_id)
    if flt.ordered_from:
        query = query.filter(ordered_at__gte=seoul_day_start_utc(flt.ordered_from))
    if flt.ordered_to:
        query = query.filter(ordered_at__lt=seoul_day_start_utc(flt.ordered_to + timedelta(days=1)))
    if flt.paid_from:
        query = query.filter(paid_at__gte=seoul_day_start_utc(flt.paid_from))
    if flt.paid_to:
        query = query.filter(paid_at__lt=seoul_day_start_utc(flt.paid_to + timedelta(days=1)))
    if flt.payment_method:
        query = query.filter(payment_method=flt.payment_method)
    if flt.status:
        query = query.filter(status=flt.status)
    if flt.keyword.strip():
        query = query.filter(_keyword_condition(flt.keyword.strip(), flt.keyword_field))
    return query.order_by("-ordered_at", "-id")


async def list_orders(actor: Actor, flt: OrderFilter, page: PageRequest) -> Page[Order]:
    """Operators and API keys: every order matching the filter, with its member."""
    require_read_shop(actor)
    return await paginate(order_query(flt).select_related("member"), page)


async def list_my_orders(actor: Actor, flt: OrderFilter, page: PageRequest) -> Page[Order]:
    """A member's own orders only, whatever member the filter names."""
    member_id = require_member(actor)
    return await paginate(order_query(replace(flt, member_id=member_id)), page)


async def get_order(actor: Actor, order_id: int) -> Order:
    """An order with its member; members see their own only (others are NOT_FOUND)."""
    order = await Order.get_or_none(id=order_id).select_related("member")
    if order is None:
        raise Refused.because("NOT_FOUND", "id")
    _require_sees(actor, order)
    return order


def _require_sees(actor: Actor, order: Order) -> None:
    if not (actor.can_read_shop or (actor.kind == ActorKind.MEMBER and actor.member_id == order.member_id)):
        raise Refused.because("NOT_FOUND" if actor.kind != ActorKind.ANONYMOUS else "UNAUTHENTICATED", "id")


async def confirm_deposit(actor: Actor, order_id: int) -> Order:
    """AWAITING_DEPOSIT -> PAID with paid_at now and a SHOP_ACCOUNT payment record; audited.
    Atomic: of two operators confirming at once, one succeeds and the other is refused."""
    require_change_shop(actor)
    order = await get_order(actor, order_id)
    now = now_utc()
    async with in_transaction():
        if not await Order.filter(id=order.id, status=OrderStatus.AWAITING_DEPOSIT).update(
                status=OrderStatus.PAID, paid_at=now):
            raise Refused.because("ORDER_NOT_AWAITING_DEPOSIT", "id")
        await PaymentRecord.create(order_id=order.id, method=order.payment_method,
                                   amount=order.paid_amount - order.gift_card_amount, result_code="0000",
                                   result_message="입금확인", paid_at=now,
                                   gateway_response={"confirmed_by": actor.label})
        await record_change(actor, "order.confirm_deposit", order,
                            before={"status": order.status.value, "paid_at": None},
                            after={"status": OrderStatus.PAID.value, "paid_at": now.isoformat()})
    return await get_order(actor, order.id)


async def cancel_order(actor: Actor, order_id: int) -> Order:
    """Checkout's cancellation: coupons back to the wallet, gift cards refunded, audited."""
    return await checkout.cancel_order(actor, order_id)


async def payment_records(actor: Actor, order_id: int) -> list[PaymentRecord]:
    order = await get_order(actor, order_id)
    return list(await PaymentRecord.filter(order_id=order.id).order_by("id"))


@dataclass
class OrderParts:
    """Everything the order page shows besides the order itself."""

    items: list[OrderItem]
    coupons: list[OrderCoupon]
    gift_cards: list[GiftCardRedemption]
    payments: list[PaymentRecord]
    shipments: list[Shipment]
    refunds: list[RefundRequest]


async def order_parts(actor: Actor, order: Order) -> OrderParts:
    """The parts of an order read by `get_order`; the same people may see them."""
    _require_sees(actor, order)
    ids = [order.id]
    return OrderParts(
        items=(await items_by_order_ids(ids))[0], coupons=(await coupons_by_order_ids(ids))[0],
        gift_cards=(await gift_card_payments_by_order_ids(ids))[0],
        payments=(await payments_by_order_ids(ids))[0],
        shipments=(await shipments_by_order_ids(ids))[0], refunds=(await refunds_by_order_ids(ids))[0])


def money_problems(order: Order) -> list[str]:
    """Why an order's amounts break the money rule (empty when they hold):
    paid = list total - subsidy - discount + shipping - shipping discount, no part negative,
    gift cards and refunds within what was paid."""
    problems = []
    expected = order_paid_amount(order.list_total, order.subsidy, order.coupon_discount, order.shipping_fee,
                                 order.shipping_discount)
    if order.paid_amount != expected:
        problems.append(f"paid {order.paid_amount} != {expected}")
    for name in ("list_total", "subsidy", "coupon_discount", "shipping_fee", "shipping_discount", "paid_amount",
                 "gift_card_amount", "refunded_amount"):
        if getattr(order, name) < 0:
            problems.append(f"{name} < 0")
    if order.gift_card_amount > order.paid_amount:
        problems.append("gift cards paid more than the order")
    if order.refunded_amount > order.paid_amount:
        problems.append("refunded more than paid")
    return problems


async def orders_breaking_money_rule(batch: int = 1000) -> dict[int, list[str]]:
    """Every order whose amounts break the rule (by id), read in batches by id; also checks
    that the list total is the sum of the items' list amounts."""
    broken: dict[int, list[str]] = {}
    last = 0
    while chunk := list(await Order.filter(id__gt=last).order_by("id").limit(batch)):
        items = await items_by_order_ids([o.id for o in chunk])
        for order, lines in zip(chunk, items, strict=True):
            problems = money_problems(order)
            if lines and sum(i.list_amount for i in lines) != order.list_total:
                problems.append("list total is not the sum of the items")
            if problems:
                broken[order.id] = problems
        last = chunk[-1].id
    return broken


# Batch loaders: one query for many order ids, results in the order of the ids.

def _grouped(rows, ids: list[int], key: str = "order_id") -> list[list]:
    grouped: dict[int, list] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return [grouped.get(i, []) for i in ids]


async def items_by_order_ids(ids: list[int]) -> list[list[OrderItem]]:
    return _grouped(await OrderItem.filter(order_id__in=set(ids)).order_by("id"), ids)


async def coupons_by_order_ids(ids: list[int]) -> list[list[OrderCoupon]]:
    rows = await OrderCoupon.filter(order_id__in=set(ids)).select_related("member_coupon__coupon").order_by("id")
    return _grouped(rows, ids)


async def gift_card_payments_by_order_ids(ids: list[int]) -> list[list[GiftCardRedemption]]:
    """Successful and rolled-back gift card payments (failed attempts are not payments)."""
    rows = await GiftCardRedemption.filter(
        order_id__in=set(ids), status__in=[RedemptionStatus.SUCCEEDED, RedemptionStatus.ROLLED_BACK]
    ).order_by("id")
    return _grouped(rows, ids)


async def payments_by_order_ids(ids: list[int]) -> list[list[PaymentRecord]]:
    return _grouped(await PaymentRecord.filter(order_id__in=set(ids)).order_by("id"), ids)


async def refunds_by_order_ids(ids: list[int]) -> list[list[RefundRequest]]:
    return _grouped(await RefundRequest.filter(order_id__in=set(ids)).order_by("id"), ids)


async def shipments_by_order_ids(ids: list[int]) -> list[list[Shipment]]:
    rows = await Shipment.filter(item__order_id__in=set(ids)).select_related("item", "carrier").order_by("id")
    grouped: dict[int, list[Shipment]] = defaultdict(list)
    for row in rows:
        grouped[row.item.order_id].append(row)
    return [grouped.get(i, []) for i in ids]


async def members_by_ids(ids: list[int]) -> list[Member | None]:
    found = {m.id: m for m in await Member.filter(id__in=set(ids))}
    return [found.get(i) for i in ids]
