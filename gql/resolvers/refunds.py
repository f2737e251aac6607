"""Refunds (SPEC 5, seed 001 환불관리): requests, the advisory deduction estimate, completion and rejection.

Money rules, in one place:
- What is refundable is what was paid and not yet given back: per item `paid_amount - refunded_amount`,
  per order `paid_amount - refunded_amount`. The gift-card part of an order is part of its paid amount
  and is refundable like the rest: it is paid back by the refund's method (card cancellation or bank
  transfer); the cards' balances are not restored (cancelling an unpaid-back order does that).
- A request for some items may return at most what those items have left (never more than the order
  has left); a request for the whole order (no items, or all of them) also covers the shipping fee.
- Completing refunds an amount up to what the request may still return; the amount is spread over the
  request's items in proportion to what each has left (`kupon.money.allocate`); on a whole-order
  request, whatever exceeds the items is the shipping fee's and stays on the order.
- The order becomes PARTIALLY_REFUNDED, or FULLY_REFUNDED once its refunded total reaches its paid
  amount, however many partial refunds it took.
- A refund's kind follows from its amount: FULL when it gave back the order's whole paid amount at
  once, PARTIAL when less; a refund not completed has no kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from tortoise.expressions import F, Q, Subquery
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from gql.resolvers.access import Actor, ActorKind, require_change_shop, require_read_shop
from gql.resolvers.audit import record_change
from gql.resolvers.errors import Problem, Refused
from gql.resolvers.pagination import Page, PageRequest, paginate
from kupon.money import allocate
from kupon.timeutil import now_utc, seoul_day_start_utc, seoul_today
from models.catalog import ProductKind
from models.orders import ItemStatus, Order, OrderItem, OrderStatus
from models.refunds import MemberMessage, RefundMethod, RefundRequest, RefundStatus

REFUNDABLE_STATUSES = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED)
# Concurrent completions on one order retry this many times before giving up (each retry re-reads).
COMPLETE_ATTEMPTS = 5
_ACCOUNT = re.compile(r"^[0-9][0-9-]{4,28}[0-9]$")


class RefundKind(StrEnum):
    PARTIAL = "PARTIAL"
    FULL = "FULL"


def refund_kind(refund: RefundRequest, order_paid_amount: int) -> RefundKind | None:
    """PARTIAL / FULL for a completed refund (see the module docstring); None otherwise."""
    if refund.status != RefundStatus.COMPLETED or refund.refunded_amount <= 0:
        return None
    return RefundKind.FULL if refund.refunded_amount >= order_paid_amount else RefundKind.PARTIAL


# The estimate ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DeductionPart:
    """fee x done / total, rounded down to the won; `percent_hundredths` is the ratio in 1/100 %,
    rounded down (2111 is 21.11%)."""

    done: int
    total: int
    percent_hundredths: int
    amount: int

    @property
    def percent_text(self) -> str:
        return f"{self.percent_hundredths // 100}.{self.percent_hundredths % 100:02d}%"


@dataclass(frozen=True)
class DeductionEstimate:
    fee: int
    by_time: DeductionPart
    by_progress: DeductionPart


def _part(fee: int, done: int, total: int) -> DeductionPart:
    if total <= 0:
        return DeductionPart(done, total, 0, 0)
    return DeductionPart(done, total, done * 10000 // total, fee * done // total)


def estimate_refund_deduction(fee: int, elapsed_days: int, total_days: int, progress_done: int = 0,
                              progress_total: int = 0) -> DeductionEstimate:
    """Advisory only (seed 001 예상차감 금액): what would be kept by elapsed time (fee x elapsed days /
    total days) and by study progress (fee x done / total), each rounded down to the won; the
    operator decides the refund. Integer arithmetic, no floats: 280,000 won with 464 of 2,197 days
    gives 21.11% and 59,135 won. A total of 0 progress units gives 0.00%."""
    problems = []
    if fee < 0:
        problems.append(Problem("INVALID_PRICE", "fee"))
    if total_days <= 0 or not 0 <= elapsed_days <= total_days:
        problems.append(Problem("INVALID_DAYS", "elapsed_days"))
    if progress_total < 0 or not 0 <= progress_done <= max(progress_total, 0):
        problems.append(Problem("INVALID_PROGRESS", "progress_done"))
    if problems:
        raise Refused(*problems)
    return DeductionEstimate(fee, _part(fee, elapsed_days, total_days), _part(fee, progress_done, progress_total))


def elapsed_days(since: datetime | None, today: date | None = None) -> int:
    """Whole Seoul days from `since` (payment) to today; 0 without a date."""
    if since is None:
        return 0
    return max(0, ((today or seoul_today()) - seoul_today(since)).days)


# Refundable amounts ------------------------------------------------------------------------------------

def item_refundable(item: OrderItem) -> int:
    return max(0, item.paid_amount - item.refunded_amount)


def order_refundable(order: Order) -> int:
    return max(0, order.paid_amount - order.refunded_amount)


def covers_whole_order(item_ids: list[int], items: list[OrderItem]) -> bool:
    return not item_ids or {i.id for i in items} <= set(item_ids)


def request_refundable(order: Order, items: list[OrderItem], item_ids: list[int]) -> int:
    """What a request for `item_ids` (all of `items` when empty) may still return."""
    if covers_whole_order(item_ids, items):
        return order_refundable(order)
    chosen = [i for i in items if i.id in set(item_ids)]
    return min(order_refundable(order), sum(item_refundable(i) for i in chosen))


async def refundable_of(refund: RefundRequest) -> int:
    order = await Order.get(id=refund.order_id)
    items = list(await OrderItem.filter(order_id=order.id).order_by("id"))
    return request_refundable(order, items, list(refund.item_ids or []))


# Requests ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RefundInput:
    order_id: int
    item_ids: list[int] = field(default_factory=list)
    amount: int | None = None  # None: everything refundable
    reason: str = ""
    method: str = RefundMethod.CARD_CANCEL.value
    bank: str = ""
    account_number: str = ""
    account_holder: str = ""


async def _visible_order(actor: Actor, order_id: int) -> Order:
    """Members see their own orders only; anyone else's is as unknown as a missing one."""
    if actor.kind == ActorKind.ANONYMOUS:
        raise Refused.because("UNAUTHENTICATED")
    order = await Order.get_or_none(id=order_id)
    if order is None:
        raise Refused.because("NOT_FOUND", "order_id")
    if actor.kind == ActorKind.MEMBER:
        if actor.member_id != order.member_id:
            raise Refused.because("NOT_FOUND", "order_id")
    else:
        require_change_shop(actor)
    return order


