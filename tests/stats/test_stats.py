"""Sales statistics (SPEC 6): Seoul days, what counts where, totals, presets, and who may read them."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from gql.resolvers.access import ANONYMOUS, Actor, ActorKind
from gql.resolvers.errors import Refused
from gql.resolvers.stats import (
    DateRange,
    Preset,
    ProductSalesFilter,
    daily_sales,
    monthly_sales,
    preset_range,
    product_sales,
)
from models.access import Role
from models.catalog import ProductKind
from models.orders import Order, OrderItem, OrderStatus
from models.refunds import RefundRequest, RefundStatus
from tests.conftest import graphql
from tests.factories import api_key, make_category, make_member, make_product, make_site, member_token
from tests.gql.test_rules import count_sql

VIEWER = Actor(ActorKind.OPERATOR, id=1, label="viewer", role=Role.VIEWER)
_seq = itertools.count(1)


def kst(year, month, day, hour=12, minute=0) -> datetime:
    """A Seoul wall-clock time as the UTC instant the database stores."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC) - timedelta(hours=9)


async def make_order(member, at: datetime, amount: int, *, paid_at: datetime | None | str = "same",
                     status=OrderStatus.PAID, products=(), temporary=False) -> Order:
    n = next(_seq)
    order = await Order.create(
        number=f"S{n:08d}", name="통계 주문", site_id=member.site_id, member=member, channel="PC_WEB",
        status=status, list_total=amount, paid_amount=amount, ordered_at=at,
        paid_at=at if paid_at == "same" else paid_at, is_temporary=temporary)
    for product, item_amount, refunded in products:
        await OrderItem.create(order=order, product=product, product_name=product.name, kind=ProductKind.COURSE,
                               quantity=1, unit_price=item_amount, list_price=product.price,
                               list_amount=item_amount, paid_amount=item_amount, refunded_amount=refunded)
    return order


async def refund(order, at: datetime, amount: int, status=RefundStatus.COMPLETED) -> RefundRequest:
    return await RefundRequest.create(order=order, requested_at=at - timedelta(days=1), requested_by="member",
                                      status=status, amount=amount, refunded_amount=amount,
                                      completed_at=at if status == RefundStatus.COMPLETED else None)


def by_day(table) -> dict:
    return {row.period: row for row in table.rows}


# --- presets (no database) ---------------------------------------------------------------------------

@pytest.mark.parametrize(("preset", "expected"), [
    ("today", (date(2026, 3, 18), date(2026, 3, 18))),
    ("this_week", (date(2026, 3, 16), date(2026, 3, 22))),  # Wednesday: Monday to Sunday
    ("this_month", (date(2026, 3, 1), date(2026, 3, 31))),
    ("previous_month", (date(2026, 2, 1), date(2026, 2, 28))),
    ("next_month", (date(2026, 4, 1), date(2026, 4, 30))),
    ("this_year", (date(2026, 1, 1), date(2026, 12, 31))),
    ("last_3_years", (date(2023, 3, 19), date(2026, 3, 18))),
    ("all_time", (None, None)),
])
def test_presets_from_a_fixed_today(preset, expected):
    assert preset_range(preset, date(2026, 3, 18)) == DateRange(*expected)


def test_month_presets_cross_years_and_leap_days():
    assert preset_range(Preset.PREVIOUS_MONTH, date(2026, 1, 31)) == DateRange(date(2025, 12, 1), date(2025, 12, 31))
    assert preset_range(Preset.NEXT_MONTH, date(2026, 12, 1)) == DateRange(date(2027, 1, 1), date(2027, 1, 31))
    assert preset_range(Preset.NEXT_MONTH, date(2028, 1, 10)).end == date(2028, 2, 29)
    assert preset_range(Preset.THIS_WEEK, date(2026, 3, 22)).start == date(2026, 3, 16)  # Sunday
    assert preset_range(Preset.LAST_3_YEARS, date(2028, 2, 29)).start == date(2025, 3, 1)


# --- daily and monthly --------------------------------------------------------------------------------

async def test_orders_around_seoul_midnight_land_on_their_seoul_day(db):
    member = await make_member()
    await make_order(member, kst(2026, 3, 10, 23, 30), 10_000)  # 14:30 UTC on the 10th
    await make_order(member, kst(2026, 3, 11, 0, 30), 20_000)   # 15:30 UTC on the 10th, Seoul's 11th
    table = await daily_sales(VIEWER, date(2026, 3, 10), date(2026, 3, 11))
    rows = by_day(table)
    assert (rows[date(2026, 3, 10)].order_count, rows[date(2026, 3, 10)].order_amount) == (1, 10_000)
    assert (rows[date(2026, 3, 11)].order_count, rows[date(2026, 3, 11)].sales_amount) == (1, 20_000)
    # The first Seoul minute of the range is in, the first minute after it is not.
    await make_order(member, kst(2026, 3, 10, 0, 0), 1)
    await make_order(member, kst(2026, 3, 12, 0, 0), 2)
    table = await daily_sales(VIEWER, date(2026, 3, 10), date(2026, 3, 11))
    assert table.totals.order_amount == 30_001


