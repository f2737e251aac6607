"""`segment`: recomputing two segments over a million members, against hand-written SQL.

kupon's side is `gql.resolvers.segments.segment_member_ids`, the compiled query a recompute
runs (validation, compilation by gql/resolvers/segment_sql.py and its one SELECT), for
(a) seed 002's segment: signed up in the last 7 days AND NOT orders in the last 7 days >= 1;
(b) three conditions: orders in the last 90 days >= 2 AND visits in the last 30 days >= 3
AND NOT grade VIP. The baseline is a query written by hand for each (NOT EXISTS for (a),
inner joins on grouped subqueries with HAVING for (b)), run through the same connection.
Both return the member ids in order; the sets must be equal before anything is timed.

The data (1,000,000 members, 5,000,000 orders, 5,000,000 visits, 1,000,000 point entries by
default) is made by INSERT ... SELECT over generate_series, skewed towards the recent past,
then ANALYZEd. The two sides take turns `--runs` times; each figure is the median, and the
ratio is hand-written time / compiled time (target at least 0.8). The live count the
editor shows (`preview_segment`: the count and ten members) is timed the same way.

    python -m bench segment                        # the issue's sizes
    python -m bench.segment --members 2000 --orders 10000 --visits 10000 --points 2000
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

from bench.registry import Options, Result, benchmark
from bench.servers import throwaway_postgres


@dataclass(frozen=True)
class Sizes:
    members: int = 1_000_000
    orders: int = 5_000_000
    visits: int = 5_000_000
    points: int = 1_000_000
    runs: int = 5
    explain: bool = False


SEED_002 = {"op": "AND", "children": [
    {"field": "SIGNED_UP", "days": 7},
    {"op": "NOT", "child": {"field": "ORDER_COUNT", "period": {"days": 7}, "cmp": {"op": "GTE", "value": 1}}},
]}
THREE_CONDITIONS = {"op": "AND", "children": [
    {"field": "ORDER_COUNT", "period": {"days": 90}, "cmp": {"op": "GTE", "value": 2}},
    {"field": "VISITS", "period": {"days": 30}, "cmp": {"op": "GTE", "value": 3}},
    {"op": "NOT", "child": {"field": "GRADE", "grades": ["VIP"]}},
]}

# Activity is skewed towards now (random()^2 of the span), as a live shop's is.
GENERATE = [
    """INSERT INTO member (id, site_id, login_id, name, phone, email, grade, birthday, is_active, signed_up_at,
                           created_at, updated_at)
       SELECT g, $1::int, 'b' || g, '회원' || g, '', '',
              (ARRAY['BASIC', 'BASIC', 'SILVER', 'GOLD', 'VIP'])[1 + floor(random() * 5)::int],
              DATE '1970-01-01' + floor(random() * 15000)::int, random() > 0.02,
              $2::timestamptz - random() ^ 2 * interval '730 days', $2::timestamptz, $2::timestamptz
       FROM generate_series(1, $3::int) g""",
    """INSERT INTO shop_order (number, name, site_id, member_id, channel, status, list_total, subsidy,
                               coupon_discount, shipping_fee, shipping_discount, paid_amount, gift_card_amount,
                               refunded_amount, payment_method, is_temporary, gifts, ordered_at)
       SELECT 'B' || g, '주문', $1::int, 1 + floor(random() * $3::int)::int, 'APP',
              (ARRAY['PAID', 'PAID', 'PAID', 'PAID', 'PAID', 'PAID', 'CANCELLED', 'AWAITING_DEPOSIT',
                     'PARTIALLY_REFUNDED', 'FULLY_REFUNDED'])[1 + floor(random() * 10)::int],
              30000, 0, 0, 0, 0, 30000, 0, 0, 'CARD', random() < 0.03, '[]',
              $2::timestamptz - random() ^ 2 * interval '365 days'
       FROM generate_series(1, $4::int) g""",
    """INSERT INTO member_visit (member_id, site_id, channel, at)
       SELECT 1 + floor(random() * $3::int)::int, $1::int, 'APP', $2::timestamptz - random() ^ 2 * interval '180 days'
       FROM generate_series(1, $4::int) g""",
    """INSERT INTO point_entry (member_id, kind, amount, reason, at)
       SELECT 1 + floor(random() * $3::int)::int, CASE WHEN random() < 0.8 THEN 'EARN' ELSE 'SPEND' END, 100,
              'site ' || $1::int, $2::timestamptz - random() ^ 2 * interval '365 days'
       FROM generate_series(1, $4::int) g""",
]


def hand_written(name: str, site_id: int, as_of) -> tuple[str, list]:
    """The same members as kupon's compiled query, written as one would by hand."""
    from gql.resolvers.segment_sql import COUNTED_ORDER_STATUSES
    from gql.resolvers.segment_tree import days_window

    statuses = [s.value for s in COUNTED_ORDER_STATUSES]
    marks = ", ".join("?" for _ in statuses)
    counted = f"o.status IN ({marks}) AND NOT o.is_temporary AND o.ordered_at >= ? AND o.ordered_at < ?"
    if name == "seed_002":
        week = days_window(as_of, 7)
        sql = (f"SELECT m.id FROM member m WHERE m.site_id = ? AND m.is_active "
               f"AND m.signed_up_at >= ? AND m.signed_up_at < ? "
               f"AND NOT EXISTS (SELECT 1 FROM shop_order o WHERE o.member_id = m.id AND {counted}) ORDER BY m.id")
        return sql, [site_id, week.start, week.end, *statuses, week.start, week.end]
    quarter, month = days_window(as_of, 90), days_window(as_of, 30)
    sql = (f"SELECT m.id FROM member m "
           f"JOIN (SELECT o.member_id FROM shop_order o WHERE {counted} GROUP BY o.member_id "
           f"HAVING COUNT(*) >= 2) o ON o.member_id = m.id "
           f"JOIN (SELECT v.member_id FROM member_visit v WHERE v.at >= ? AND v.at < ? GROUP BY v.member_id "
           f"HAVING COUNT(*) >= 3) v ON v.member_id = m.id "
           f"WHERE m.site_id = ? AND m.is_active AND m.grade <> 'VIP' ORDER BY m.id")
    return sql, [*statuses, quarter.start, quarter.end, month.start, month.end, site_id]


