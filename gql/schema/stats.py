"""Sales statistics for dashboards: daily, monthly and per-product tables (read-only API keys allowed)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

import strawberry
from strawberry.types import Info

from gql.resolvers import stats, stats_export
from gql.resolvers.errors import Refused
from gql.schema.common import query_or_error, to_pk, user_errors
from gql.schema.jobs import JobPayload, JobType
from gql.schema.permissions import CanChangeShop, CanReadShop
from kupon.timeutil import seoul_today

StatsPresetEnum = strawberry.enum(stats.Preset, name="StatsPreset")
FromDate = Annotated[date | None, strawberry.argument(name="from")]


@strawberry.type(name="SalesRow")
class SalesRowType:
    period: date | None = strawberry.field(description="The day, or the first day of the month; null on totals.")
    sales_amount: int
    order_amount: int
    order_count: int
    refund_amount: int
    refund_count: int

    @classmethod
    def from_row(cls, row: stats.SalesRow) -> SalesRowType:
        return cls(period=row.period, sales_amount=row.sales_amount, order_amount=row.order_amount,
                   order_count=row.order_count, refund_amount=row.refund_amount, refund_count=row.refund_count)


@strawberry.type(name="SalesTable")
class SalesTableType:
    start: date
    end: date
    rows: list[SalesRowType]
    totals: SalesRowType

    @classmethod
    def from_table(cls, table: stats.SalesTable) -> SalesTableType:
        return cls(start=table.start, end=table.end, rows=[SalesRowType.from_row(r) for r in table.rows],
                   totals=SalesRowType.from_row(table.totals))


@strawberry.type(name="ProductSalesRow")
class ProductSalesRowType:
    product_id: strawberry.ID | None
    code: str
    name: str
    category: str
    online: bool | None
    always_open: bool | None
    active: bool | None
    fee: int = strawberry.field(description="The product's list price (수강료); 0 on totals.")
    sales_amount: int
    order_count: int
    order_amount: int
    refund_count: int
    refund_amount: int

    @classmethod
    def from_row(cls, row: stats.ProductSalesRow) -> ProductSalesRowType:
        return cls(product_id=strawberry.ID(str(row.product_id)) if row.product_id else None, code=row.code,
                   name=row.name, category=row.category, online=row.is_online, always_open=row.is_always_open,
                   active=row.is_active, fee=row.price, sales_amount=row.sales_amount, order_count=row.order_count,
                   order_amount=row.order_amount, refund_count=row.refund_count, refund_amount=row.refund_amount)


@strawberry.type(name="ProductSalesTable")
class ProductSalesTableType:
    start: date | None
    end: date | None
    rows: list[ProductSalesRowType]
    totals: ProductSalesRowType


@strawberry.input
class ProductSalesFilterInput:
    from_: date | None = strawberry.field(default=None, name="from")
    to: date | None = None
    preset: StatsPresetEnum | None = strawberry.field(default=None, description="Overrides from/to.")
    category_id: strawberry.ID | None = None
    online: bool | None = None
    always_open: bool | None = None
    active: bool | None = None


@strawberry.enum(name="SalesTableKind")
class SalesTableKind(StrEnum):
    DAILY = "daily"
    MONTHLY = "monthly"
    PRODUCTS = "products"


def product_filter(given: ProductSalesFilterInput | None) -> stats.ProductSalesFilter:
    given = given or ProductSalesFilterInput()
    start, end = period_range(given.from_, given.to, given.preset)
    return stats.ProductSalesFilter(start=start, end=end, category_id=to_pk(given.category_id, "categoryId"),
                                    is_online=given.online, is_always_open=given.always_open, is_active=given.active)


def period_range(start: date | None, end: date | None, preset: stats.Preset | None) -> tuple[date | None, date | None]:
    """A preset, seen from today in Seoul, replaces from/to."""
    if preset is None:
        return start, end
    chosen = stats.preset_range(preset, seoul_today())
    return chosen.start, chosen.end


@strawberry.type
class StatsQuery:
    @strawberry.field(permission_classes=[CanReadShop],
                      description="Sales by Seoul day (at most 3 years): give from/to or a preset.")
    async def daily_sales(self, info: Info, from_: FromDate = None,
                          to: date | None = None, preset: StatsPresetEnum | None = None) -> SalesTableType:
        start, end = period_range(from_, to, preset)
        return SalesTableType.from_table(await query_or_error(stats.daily_sales(info.context.actor, start, end)))

    @strawberry.field(permission_classes=[CanReadShop],
                      description="Sales by Seoul month (whole months, at most 10 years).")
    async def monthly_sales(self, info: Info, from_: FromDate = None,
                            to: date | None = None, preset: StatsPresetEnum | None = None) -> SalesTableType:
        start, end = period_range(from_, to, preset)
        return SalesTableType.from_table(await query_or_error(stats.monthly_sales(info.context.actor, start, end)))

    @strawberry.field(permission_classes=[CanReadShop],
                      description="Sales per product of the orders placed in the range (all time without one).")
    async def product_sales(self, info: Info, filter: ProductSalesFilterInput | None = None) -> ProductSalesTableType:
        flt = product_filter(filter)
        table = await query_or_error(stats.product_sales(info.context.actor, flt))
        return ProductSalesTableType(start=flt.start, end=flt.end,
                                     rows=[ProductSalesRowType.from_row(r) for r in table.rows],
                                     totals=ProductSalesRowType.from_row(table.totals))


@strawberry.type
class StatsMutation:
    @strawberry.mutation(permission_classes=[CanChangeShop],
                         description="Export a statistics table to XLSX in a job: from/to/preset for the daily and "
                                     "monthly tables, `filter` for the products table. Follow it with `job`.")
    async def start_sales_export(self, info: Info, table: SalesTableKind, from_: FromDate = None,
                                 to: date | None = None, preset: StatsPresetEnum | None = None,
                                 filter: ProductSalesFilterInput | None = None) -> JobPayload:
        actor = info.context.actor
        try:
            if table == SalesTableKind.PRODUCTS:
                job = await stats_export.start_product_export(actor, product_filter(filter))
            else:
                start, end = period_range(from_, to, preset)
                job = await stats_export.start_period_export(actor, table.value, start, end)
        except Refused as refused:
            return JobPayload(errors=user_errors(refused))
        return JobPayload(job=JobType.from_model(job))
