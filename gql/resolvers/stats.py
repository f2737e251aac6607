"""Sales statistics (SPEC 6, seed 001 매출통계): daily, monthly and per-product tables.

Definitions (also in the README, "Sales statistics"):
- A day is an Asia/Seoul business day, a month a Seoul calendar month; instants are stored in UTC.
- Sales amount: `paid_amount` of the orders *paid* that day (by `paid_at`). Free orders are paid
  orders of 0 won, so they count with 0. Cancelled orders are never sales.
- Order amount / count: the orders *placed* that day (by `ordered_at`), whatever became of them,
  cancelled ones included (they were placed); the amount is what each asked for (`paid_amount`).
- Refund amount / count: refund requests *completed* that day (`completed_at`), their
  `refunded_amount`. A refunded order stays in the sales of the day it was paid.
- Temporary orders (saved carts, 임시주문) count nowhere.
- Per product: the items of the orders placed in the range (or ever, for "all time"), by product:
  sales = items of those orders that were paid and not cancelled; orders = distinct orders with
  the product and the items' amount; refunds = items with money given back, and that money
  (`OrderItem.refunded_amount`). Every product that matches the filters has a row, zeros included.

Every table is aggregated by the database (GROUP BY in SQL), in one statement whatever the range;
Python only fills the days or months without rows with zeros and adds the totals row. The SQL is
raw (one query for three sources, grouped by a Seoul date both dialects compute differently), a
measured hot path: benchmark `stats_daily` (bench/stats_daily.py) times `daily_sales` over
1,000,000 orders against the same SQL run directly. Values are always bound parameters. Indexes on
`paid_at` / `completed_at` were measured there and gained nothing (a year is a third of the orders).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum

from tortoise import connections

from gql.resolvers.access import Actor, require_read_shop
from gql.resolvers.errors import Refused
from kupon.timeutil import seoul_day_start_utc
from models.orders import OrderStatus
from models.refunds import RefundStatus

# Longest ranges a table accepts: a daily table of 3 years (1,096 rows), a monthly one of 10 years.
MAX_DAYS = 3 * 366
MAX_MONTHS = 120


class Preset(StrEnum):
    TODAY = "today"
    THIS_WEEK = "this_week"
    THIS_MONTH = "this_month"
    PREVIOUS_MONTH = "previous_month"
    NEXT_MONTH = "next_month"
    THIS_YEAR = "this_year"
    LAST_3_YEARS = "last_3_years"
    ALL_TIME = "all_time"


# The presets the seed offers on each table.
PERIOD_PRESETS = [Preset.TODAY, Preset.THIS_WEEK, Preset.THIS_MONTH, Preset.PREVIOUS_MONTH, Preset.NEXT_MONTH,
                  Preset.THIS_YEAR]
PRODUCT_PRESETS = [Preset.TODAY, Preset.THIS_WEEK, Preset.THIS_MONTH, Preset.THIS_YEAR, Preset.LAST_3_YEARS,
                   Preset.ALL_TIME]


@dataclass(frozen=True)
class DateRange:
    """Seoul dates, both ends included; None for an open end (only "all time" has them)."""

    start: date | None
    end: date | None


def _month_start(day: date, months_later: int = 0) -> date:
    index = day.year * 12 + day.month - 1 + months_later
    return date(index // 12, index % 12 + 1, 1)


def _month_end(first: date) -> date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def preset_range(preset: Preset | str, today: date) -> DateRange:
    """The Seoul date range a preset names, seen from `today` (a Seoul date). A week runs Monday
    to Sunday; "last 3 years" is the 3 years up to today (the same day 3 years ago, plus one);
    previous/next month are relative to `today`'s month, so the console passes the first day of
    the range on screen to step month by month."""
    preset = Preset(preset)
    if preset == Preset.TODAY:
        return DateRange(today, today)
    if preset == Preset.THIS_WEEK:
        monday = today - timedelta(days=today.weekday())
        return DateRange(monday, monday + timedelta(days=6))
    if preset in (Preset.THIS_MONTH, Preset.PREVIOUS_MONTH, Preset.NEXT_MONTH):
        shift = {Preset.THIS_MONTH: 0, Preset.PREVIOUS_MONTH: -1, Preset.NEXT_MONTH: 1}[preset]
        first = _month_start(today, shift)
        return DateRange(first, _month_end(first))
    if preset == Preset.THIS_YEAR:
        return DateRange(date(today.year, 1, 1), date(today.year, 12, 31))
    if preset == Preset.LAST_3_YEARS:
        try:
            start = today.replace(year=today.year - 3)
        except ValueError:  # 29 February
            start = today.replace(year=today.year - 3, day=28)
        return DateRange(start + timedelta(days=1), today)
    return DateRange(None, None)


@dataclass
class SalesRow:
    """One day or month (`period` is its first day), or the totals (`period` None)."""

    period: date | None
    sales_amount: int = 0
    order_amount: int = 0
    order_count: int = 0
    refund_amount: int = 0
    refund_count: int = 0


@dataclass
class SalesTable:
    unit: str  # "day" or "month"
    start: date
    end: date
    rows: list[SalesRow]
    totals: SalesRow


@dataclass
class ProductSalesRow:
    product_id: int | None
    code: str
    name: str
    category: str
    is_online: bool | None
    is_always_open: bool | None
    is_active: bool | None
    price: int
    sales_amount: int = 0
    order_count: int = 0
    order_amount: int = 0
    refund_count: int = 0
    refund_amount: int = 0


@dataclass
class ProductSalesFilter:
    """None means "all" for every field. Dates are Seoul order dates, both included."""

    start: date | None = None
    end: date | None = None
    category_id: int | None = None
    is_online: bool | None = None
    is_always_open: bool | None = None
    is_active: bool | None = None


@dataclass
class ProductSalesTable:
    filter: ProductSalesFilter
    rows: list[ProductSalesRow]
    totals: ProductSalesRow = field(default_factory=lambda: ProductSalesRow(None, "", "", "", None, None, None, 0))


# --- SQL -------------------------------------------------------------------------------------------------

def _is_postgres() -> bool:
    return connections.get("default").capabilities.dialect == "postgres"


class _Params:
    """Bound parameters in the connection's placeholder style: $n on PostgreSQL, ?n on SQLite."""

    def __init__(self, postgres: bool) -> None:
        self.postgres = postgres
        self.values: list = []

    def __call__(self, value) -> str:
        self.values.append(value)
        return f"${len(self.values)}" if self.postgres else f"?{len(self.values)}"


