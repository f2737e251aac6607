"""A segment tree compiled to one SQL query, the same text on SQLite and PostgreSQL.

The query is built from parts with bound parameters only (`?` placeholders, numbered for
PostgreSQL by raw_sql); no value is ever formatted into the text. Counted conditions
(orders, spending, points, earnings, visits, last order) become one LEFT JOIN each on a
subquery grouped by member over the condition's window, identical subqueries shared;
the predicate reads `COALESCE(aN.v, 0)`. Set conditions (tags, consent, coupons) become
`m.id IN (subquery)`. Every predicate is TRUE or FALSE, never NULL, so NOT means what it
says. The ORM's query expressions cannot express grouped LEFT JOINs under arbitrary
AND/OR/NOT, which is why this is SQL (benchmark `segment`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from gql.resolvers.segment_tree import (
    Window,
    birthday_days,
    days_window,
    end_of,
    period_window,
)
from kupon.timeutil import seoul_day_start_utc
from models.coupons import MemberCouponStatus
from models.orders import OrderStatus

# Orders that count for segments: paid ones, refunded or not (not carts, not cancelled, not
# still awaiting a deposit).
COUNTED_ORDER_STATUSES = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.FULLY_REFUNDED)

_CMP_SQL = {"GTE": ">=", "LTE": "<=", "EQ": "="}


@dataclass
class CompiledSegment:
    """`FROM member m ... WHERE ...` and its parameters, to put after a SELECT of `m.id`."""

    from_where: str
    params: list[Any]

    def select_ids(self) -> tuple[str, list[Any]]:
        return f"SELECT m.id {self.from_where}", list(self.params)

    def count(self) -> tuple[str, list[Any]]:
        return f"SELECT COUNT(*) {self.from_where}", list(self.params)


@dataclass
class _Builder:
    as_of: date
    postgres: bool
    joins: list[str] = field(default_factory=list)
    join_params: list[Any] = field(default_factory=list)
    aliases: dict[tuple, str] = field(default_factory=dict)

    # values

    def instant(self, moment: datetime) -> Any:
        """On SQLite as the ISO text Tortoise stores, so text comparison orders instants."""
        return moment if self.postgres else moment.isoformat(" ")

    def day(self, day: date) -> Any:
        return day if self.postgres else day.isoformat()

    # counted conditions

    def aggregate(self, table: str, value: str, filters: list[tuple[str, list[Any]]], window: Window) -> str:
        """The alias of a grouped LEFT JOIN giving `v` per member (one per distinct subquery)."""
        conditions = [text for text, _ in filters]
        params = [p for _, values in filters for p in values]
        time_column = "ordered_at" if table == "shop_order" else "at"
        if window.start is not None:
            conditions.append(f"{time_column} >= ?")
            params.append(self.instant(window.start))
        conditions.append(f"{time_column} < ?")
        params.append(self.instant(window.end))
        sql = (f"SELECT member_id, {value} AS v FROM {table} WHERE {' AND '.join(conditions)} "
               "GROUP BY member_id")
        key = (sql, tuple(map(str, params)))
        if key not in self.aliases:
            alias = f"a{len(self.aliases) + 1}"
            self.aliases[key] = alias
            self.joins.append(f"LEFT JOIN ({sql}) {alias} ON {alias}.member_id = m.id")
            self.join_params.extend(params)
        return self.aliases[key]

    def orders(self, value: str, window: Window) -> str:
        statuses = [s.value for s in COUNTED_ORDER_STATUSES]
        marks = ", ".join("?" for _ in statuses)
        return self.aggregate("shop_order", value, [
            (f"status IN ({marks})", statuses), ("is_temporary = ?", [False])], window)

    def points(self, value: str, window: Window, earn_only: bool) -> str:
        filters = [("kind = ?", ["EARN"])] if earn_only else []
        return self.aggregate("point_entry", value, filters, window)

    # predicates: (sql, params), always TRUE or FALSE

    def compare(self, expression: str, cmp: dict) -> tuple[str, list[Any]]:
        if cmp["op"] == "BETWEEN":
            return f"{expression} BETWEEN ? AND ?", [cmp["value"], cmp["value2"]]
        return f"{expression} {_CMP_SQL[cmp['op']]} ?", [cmp["value"]]

    def counted(self, alias: str, cmp: dict) -> tuple[str, list[Any]]:
        return self.compare(f"COALESCE({alias}.v, 0)", cmp)

    def predicate(self, node: dict) -> tuple[str, list[Any]]:
        if "field" in node:
            return getattr(self, f"_{node['field'].lower()}")(node)
        if node["op"] == "NOT":
            text, params = self.predicate(node["child"])
            return f"NOT ({text})", params
        parts = [self.predicate(child) for child in node["children"]]
        joiner = f" {node['op']} "
        return joiner.join(f"({text})" for text, _ in parts), [p for _, params in parts for p in params]

    def _signed_up(self, c: dict):
        window = days_window(self.as_of, c["days"])
        return "m.signed_up_at >= ? AND m.signed_up_at < ?", [self.instant(window.start), self.instant(window.end)]

    def _order_count(self, c: dict):
        return self.counted(self.orders("COUNT(*)", period_window(self.as_of, c["period"])), c["cmp"])

    def _amount_spent(self, c: dict):
        alias = self.orders("SUM(paid_amount - refunded_amount)", period_window(self.as_of, c["period"]))
        return self.counted(alias, c["cmp"])

    def _last_order(self, c: dict):
        alias = self.orders("MAX(ordered_at)", Window(None, end_of(self.as_of)))
        when = c["when"]
        if when in ("WITHIN_DAYS", "BEFORE_DAYS"):
            start = days_window(self.as_of, c["days"]).start
            op = ">=" if when == "WITHIN_DAYS" else "<"
        else:
            day = date.fromisoformat(c["date"])
            start = seoul_day_start_utc(day if when == "BEFORE_DATE" else day + timedelta(days=1))
            op = "<" if when == "BEFORE_DATE" else ">="
        return f"{alias}.v IS NOT NULL AND {alias}.v {op} ?", [self.instant(start)]

    def _grade(self, c: dict):
        return f"m.grade IN ({', '.join('?' for _ in c['grades'])})", list(c["grades"])

    def _points_held(self, c: dict):
        alias = self.points("SUM(CASE WHEN kind = 'EARN' THEN amount ELSE -amount END)",
                            Window(None, end_of(self.as_of)), earn_only=False)
        return self.counted(alias, c["cmp"])

    def _points_earned(self, c: dict):
        return self.counted(self.points("SUM(amount)", period_window(self.as_of, c["period"]), True), c["cmp"])

    def _earnings(self, c: dict):
        return self.counted(self.points("COUNT(*)", period_window(self.as_of, c["period"]), True), c["cmp"])

    def _visits(self, c: dict):
        alias = self.aggregate("member_visit", "COUNT(*)", [], period_window(self.as_of, c["period"]))
        return self.counted(alias, c["cmp"])

    def _tags(self, c: dict):
        tags = c["tags"]
        marks = ", ".join("?" for _ in tags)
        if c["match"] == "ALL":
            return (f"m.id IN (SELECT member_id FROM member_tag WHERE tag IN ({marks}) GROUP BY member_id "
                    "HAVING COUNT(*) = ?)"), [*tags, len(tags)]
        negation = "NOT " if c["match"] == "NONE" else ""
        return f"m.id {negation}IN (SELECT member_id FROM member_tag WHERE tag IN ({marks}))", list(tags)

    def _consent(self, c: dict):
        return ("m.id IN (SELECT member_id FROM marketing_consent WHERE channel = ? AND granted = ?)",
                [c["channel"], True])

    def _birthday(self, c: dict):
        days = birthday_days(self.as_of, c["days"])
        month_day = "to_char(m.birthday, 'MM-DD')" if self.postgres else "substr(m.birthday, 6, 5)"
        return (f"m.birthday IS NOT NULL AND {month_day} IN ({', '.join('?' for _ in days)})", days)

    def _holds_coupon(self, c: dict):
        end = self.instant(end_of(self.as_of))
        return ("m.id IN (SELECT member_id FROM member_coupon WHERE coupon_id = ? AND status = ? "
                "AND issued_at < ? AND (expires_at IS NULL OR expires_at >= ?))",
                [c["coupon_id"], MemberCouponStatus.AVAILABLE.value, end, end])


def compile_segment(tree: dict, as_of: date, site_id: int | None, postgres: bool) -> CompiledSegment:
    """The members a validated tree selects as of the end of Seoul day `as_of`."""
    builder = _Builder(as_of, postgres)
    predicate, where_params = builder.predicate(tree)
    scope, scope_params = "m.is_active = ?", [True]
    if site_id is not None:
        scope, scope_params = scope + " AND m.site_id = ?", [True, site_id]
    from_where = f"FROM member m {' '.join(builder.joins)} WHERE {scope} AND ({predicate})"
    return CompiledSegment(from_where, [*builder.join_params, *scope_params, *where_params])