@dataclass
class Figures:
    generation_seconds: float
    compiled: dict[str, list[float]]
    hand: dict[str, list[float]]
    live: dict[str, list[float]]
    sizes: dict[str, int]


async def generate(url: str, sizes: Sizes) -> tuple[int, float]:
    """The site's id and the seconds it took to fill and analyze the tables."""
    from tortoise import connections

    from bench.fixtures import make_site
    from kupon.timeutil import now_utc

    site = await make_site()
    now = now_utc()
    started = time.perf_counter()
    async with connections.get("default").acquire_connection() as raw:
        await raw.execute("SELECT setseed(0.2026)")
        await raw.execute(GENERATE[0], site.id, now, sizes.members)
        await raw.execute("SELECT setval(pg_get_serial_sequence('member', 'id'), $1::bigint)", sizes.members)
        for sql, count in zip(GENERATE[1:], (sizes.orders, sizes.visits, sizes.points), strict=True):
            await raw.execute(sql, site.id, now, sizes.members, count)
        for table in ("member", "shop_order", "member_visit", "point_entry"):
            await raw.execute(f"VACUUM ANALYZE {table}")
    return site.id, time.perf_counter() - started


async def run(url: str, sizes: Sizes) -> Figures:
    from bench.fixtures import OWNER, tortoise
    from gql.resolvers.raw_sql import fetch
    from gql.resolvers.segments import preview_segment, segment_member_ids
    from kupon.timeutil import seoul_today

    trees = {"seed_002": SEED_002, "three_conditions": THREE_CONDITIONS}
    async with tortoise(url):
        site_id, seconds = await generate(url, sizes)
        as_of = seoul_today()
        figures = Figures(seconds, {n: [] for n in trees}, {n: [] for n in trees}, {n: [] for n in trees}, {})
        for name, tree in trees.items():
            sql, params = hand_written(name, site_id, as_of)

            async def compiled(tree=tree):
                return await segment_member_ids(tree, as_of, site_id)

            async def hand(sql=sql, params=params):
                return [row[0] for row in await fetch(sql, *params)]

            async def live(tree=tree):
                return await preview_segment(OWNER, tree, site_id, as_of)

            ours, theirs = await compiled(), await hand()
            if set(ours) != set(theirs) or len(ours) != len(theirs):
                raise RuntimeError(f"segment: {name}: compiled query gives {len(ours)} members, "
                                   f"hand-written {len(theirs)}: the sets differ")
            if (await live()).size != len(ours):
                raise RuntimeError(f"segment: {name}: the live count differs from the compiled query's members")
            figures.sizes[name] = len(ours)
            if sizes.explain:
                await explain(name, tree, site_id, as_of, sql, params)
            for _ in range(sizes.runs):
                figures.compiled[name].append(await timed(compiled))
                figures.hand[name].append(await timed(hand))
                figures.live[name].append(await timed(live))
    return figures