async def test_sales_orders_and_refunds_each_count_on_their_own_day(db):
    member = await make_member()
    # Placed on the 1st, paid (deposit) on the 2nd, refunded on the 3rd.
    order = await make_order(member, kst(2026, 3, 1), 50_000, paid_at=kst(2026, 3, 2),
                             status=OrderStatus.PARTIALLY_REFUNDED)
    await refund(order, kst(2026, 3, 3), 20_000)
    await refund(order, kst(2026, 3, 3), 5_000, status=RefundStatus.REQUESTED)  # not completed: not counted
    # Awaiting deposit: an order, not a sale.
    await make_order(member, kst(2026, 3, 1), 7_000, paid_at=None, status=OrderStatus.AWAITING_DEPOSIT)
    # Cancelled: an order placed, never a sale.
    await make_order(member, kst(2026, 3, 1), 9_000, status=OrderStatus.CANCELLED)
    # Free: an order and a sale of 0.
    await make_order(member, kst(2026, 3, 2), 0)
    # Temporary: nowhere.
    await make_order(member, kst(2026, 3, 2), 3_000, temporary=True)
    rows = by_day(await daily_sales(VIEWER, date(2026, 3, 1), date(2026, 3, 3)))
    first, second, third = rows[date(2026, 3, 1)], rows[date(2026, 3, 2)], rows[date(2026, 3, 3)]
    assert (first.order_count, first.order_amount, first.sales_amount) == (3, 66_000, 0)
    assert (second.order_count, second.order_amount, second.sales_amount) == (1, 0, 50_000)
    assert (third.refund_count, third.refund_amount, third.order_count) == (1, 20_000, 0)


async def test_missing_days_are_zeros_and_totals_are_the_sum_of_rows(db):
    member = await make_member()
    for day, amount in ((2, 1_000), (5, 2_000), (5, 3_000), (9, 4_000)):
        await make_order(member, kst(2026, 4, day), amount)
    table = await daily_sales(VIEWER, date(2026, 4, 1), date(2026, 4, 10))
    assert [row.period for row in table.rows] == [date(2026, 4, d) for d in range(1, 11)]
    assert [row.order_count for row in table.rows] == [0, 1, 0, 0, 2, 0, 0, 0, 1, 0]
    for name in ("sales_amount", "order_amount", "order_count", "refund_amount", "refund_count"):
        assert getattr(table.totals, name) == sum(getattr(row, name) for row in table.rows)
    assert table.totals.sales_amount == 10_000


async def test_monthly_groups_by_seoul_month(db):
    member = await make_member()
    await make_order(member, kst(2026, 1, 31, 23, 59), 1_000)
    await make_order(member, kst(2026, 2, 1, 0, 1), 2_000)   # still January 31st in UTC
    await make_order(member, kst(2026, 3, 15), 4_000)
    table = await monthly_sales(VIEWER, date(2026, 1, 20), date(2026, 3, 2))
    assert (table.start, table.end) == (date(2026, 1, 1), date(2026, 3, 31))
    assert [(row.period, row.sales_amount) for row in table.rows] == [
        (date(2026, 1, 1), 1_000), (date(2026, 2, 1), 2_000), (date(2026, 3, 1), 4_000)]
    assert table.totals.order_count == 3


async def test_statement_count_does_not_grow_with_the_number_of_days(db):
    member = await make_member()
    for day in range(1, 29):
        await make_order(member, kst(2025, 2, day), 1_000)
    counts = []
    for end in (date(2025, 1, 7), date(2025, 12, 31)):
        with count_sql() as statements:
            await daily_sales(VIEWER, date(2025, 1, 1), end)
        counts.append(len(statements))
    assert counts == [1, 1]


async def test_ranges_are_checked(db):
    with pytest.raises(Refused) as refused:
        await daily_sales(VIEWER, date(2026, 3, 2), date(2026, 3, 1))
    assert refused.value.codes == ["STATS_RANGE_REVERSED"]
    with pytest.raises(Refused) as refused:
        await daily_sales(VIEWER, date(2020, 1, 1), date(2026, 1, 1))
    assert refused.value.codes == ["STATS_RANGE_TOO_LONG"]
    with pytest.raises(Refused) as refused:
        await monthly_sales(VIEWER, None, date(2026, 1, 1))
    assert refused.value.codes == ["STATS_RANGE_REQUIRED"]
    with pytest.raises(Refused) as refused:
        await daily_sales(ANONYMOUS, date(2026, 3, 1), date(2026, 3, 1))
    assert refused.value.codes == ["UNAUTHENTICATED"]


# --- per product --------------------------------------------------------------------------------------

