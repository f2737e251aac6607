"""`stats_daily`: a year of the daily sales table over 1,000,000 orders, against its bare SQL aggregate.

kupon's side is what the console and `dailySales` call: `gql.resolvers.stats.daily_sales` for one
Seoul year (365 rows with totals) over a `shop_order` table of N orders spread over three years
(KUPON_BENCH_ORDERS, default 1,000,000, the issue's figure) and refunds completed for 5% of them.
The orders mix what the statistics must tell apart: paid, awaiting deposit, cancelled, refunded,
free and temporary orders, placed at any minute of the day (so around Seoul midnight too).
The baseline is the least any implementation must do: the very same aggregate statement
(`period_sales_sql`, one statement for orders, sales and refunds grouped by Seoul day) run
directly on its own asyncpg connection, rows fetched and nothing else. kupon adds Tortoise's
connection handling, the check of the caller and range, filling days without rows, and the totals.

Rows are loaded with COPY on a connection from Tortoise's pool, then ANALYZEd. Each side runs
once unmeasured (--warmup not 0), then they take turns `--rounds` times (at least 5 calls each
turn); each figure is the median call in ms, and the ratio is the baseline's over kupon's
(target: at least 0.8). Both sides' answers are compared once before timing.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta

from bench.registry import Options, Result, benchmark
from bench.servers import throwaway_postgres

ORDERS_ENV = "KUPON_BENCH_ORDERS"
DEFAULT_ORDERS = 1_000_000
CALLS_PER_TURN = 5
# Orders are placed over these three years (UTC); the table measured is the middle one, in Seoul days.
SPAN_START = datetime(2023, 1, 1, tzinfo=UTC)
SPAN_DAYS = 3 * 365
YEAR = (date(2024, 1, 1), date(2024, 12, 31))


def order_count(environ: dict[str, str] | None = None) -> int:
    text = (os.environ if environ is None else environ).get(ORDERS_ENV, "").strip()
    if not text:
        return DEFAULT_ORDERS
    try:
        count = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise ValueError(f"{ORDERS_ENV} must be a whole number of orders, not {text!r}") from None
    if count < 1:
        raise ValueError(f"{ORDERS_ENV} must be at least 1, not {count}")
    return count


@benchmark("stats_daily")
def stats_daily_benchmark(options: Options) -> Result:
    from bench.fixtures import environ, new_database

    count = order_count()
    with throwaway_postgres() as postgres:
        env = new_database(postgres)
        with environ(env):
            kupon, bare = asyncio.run(run(env["KUPON_DATABASE_URL"], count, options))
    return Result.duration("stats_daily", "ms", statistics.median(kupon) * 1000, statistics.median(bare) * 1000)


async def run(url: str, count: int, options: Options) -> tuple[list[float], list[float]]:
    """Seconds per call: kupon's, then the bare statement's."""
    import asyncpg

    from bench.fixtures import OWNER, tortoise
    from gql.resolvers.stats import daily_sales, period_sales_sql
    from kupon.timeutil import seoul_day_start_utc

    async with tortoise(url):
        started = time.perf_counter()
        await load(count)
        print(f"bench: stats_daily: {count:,} orders loaded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        sql, values = period_sales_sql("day", seoul_day_start_utc(YEAR[0]),
                                       seoul_day_start_utc(YEAR[1] + timedelta(days=1)), postgres=True)
        bare_connection = await asyncpg.connect(url)
        try:
            async def kupon_call():
                return await daily_sales(OWNER, *YEAR)

            async def bare_call():
                return await bare_connection.fetch(sql, *values)

            await check(await kupon_call(), await bare_call())
            if options.warmup > 0:
                await kupon_call()
                await bare_call()
            kupon_times, bare_times = [], []
            for _ in range(options.rounds):
                kupon_times += await timed(kupon_call)
                bare_times += await timed(bare_call)
            return kupon_times, bare_times
        finally:
            await bare_connection.close()


async def timed(call) -> list[float]:
    times = []
    for _ in range(CALLS_PER_TURN):
        start = time.perf_counter()
        await call()
        times.append(time.perf_counter() - start)
    return times


async def check(table, records) -> None:
    """kupon's table holds what the bare statement returned: 366 days (2024), totals the sum of rows."""
    expected = {"orders": [0, 0], "sales": [0, 0], "refunds": [0, 0]}
    for part, _, amount, n in records:
        expected[part][0] += int(amount)
        expected[part][1] += int(n)
    got = table.totals
    if len(table.rows) != 366 or (got.order_amount, got.order_count) != tuple(expected["orders"]) or (
            got.sales_amount != expected["sales"][0]) or (got.refund_amount, got.refund_count) != tuple(
            expected["refunds"]):
        raise RuntimeError(f"stats_daily: kupon's table ({len(table.rows)} rows, totals {got}) does not match "
                           f"the bare statement's {expected}")
    if not got.order_count or not got.sales_amount or not got.refund_count:
        raise RuntimeError(f"stats_daily: the year has no orders, sales or refunds: {got}")


async def load(count: int) -> None:
    """N orders and refunds for 5% of them, by COPY, then ANALYZE."""
    from tortoise import connections

    from bench.fixtures import make_members, make_site

    site = await make_site()
    (member,) = await make_members(site, 1)
    rng = random.Random(20260320)
    orders, refunds = [], []
    statuses = ["PAID"] * 80 + ["AWAITING_DEPOSIT"] * 5 + ["CANCELLED"] * 5 + ["PARTIALLY_REFUNDED"] * 5 + [
        "FULLY_REFUNDED"] * 5
    span_minutes = SPAN_DAYS * 24 * 60
    for n in range(1, count + 1):
        ordered_at = SPAN_START + timedelta(minutes=rng.randrange(span_minutes), seconds=rng.randrange(60))
        status = rng.choice(statuses)
        amount = 0 if n % 50 == 0 else rng.randrange(1, 300) * 1000  # every 50th order is free
        paid_at = None if status == "AWAITING_DEPOSIT" else ordered_at + timedelta(minutes=rng.randrange(0, 3000))
        temporary = n % 97 == 0
        orders.append((n, f"B{n:010d}", "벤치 주문", site.id, member.id, "PC_WEB", status, amount, amount,
                       0, 0, 0, 0, "[]", temporary, paid_at, ordered_at))
        if status.endswith("REFUNDED") and paid_at is not None:
            refunded = amount if status == "FULLY_REFUNDED" else amount // 2
            completed_at = paid_at + timedelta(days=rng.randrange(1, 20))
            refunds.append((n, "[]", completed_at - timedelta(hours=5), "member", "COMPLETED", refunded, refunded,
                            completed_at, "", "CARD_CANCEL", "", "", "", ""))
    async with connections.get("default").acquire_connection() as raw:
        await raw.copy_records_to_table(
            "shop_order", records=orders,
            columns=["id", "number", "name", "site_id", "member_id", "channel", "status", "list_total",
                     "paid_amount", "subsidy", "coupon_discount", "shipping_fee", "shipping_discount", "gifts",
                     "is_temporary", "paid_at", "ordered_at"])
        await raw.copy_records_to_table(
            "refund_request", records=refunds,
            columns=["order_id", "item_ids", "requested_at", "requested_by", "status", "amount", "refunded_amount",
                     "completed_at", "reason", "method", "bank", "account_holder", "memo", "rejected_reason"])
        await raw.execute("SELECT setval(pg_get_serial_sequence('shop_order', 'id'), $1)", count)
        await raw.execute("ANALYZE shop_order")
        await raw.execute("ANALYZE refund_request")
