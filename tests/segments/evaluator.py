"""A plain Python reading of the segment language (gql/resolvers/segment_tree.py's docstring),
written apart from the SQL compiler so the property test can hold one against the other.

Members and their activity are plain dataclasses; `evaluate(tree, as_of, members, site_id)`
returns the ids the tree selects. The windows come from segment_tree (they define the
semantics); which rows count and how is decided here, row by row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from gql.resolvers.segment_tree import birthday_days, compare, days_window, end_of, period_window
from kupon.timeutil import SEOUL

# Paid orders, refunded or not (segment_tree: not carts, cancelled or awaiting a deposit).
COUNTED_STATUSES = ("PAID", "PARTIALLY_REFUNDED", "FULLY_REFUNDED")


@dataclass
class OrderRow:
    status: str
    is_temporary: bool
    ordered_at: datetime
    paid_amount: int
    refunded_amount: int


@dataclass
class PointRow:
    kind: str  # EARN / SPEND
    amount: int
    at: datetime


@dataclass
class CouponRow:
    coupon_id: int
    status: str
    issued_at: datetime
    expires_at: datetime | None


@dataclass
class MemberRow:
    id: int
    site_id: int
    signed_up_at: datetime
    grade: str = "BASIC"
    birthday: date | None = None
    is_active: bool = True
    orders: list[OrderRow] = field(default_factory=list)
    points: list[PointRow] = field(default_factory=list)
    visits: list[datetime] = field(default_factory=list)
    tags: set[str] = field(default_factory=set)
    consents: dict[str, bool] = field(default_factory=dict)  # channel -> granted
    coupons: list[CouponRow] = field(default_factory=list)


def evaluate(tree: dict, as_of: date, members: Iterable[MemberRow], site_id: int | None = None) -> set[int]:
    """The ids of the active members (of `site_id` when given) for whom the validated tree holds."""
    return {m.id for m in members
            if m.is_active and (site_id is None or m.site_id == site_id) and holds(tree, m, as_of)}


def holds(node: dict, member: MemberRow, as_of: date) -> bool:
    if "field" in node:
        return CONDITIONS[node["field"]](node, member, as_of)
    if node["op"] == "NOT":
        return not holds(node["child"], member, as_of)
    results = (holds(child, member, as_of) for child in node["children"])
    return all(results) if node["op"] == "AND" else any(results)


def _within(at: datetime, as_of: date, period: dict) -> bool:
    window = period_window(as_of, period)
    return (window.start is None or window.start <= at) and at < window.end


def _orders(member: MemberRow, as_of: date) -> list[OrderRow]:
    """Orders that count: not cancelled, not carts, placed by the end of the day."""
    return [o for o in member.orders
            if o.status in COUNTED_STATUSES and not o.is_temporary and o.ordered_at < end_of(as_of)]


def _orders_in(member: MemberRow, as_of: date, period: dict) -> list[OrderRow]:
    return [o for o in _orders(member, as_of) if _within(o.ordered_at, as_of, period)]


def _signed_up(c: dict, m: MemberRow, d: date) -> bool:
    window = days_window(d, c["days"])
    return window.start <= m.signed_up_at < window.end


def _order_count(c: dict, m: MemberRow, d: date) -> bool:
    return compare(len(_orders_in(m, d, c["period"])), c["cmp"])


def _amount_spent(c: dict, m: MemberRow, d: date) -> bool:
    return compare(sum(o.paid_amount - o.refunded_amount for o in _orders_in(m, d, c["period"])), c["cmp"])


def _last_order(c: dict, m: MemberRow, d: date) -> bool:
    placed = [o.ordered_at for o in _orders(m, d)]
    if not placed:
        return False
    last = max(placed)
    when = c["when"]
    if when in ("WITHIN_DAYS", "BEFORE_DAYS"):
        recent = last >= days_window(d, c["days"]).start
        return recent if when == "WITHIN_DAYS" else not recent
    last_day = last.astimezone(SEOUL).date()
    bound = date.fromisoformat(c["date"])
    return last_day < bound if when == "BEFORE_DATE" else last_day > bound


def _points(m: MemberRow, d: date, kind: str | None, period: dict) -> list[PointRow]:
    return [p for p in m.points if (kind is None or p.kind == kind) and _within(p.at, d, period)]


def _points_held(c: dict, m: MemberRow, d: date) -> bool:
    held = sum(p.amount if p.kind == "EARN" else -p.amount for p in _points(m, d, None, {"ever": True}))
    return compare(held, c["cmp"])


def _points_earned(c: dict, m: MemberRow, d: date) -> bool:
    return compare(sum(p.amount for p in _points(m, d, "EARN", c["period"])), c["cmp"])


def _earnings(c: dict, m: MemberRow, d: date) -> bool:
    return compare(len(_points(m, d, "EARN", c["period"])), c["cmp"])


def _tags(c: dict, m: MemberRow, _d: date) -> bool:
    wanted = set(c["tags"])
    if c["match"] == "ANY":
        return bool(wanted & m.tags)
    if c["match"] == "ALL":
        return wanted <= m.tags
    return not wanted & m.tags


def _visits(c: dict, m: MemberRow, d: date) -> bool:
    return compare(sum(1 for at in m.visits if _within(at, d, c["period"])), c["cmp"])


def _consent(c: dict, m: MemberRow, _d: date) -> bool:
    return m.consents.get(c["channel"], False)


def _birthday(c: dict, m: MemberRow, d: date) -> bool:
    return m.birthday is not None and m.birthday.strftime("%m-%d") in birthday_days(d, c["days"])


def _holds_coupon(c: dict, m: MemberRow, d: date) -> bool:
    """Unused (still AVAILABLE), issued by the end of the day and usable through all of it
    (a coupon expiring at the next midnight is held on D)."""
    end = end_of(d)
    return any(mc.coupon_id == c["coupon_id"] and mc.status == "AVAILABLE" and mc.issued_at < end
               and (mc.expires_at is None or mc.expires_at >= end) for mc in m.coupons)


CONDITIONS: dict[str, Callable[[dict, MemberRow, date], bool]] = {
    "SIGNED_UP": _signed_up, "ORDER_COUNT": _order_count, "AMOUNT_SPENT": _amount_spent,
    "LAST_ORDER": _last_order, "GRADE": lambda c, m, _d: m.grade in c["grades"],
    "POINTS_HELD": _points_held, "POINTS_EARNED": _points_earned, "EARNINGS": _earnings,
    "TAGS": _tags, "VISITS": _visits, "CONSENT": _consent, "BIRTHDAY": _birthday,
    "HOLDS_COUPON": _holds_coupon,
}