def _clean_payout(data: RefundInput) -> dict:
    problems = []
    try:
        method = RefundMethod(data.method)
    except ValueError:
        raise Refused.because("INVALID_CHOICE", "method") from None
    values = {"method": method, "bank": data.bank.strip(), "account_holder": data.account_holder.strip(),
              "account_number": data.account_number.strip() or None, "reason": data.reason.strip()}
    if method == RefundMethod.BANK_TRANSFER:
        for name in ("bank", "account_number", "account_holder"):
            if not values[name]:
                problems.append(Problem("REQUIRED", name))
        if values["account_number"] and not _ACCOUNT.match(values["account_number"]):
            problems.append(Problem("INVALID_CHOICE", "account_number"))
    for name, limit in (("bank", 50), ("account_holder", 50), ("reason", 2000)):
        if len(values[name]) > limit:
            problems.append(Problem("TOO_LONG", name))
    if problems:
        raise Refused(*problems)
    return values


async def request_refund(actor: Actor, data: RefundInput) -> RefundRequest:
    """A member asks for their own order, or an operator on the member's behalf (seed 001 환불신청).
    The amount is never more than the items' refundable amount; an open request for the same items
    is refused. Nothing is paid back until an operator completes it."""
    order = await _visible_order(actor, data.order_id)
    if order.status not in REFUNDABLE_STATUSES:
        raise Refused.because("ORDER_NOT_REFUNDABLE", "order_id")
    items = list(await OrderItem.filter(order_id=order.id).order_by("id"))
    item_ids = sorted(set(data.item_ids))
    if set(item_ids) - {i.id for i in items}:
        raise Refused.because("NOT_FOUND", "item_ids")
    payout = _clean_payout(data)
    refundable = request_refundable(order, items, item_ids)
    if refundable <= 0:
        raise Refused.because("NOTHING_TO_REFUND", "item_ids")
    amount = refundable if data.amount is None else data.amount
    if amount <= 0:
        raise Refused.because("INVALID_AMOUNT", "amount")
    if amount > refundable:
        raise Refused.because("REFUND_TOO_MUCH", "amount")
    for open_request in await RefundRequest.filter(order_id=order.id, status=RefundStatus.REQUESTED):
        other = set(open_request.item_ids or [])
        if not other or not item_ids or other & set(item_ids):
            raise Refused.because("REFUND_ALREADY_REQUESTED", "item_ids")
    async with in_transaction():
        refund = await RefundRequest.create(order=order, item_ids=item_ids, requested_at=now_utc(),
                                            requested_by=f"{actor.kind.value.lower()}:{actor.label}",
                                            amount=amount, **payout)
        if actor.is_operator:
            await record_change(actor, "refund.request", refund,
                                after={"order_id": order.id, "item_ids": item_ids, "amount": amount})
    return refund