def _seoul_period(column: str, unit: str, postgres: bool) -> str:
    """The Seoul day (or the first day of the Seoul month) of a UTC column: a date on PostgreSQL,
    'YYYY-MM-DD' text on SQLite, which stores the instant as ISO text and has no time zones
    (Seoul is UTC+9, with no daylight saving since 1988)."""
    if postgres:
        local = f"({column} AT TIME ZONE 'Asia/Seoul')"
        return f"{local}::date" if unit == "day" else f"date_trunc('month', {local})::date"
    return f"date({column}, '+9 hours')" if unit == "day" else f"date({column}, '+9 hours', 'start of month')"


def period_sales_sql(unit: str, start_utc, end_utc, postgres: bool) -> tuple[str, list]:
    """One statement for the three sources, each grouped by Seoul period: rows of
    (part, period, amount, count) with part 'orders', 'sales' or 'refunds'. Instants bound as
    parameters (on SQLite as the ISO text Tortoise stores, so the comparison is the same)."""
    p = _Params(postgres)
    if not postgres:
        start_utc, end_utc = start_utc.isoformat(" "), end_utc.isoformat(" ")
    start, end, temporary = p(start_utc), p(end_utc), p(False)
    cancelled, completed = p(OrderStatus.CANCELLED.value), p(RefundStatus.COMPLETED.value)
    ordered = _seoul_period("ordered_at", unit, postgres)
    paid = _seoul_period("paid_at", unit, postgres)
    refunded = _seoul_period("completed_at", unit, postgres)
    sql = (
        f"SELECT 'orders' AS part, {ordered} AS period, SUM(paid_amount) AS amount, COUNT(*) AS n"
        f" FROM shop_order WHERE ordered_at >= {start} AND ordered_at < {end} AND is_temporary = {temporary}"
        f" GROUP BY 2"
        f" UNION ALL"
        f" SELECT 'sales', {paid}, SUM(paid_amount), COUNT(*)"
        f" FROM shop_order WHERE paid_at >= {start} AND paid_at < {end} AND is_temporary = {temporary}"
        f" AND status <> {cancelled} GROUP BY 2"
        f" UNION ALL"
        f" SELECT 'refunds', {refunded}, SUM(refunded_amount), COUNT(*)"
        f" FROM refund_request WHERE completed_at >= {start} AND completed_at < {end} AND status = {completed}"
        f" GROUP BY 2"
    )
    return sql, p.values


def check_range(start: date | None, end: date | None, unit: str) -> tuple[date, date]:
    if start is None or end is None:
        raise Refused.because("STATS_RANGE_REQUIRED", "from" if start is None else "to")
    if start > end:
        raise Refused.because("STATS_RANGE_REVERSED", "to")
    length = (end - start).days + 1 if unit == "day" else (end.year - start.year) * 12 + end.month - start.month + 1
    if length > (MAX_DAYS if unit == "day" else MAX_MONTHS):
        raise Refused.because("STATS_RANGE_TOO_LONG", "from")
    return start, end


def _periods(start: date, end: date, unit: str) -> list[date]:
    if unit == "day":
        return [start + timedelta(days=n) for n in range((end - start).days + 1)]
    months, first = [], _month_start(start)
    while first <= end:
        months.append(first)
        first = _month_start(first, 1)
    return months