async def test_product_sales_with_filters_and_totals(db):
    site = await make_site()
    member = await make_member(site)
    online = await make_category(site, name="온라인 과정")
    course = await make_product(site, online, price=100_000)
    offline = await make_product(site, None, price=300_000, is_online=False, is_always_open=True)
    hidden = await make_product(site, online, price=50_000, is_active=False)
    await make_order(member, kst(2026, 3, 1), 100_000, products=[(course, 100_000, 0)])
    await make_order(member, kst(2026, 3, 2), 390_000, products=[(course, 90_000, 30_000), (offline, 300_000, 0)])
    await make_order(member, kst(2026, 3, 3), 300_000, status=OrderStatus.CANCELLED, products=[(offline, 300_000, 0)])
    await make_order(member, kst(2025, 3, 3), 80_000, products=[(course, 80_000, 0)])  # before the range

    table = await product_sales(VIEWER, ProductSalesFilter(start=date(2026, 3, 1), end=date(2026, 3, 31)))
    rows = {row.product_id: row for row in table.rows}
    assert set(rows) == {course.id, offline.id, hidden.id}
    assert (rows[course.id].sales_amount, rows[course.id].order_count, rows[course.id].order_amount) == (
        190_000, 2, 190_000)
    assert (rows[course.id].refund_count, rows[course.id].refund_amount) == (1, 30_000)
    assert (rows[offline.id].sales_amount, rows[offline.id].order_count) == (300_000, 2)  # cancelled: no sale
    assert (rows[hidden.id].order_count, rows[hidden.id].price, rows[hidden.id].category) == (0, 50_000, "온라인 과정")
    for name in ("sales_amount", "order_amount", "order_count", "refund_amount", "refund_count"):
        assert getattr(table.totals, name) == sum(getattr(row, name) for row in table.rows)

    everything = await product_sales(VIEWER, ProductSalesFilter())
    assert {r.product_id: r.order_count for r in everything.rows}[course.id] == 3
    offline_only = await product_sales(VIEWER, ProductSalesFilter(is_online=False))
    assert [r.product_id for r in offline_only.rows] == [offline.id]
    regular_active = await product_sales(VIEWER, ProductSalesFilter(is_always_open=False, is_active=True,
                                                                     category_id=online.id))
    assert [r.product_id for r in regular_active.rows] == [course.id]


# --- GraphQL ----------------------------------------------------------------------------------------

DAILY = """query($from: Date, $to: Date, $preset: StatsPreset) {
  dailySales(from: $from, to: $to, preset: $preset) {
    rows { period salesAmount orderCount } totals { salesAmount orderCount } } }"""
PRODUCTS = """query { productSales(filter: {preset: ALL_TIME, online: false}) {
  rows { name fee salesAmount orderCount } totals { salesAmount } } }"""


async def test_api_key_reads_statistics_and_a_member_cannot(client, db):
    member = await make_member()
    await make_order(member, kst(2026, 3, 10, 23, 30), 10_000)
    key = await api_key()
    result = await graphql(client, DAILY, {"from": "2026-03-10", "to": "2026-03-11"}, token=key)
    assert "errors" not in result, result
    rows = result["data"]["dailySales"]["rows"]
    assert [(r["period"], r["salesAmount"]) for r in rows] == [("2026-03-10", 10_000), ("2026-03-11", 0)]
    assert result["data"]["dailySales"]["totals"] == {"salesAmount": 10_000, "orderCount": 1}
    assert "errors" not in await graphql(client, DAILY, {"preset": "THIS_WEEK"}, token=key)
    products = await graphql(client, PRODUCTS, token=key)
    assert "errors" not in products, products

    refused = await graphql(client, DAILY, {"from": "2026-03-10", "to": "2026-03-11"},
                            token=await member_token(member))
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    reversed_range = await graphql(client, DAILY, {"from": "2026-03-11", "to": "2026-03-10"}, token=key)
    assert reversed_range["errors"][0]["extensions"]["code"] == "STATS_RANGE_REVERSED"


EXPORT = """mutation($table: SalesTableKind!, $from: Date, $to: Date, $filter: ProductSalesFilterInput) {
  startSalesExport(table: $table, from: $from, to: $to, filter: $filter) {
    job { id status } errors { code field } } }"""


async def test_export_through_graphql_is_for_operators_who_change_the_shop(client, db, app):
    from io import BytesIO

    from openpyxl import load_workbook

    from models.jobs import JobFile
    from tests.conftest import console_login
    from tests.factories import PASSWORD, make_operator

    member = await make_member()
    await make_order(member, kst(2026, 3, 10), 10_000)
    refused = await graphql(client, EXPORT, {"table": "DAILY", "from": "2026-03-01", "to": "2026-03-31"},
                            token=await api_key())
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    operator = await make_operator(Role.OPERATOR)
    await console_login(client, operator.login_id, PASSWORD)  # the console session also signs GraphQL in
    bad = await graphql(client, EXPORT, {"table": "MONTHLY", "from": "2026-03-31", "to": "2026-03-01"})
    assert bad["data"]["startSalesExport"]["errors"] == [{"code": "STATS_RANGE_REVERSED", "field": "to"}]
    started = await graphql(client, EXPORT, {"table": "PRODUCTS", "filter": {"preset": "ALL_TIME"}})
    job = started["data"]["startSalesExport"]["job"]
    assert job["status"] == "QUEUED", started
    await app.state.job_runner.run_pending()
    file = await JobFile.get(job_id=int(job["id"]))
    rows = list(load_workbook(BytesIO(file.data), read_only=True).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("Product ID", "Code", "Product") and rows[-1][2] == "Total"