async def get_refund(actor: Actor, refund_id: int) -> RefundRequest:
    """Operators see every refund, members their own."""
    refund = await RefundRequest.get_or_none(id=refund_id).select_related("order", "order__member", "handler")
    if refund is None:
        raise Refused.because("NOT_FOUND", "id")
    if actor.kind == ActorKind.MEMBER:
        if refund.order.member_id != actor.member_id:
            raise Refused.because("NOT_FOUND", "id")
    else:
        require_read_shop(actor)
    return refund


# Completion and rejection ------------------------------------------------------------------------------

async def _pay_back(order_id: int, item_ids: list[int], amount: int) -> Order:
    """Add `amount` to the order's refunded total and spread it over the items, by compare-and-set
    updates: an UPDATE that finds the order changed since it was read (a concurrent completion)
    matches no row and is retried on fresh values, so refunds never add up to more than was paid."""
    for _ in range(COMPLETE_ATTEMPTS):
        order = await Order.get(id=order_id)
        items = list(await OrderItem.filter(order_id=order_id).order_by("id"))
        if order.status not in REFUNDABLE_STATUSES:
            raise Refused.because("ORDER_NOT_REFUNDABLE", "id")
        if amount > request_refundable(order, items, item_ids):
            raise Refused.because("REFUND_TOO_MUCH", "amount")
        total = order.refunded_amount + amount
        status = OrderStatus.FULLY_REFUNDED if total >= order.paid_amount else OrderStatus.PARTIALLY_REFUNDED
        if not await Order.filter(id=order_id, refunded_amount=order.refunded_amount,
                                  status__in=REFUNDABLE_STATUSES).update(refunded_amount=total, status=status):
            continue
        # The order row is ours until commit: no other completion can change its items meanwhile.
        chosen = items if covers_whole_order(item_ids, items) else [i for i in items if i.id in set(item_ids)]
        left = [item_refundable(i) for i in chosen]
        for item, part in zip(chosen, allocate(min(amount, sum(left)), left), strict=True):
            refunded = item.refunded_amount + part
            item_status = (ItemStatus.REFUNDED if refunded >= item.paid_amount
                           else ItemStatus.PARTIALLY_REFUNDED if refunded > 0 else item.status)
            if not await OrderItem.filter(id=item.id, refunded_amount=item.refunded_amount).update(
                    refunded_amount=refunded, status=item_status):
                raise RuntimeError(f"order item {item.id} changed under a locked order")
        order.refunded_amount, order.status = total, status
        return order
    raise Refused.because("TRY_AGAIN_LATER", "amount")


async def _notify(member_id: int, template: str, payload: dict) -> None:
    await MemberMessage.create(member_id=member_id, template=template, payload=payload)


async def complete_refund(actor: Actor, refund_id: int, amount: int, memo: str = "",
                          notify: bool = True) -> RefundRequest:
    """Pay back `amount` (1 to what the request may still return) and close the request, in one
    transaction: the request's status, the items' and order's refunded amounts and statuses and
    the member's message land together or not at all. Two completions of one request, or of two
    requests of one order, never refund more than is refundable (see `_pay_back`)."""
    require_change_shop(actor)
    if amount is None or amount <= 0:
        raise Refused.because("INVALID_AMOUNT", "amount")
    refund = await get_refund(actor, refund_id)
    if refund.status != RefundStatus.REQUESTED:
        raise Refused.because("REFUND_NOT_OPEN", "id")
    now = now_utc()
    async with in_transaction():
        # Claimed first: a second completion of this request waits here, then finds it closed.
        if not await RefundRequest.filter(id=refund.id, status=RefundStatus.REQUESTED).update(
                status=RefundStatus.COMPLETED, refunded_amount=amount, completed_at=now, handler_id=actor.id,
                memo=memo.strip() or refund.memo):
            raise Refused.because("REFUND_NOT_OPEN", "id")
        order = await _pay_back(refund.order_id, list(refund.item_ids or []), amount)
        await record_change(actor, "refund.complete", refund, {"status": refund.status.value, "refunded_amount": 0},
                            {"status": RefundStatus.COMPLETED.value, "refunded_amount": amount,
                             "order_status": order.status.value})
        if notify:
            await _notify(order.member_id, "refund.completed", {
                "refund_id": refund.id, "order_number": order.number, "order_name": order.name,
                "amount": amount, "kind": refund_kind(await RefundRequest.get(id=refund.id), order.paid_amount)})
    return await get_refund(actor, refund.id)