async def _period_sales(actor: Actor, start: date | None, end: date | None, unit: str) -> SalesTable:
    require_read_shop(actor)
    start, end = check_range(start, end, unit)
    # A monthly table covers whole months.
    first, last = (start, end) if unit == "day" else (_month_start(start), _month_end(_month_start(end)))
    postgres = _is_postgres()
    sql, values = period_sales_sql(unit, seoul_day_start_utc(first), seoul_day_start_utc(last + timedelta(days=1)),
                                   postgres)
    _, records = await connections.get("default").execute_query(sql, values)
    rows = {period: SalesRow(period) for period in _periods(first, last, unit)}
    for part, period, amount, count in (tuple(r) for r in records):
        row = rows[period if isinstance(period, date) else date.fromisoformat(period)]
        if part == "orders":
            row.order_amount, row.order_count = int(amount), int(count)
        elif part == "sales":
            row.sales_amount = int(amount)
        else:
            row.refund_amount, row.refund_count = int(amount), int(count)
    table_rows = list(rows.values())
    totals = SalesRow(None)
    for row in table_rows:
        totals.sales_amount += row.sales_amount
        totals.order_amount += row.order_amount
        totals.order_count += row.order_count
        totals.refund_amount += row.refund_amount
        totals.refund_count += row.refund_count
    return SalesTable(unit, first, last, table_rows, totals)


async def daily_sales(actor: Actor, start: date | None, end: date | None) -> SalesTable:
    """One row per Seoul day from `start` to `end` (both included, at most 3 years), days without
    anything as zeros, and the totals. One SQL statement whatever the range (see the module's
    definitions). API keys may read it."""
    return await _period_sales(actor, start, end, "day")


async def monthly_sales(actor: Actor, start: date | None, end: date | None) -> SalesTable:
    """One row per Seoul month touched by `start`..`end` (whole months, at most 10 years), and the
    totals; the same definitions as `daily_sales`."""
    return await _period_sales(actor, start, end, "month")


def product_sales_sql(flt: ProductSalesFilter, postgres: bool) -> tuple[str, list]:
    p = _Params(postgres)

    def instant(day: date):
        moment = seoul_day_start_utc(day)
        return moment if postgres else moment.isoformat(" ")

    order_conditions = [f"o.is_temporary = {p(False)}"]
    if flt.start is not None:
        order_conditions.append(f"o.ordered_at >= {p(instant(flt.start))}")
    if flt.end is not None:
        order_conditions.append(f"o.ordered_at < {p(instant(flt.end + timedelta(days=1)))}")
    product_conditions = []
    for column, value in (("p.category_id", flt.category_id), ("p.is_online", flt.is_online),
                          ("p.is_always_open", flt.is_always_open), ("p.is_active", flt.is_active)):
        if value is not None:
            product_conditions.append(f"{column} = {p(value)}")
    cancelled = p(OrderStatus.CANCELLED.value)
    where = f" WHERE {' AND '.join(product_conditions)}" if product_conditions else ""
    sql = (
        "SELECT p.id, p.code, p.name, c.name, p.is_online, p.is_always_open, p.is_active, p.price,"
        f" COALESCE(SUM(CASE WHEN o.paid_at IS NOT NULL AND o.status <> {cancelled} THEN i.paid_amount END), 0),"
        " COUNT(DISTINCT o.id), COALESCE(SUM(i.paid_amount), 0),"
        " COUNT(CASE WHEN i.refunded_amount > 0 THEN 1 END), COALESCE(SUM(i.refunded_amount), 0)"
        " FROM product p LEFT JOIN category c ON c.id = p.category_id"
        " LEFT JOIN (order_item i JOIN shop_order o ON o.id = i.order_id"
        f" AND {' AND '.join(order_conditions)}) ON i.product_id = p.id"
        f"{where}"
        " GROUP BY p.id, p.code, p.name, c.name, p.is_online, p.is_always_open, p.is_active, p.price"
        " ORDER BY p.id"
    )
    return sql, p.values


async def product_sales(actor: Actor, flt: ProductSalesFilter) -> ProductSalesTable:
    """One row per product matching the filters (zeros included), with its list price (수강료),
    and the totals: see the module's definitions. Open dates mean "since ever" / "until now"."""
    require_read_shop(actor)
    if flt.start is not None and flt.end is not None and flt.start > flt.end:
        raise Refused.because("STATS_RANGE_REVERSED", "to")
    sql, values = product_sales_sql(flt, _is_postgres())
    _, records = await connections.get("default").execute_query(sql, values)
    rows = []
    for r in records:
        r = tuple(r)
        rows.append(ProductSalesRow(
            product_id=r[0], code=r[1], name=r[2], category=r[3] or "", is_online=bool(r[4]),
            is_always_open=bool(r[5]), is_active=bool(r[6]), price=int(r[7]), sales_amount=int(r[8]),
            order_count=int(r[9]), order_amount=int(r[10]), refund_count=int(r[11]), refund_amount=int(r[12])))
    table = ProductSalesTable(replace(flt), rows)
    for row in rows:
        table.totals.sales_amount += row.sales_amount
        table.totals.order_count += row.order_count
        table.totals.order_amount += row.order_amount
        table.totals.refund_count += row.refund_count
        table.totals.refund_amount += row.refund_amount
    return table