async def explain(name: str, tree: dict, site_id: int, as_of, sql: str, params: list) -> None:
    """EXPLAIN ANALYZE of both sides, on stderr (--explain)."""
    from gql.resolvers.raw_sql import fetch
    from gql.resolvers.segment_sql import compile_segment
    from gql.resolvers.segment_tree import validate_tree

    compiled_sql, compiled_params = compile_segment(validate_tree(tree), as_of, site_id, True).select_ids()
    for side, text, values in (("compiled", f"{compiled_sql} ORDER BY m.id", compiled_params),
                               ("hand-written", sql, params)):
        plan = await fetch(f"EXPLAIN (ANALYZE, BUFFERS) {text}", *values)
        print(f"--- {name}, {side}:\n{text}\n" + "\n".join(row[0] for row in plan), file=sys.stderr)


async def timed(call) -> float:
    start = time.perf_counter()
    await call()
    return time.perf_counter() - start


def ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def report(figures: Figures, sizes: Sizes, out: TextIO) -> None:
    print(f"segment: generated {sizes.members:,} members, {sizes.orders:,} orders, {sizes.visits:,} visits, "
          f"{sizes.points:,} point entries in {figures.generation_seconds:.1f} s", file=out)
    for name in figures.compiled:
        compiled, hand = ms(figures.compiled[name]), ms(figures.hand[name])
        print(f"segment: {name}: {figures.sizes[name]:,} members, sets matched; compiled {compiled:.1f} ms, "
              f"hand-written {hand:.1f} ms, ratio {hand / compiled:.3f}; "
              f"live count {ms(figures.live[name]):.1f} ms (median of {sizes.runs})", file=out)


def measure(sizes: Sizes, out: TextIO) -> Figures:
    from bench.fixtures import environ, new_database

    with throwaway_postgres() as postgres:
        env = new_database(postgres)
        with environ(env):
            figures = asyncio.run(run(env["KUPON_DATABASE_URL"], sizes))
    report(figures, sizes, out)
    return figures


@benchmark("segment")
def segment_benchmark(options: Options) -> Result:
    figures = measure(Sizes(runs=max(options.rounds, 3)), sys.stderr)
    per_run = len(figures.compiled["seed_002"])
    compiled = [sum(figures.compiled[n][i] for n in figures.compiled) for i in range(per_run)]
    hand = [sum(figures.hand[n][i] for n in figures.hand) for i in range(per_run)]
    return Result.duration("segment", "ms", ms(compiled), ms(hand))


def main(argv: Sequence[str] | None = None) -> int:
    defaults = Sizes()
    parser = argparse.ArgumentParser(prog="python -m bench.segment", description=__doc__.splitlines()[0])
    for name in ("members", "orders", "visits", "points", "runs"):
        parser.add_argument(f"--{name}", type=int, default=getattr(defaults, name),
                            help="default %(default)s")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of both sides on stderr")
    args = parser.parse_args(argv)
    sizes = Sizes(args.members, args.orders, args.visits, args.points, args.runs, args.explain)
    if min(args.members, args.orders, args.visits, args.points, args.runs) < 1:
        parser.error("every size must be at least 1")
    measure(sizes, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