async def reject_refund(actor: Actor, refund_id: int, reason: str, memo: str = "",
                        notify: bool = True) -> RefundRequest:
    """Close the request without paying anything back; the reason goes to the member."""
    require_change_shop(actor)
    reason = (reason or "").strip()
    if not reason:
        raise Refused.because("REQUIRED", "reason")
    if len(reason) > 2000:
        raise Refused.because("TOO_LONG", "reason")
    refund = await get_refund(actor, refund_id)
    async with in_transaction():
        if not await RefundRequest.filter(id=refund.id, status=RefundStatus.REQUESTED).update(
                status=RefundStatus.REJECTED, rejected_reason=reason, handler_id=actor.id, completed_at=now_utc(),
                memo=memo.strip() or refund.memo):
            raise Refused.because("REFUND_NOT_OPEN", "id")
        await record_change(actor, "refund.reject", refund, {"status": refund.status.value},
                            {"status": RefundStatus.REJECTED.value, "rejected_reason": reason})
        if notify:
            await _notify(refund.order.member_id, "refund.rejected", {
                "refund_id": refund.id, "order_number": refund.order.number, "order_name": refund.order.name,
                "reason": reason})
    return await get_refund(actor, refund.id)


# The list ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RefundFilter:
    """Seed 001's filters: course (product), request date range (Seoul dates, inclusive), kind,
    product kind, status, and a keyword in the order number or name or the member's id or name."""

    product_id: int | None = None
    requested_from: date | None = None
    requested_to: date | None = None
    kind: RefundKind | None = None
    product_kind: ProductKind | None = None
    status: RefundStatus | None = None
    search: str = ""
    member_id: int | None = None


def refund_query(flt: RefundFilter) -> QuerySet:
    query = RefundRequest.all().select_related("order", "order__member", "handler")
    if flt.member_id:
        query = query.filter(order__member_id=flt.member_id)
    if flt.product_id:
        query = query.filter(order_id__in=Subquery(OrderItem.filter(product_id=flt.product_id).values("order_id")))
    if flt.product_kind:
        query = query.filter(order_id__in=Subquery(OrderItem.filter(kind=flt.product_kind).values("order_id")))
    if flt.requested_from:
        query = query.filter(requested_at__gte=seoul_day_start_utc(flt.requested_from))
    if flt.requested_to:
        query = query.filter(requested_at__lt=seoul_day_start_utc(flt.requested_to + timedelta(days=1)))
    if flt.status:
        query = query.filter(status=flt.status)
    if flt.kind:
        # Completed, with the whole paid amount (FULL) or less of it (PARTIAL): see the module docstring.
        # (The comparison with the order's column runs in a subquery: COUNT would drop the join.)
        full = Q(refunded_amount__gte=F("order__paid_amount"))
        matching = RefundRequest.filter(order__paid_amount__gte=0).filter(
            full if flt.kind == RefundKind.FULL else ~full)
        query = query.filter(status=RefundStatus.COMPLETED, refunded_amount__gt=0,
                             id__in=Subquery(matching.values("id")))
    if flt.search.strip():
        term = flt.search.strip()
        query = query.filter(Q(order__number__icontains=term) | Q(order__name__icontains=term)
                             | Q(order__member__login_id__icontains=term) | Q(order__member__name__icontains=term))
    return query.order_by("-requested_at", "-id")


async def list_refunds(actor: Actor, flt: RefundFilter, page: PageRequest) -> Page[RefundRequest]:
    """Newest request first. Members list their own refunds only, whatever the filter says."""
    if actor.kind == ActorKind.MEMBER:
        flt = RefundFilter(**{**flt.__dict__, "member_id": actor.member_id})
    else:
        require_read_shop(actor)
    return await paginate(refund_query(flt), page)


async def request_items(refund: RefundRequest) -> list[OrderItem]:
    """The items a request names (all of the order's when it names none)."""
    query = OrderItem.filter(order_id=refund.order_id)
    if refund.item_ids:
        query = query.filter(id__in=list(refund.item_ids))
    return list(await query.order_by("id"))
