"""`redemption`: 50 members checking out at once with the same coupon, on PostgreSQL, in-process.

Every client is an asyncio task with its own member and its own stock of
that coupon in the member's wallet; it calls `place_order` (one cart line,
one coupon) back to back. Each order is a transaction that redeems the coupon
by conditional UPDATEs (`used_count < total_limit`), so all of them queue on
the coupon's row. The baseline is that row's conditional UPDATE alone, sent
by 50 tasks through a raw asyncpg pool as large as Tortoise's: the fastest
the database can count redemptions of one coupon. The ratio is kupon's
redemptions/s over the raw UPDATEs/s.
"""

from __future__ import annotations

import asyncio
import math
import sys
import time

from bench.load import REQUEST_TIMEOUT, Side, Tally, compare
from bench.registry import Options, Result, benchmark
from bench.servers import throwaway_postgres

CLIENTS = 50
# Large enough never to be reached; still a real limit, so the condition is evaluated.
TOTAL_LIMIT = 1_000_000_000
DISCOUNT = 1000
UNIT_PRICE = 50_000
RAW_REDEMPTION = (
    "UPDATE coupon SET used_count = used_count + 1 WHERE id = $1 AND used_count < total_limit RETURNING id"
)
# Before each turn every wallet gets this many times the coupons it would use at its best rate so far.
STOCK_MARGIN = 3
FIRST_STOCK = 40


@benchmark("redemption")
def redemption_benchmark(options: Options) -> Result:
    from bench.fixtures import environ, new_database

    with throwaway_postgres() as postgres:
        env = new_database(postgres)
        with environ(env):
            kupon, raw = asyncio.run(run(env["KUPON_DATABASE_URL"], options))
    for side, tally in (("kupon", kupon), ("raw asyncpg", raw)):
        if tally.failed:
            print(f"bench: redemption: {side}: {tally.failed} failed, first: {tally.first_failure}", file=sys.stderr)
    return Result.throughput("redemption", "redemptions/s", kupon.per_second, raw.per_second)


async def run(url: str, options: Options) -> tuple[Tally, Tally]:
    import asyncpg
    from tortoise import connections

    from bench.fixtures import make_coupon, make_members, make_site, tortoise
    from models.coupons import Coupon

    async with tortoise(url):
        site = await make_site()
        members = await make_members(site, CLIENTS)
        coupon = await make_coupon(amount=DISCOUNT, total_limit=TOTAL_LIMIT)
        wallets = [Wallet(member, coupon) for member in members]
        # The same number of connections on both sides: Tortoise's pool, as kupon configures it.
        pool_size = connections.get("default").pool_maxsize
        pool = await asyncpg.create_pool(url, min_size=pool_size, max_size=pool_size)
        try:
            raw_updates = RawUpdates(pool, coupon.id)
            kupon, raw = await compare([
                Side([wallet.send for wallet in wallets], before_turn=lambda *turn: top_up(wallets, *turn)),
                Side([raw_updates.send] * CLIENTS),
            ], options)
        finally:
            await pool.close()
        # Every success, warm-up included, must show in the coupon's count: nothing lost, nothing extra.
        counted = sum(wallet.redeemed for wallet in wallets) + raw_updates.redeemed
        used = (await Coupon.get(id=coupon.id)).used_count
        if used != counted:
            raise RuntimeError(f"redemption: the coupon counts {used} uses, the clients {counted}")
        return kupon, raw


class Wallet:
    """One client: a member, the coupons of theirs it has not used yet, and how many it used per turn."""

    def __init__(self, member, coupon):
        from bench.fixtures import member_actor

        self.member, self.coupon, self.actor = member, coupon, member_actor(member)
        self.stock: list[int] = []
        self.used_in_turn = 0
        self.turn_started = self.last_done = 0.0
        self.best_rate = 0.0  # redemptions/s
        self.redeemed = 0

    async def send(self, tally: Tally) -> None:
        from gql.resolvers.checkout import OrderRequest, place_order

        if not self.stock:
            tally.fail(f"member {self.member.id} used up their coupons: raise STOCK_MARGIN")
            await asyncio.sleep(0.01)
            return
        self.used_in_turn += 1
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                order = await place_order(self.actor, None, OrderRequest(cart=cart(self.member.site_id),
                                                                         member_coupon_ids=[self.stock.pop()]))
        except Exception as exc:  # a refusal or a database error: it does not count
            tally.fail(f"{type(exc).__name__}: {exc}")
            return
        finally:
            self.last_done = time.monotonic()
        if order.coupon_discount != DISCOUNT:
            tally.fail(f"order {order.number} took {order.coupon_discount} off, not {DISCOUNT}")
        else:
            tally.completed += 1
            self.redeemed += 1


def cart(site_id: int):
    from gql.resolvers.checkout import CartInput, CartLineInput

    return CartInput(lines=[CartLineInput(kind="COURSE", quantity=1, unit_price=UNIT_PRICE, name="벤치 강의")],
                     channel="APP", site_id=site_id)


async def top_up(wallets: list[Wallet], seconds: float, requests: int | None) -> None:
    """Before each turn, outside the measured time: enough unused coupons in every wallet for the turn."""
    from bench.fixtures import give_coupons
    from models.coupons import MemberCoupon, MemberCouponStatus

    for wallet in wallets:
        if wallet.used_in_turn:
            rate = wallet.used_in_turn / max(wallet.last_done - wallet.turn_started, 1e-3)
            wallet.best_rate = max(wallet.best_rate, rate)
        expected = wallet.best_rate * seconds
        if requests is not None:  # the turn ends at `requests` in all, about an equal share each
            expected = min(expected, 2 * requests / len(wallets))
        wanted = max(FIRST_STOCK, math.ceil(STOCK_MARGIN * expected))
        if len(wallet.stock) < wanted:
            await give_coupons(wallet.coupon, wallet.member, wanted - len(wallet.stock))
            wallet.stock = list(await MemberCoupon.filter(
                member_id=wallet.member.id, status=MemberCouponStatus.AVAILABLE).values_list("id", flat=True))
    started = time.monotonic()
    for wallet in wallets:
        wallet.used_in_turn, wallet.turn_started = 0, started


class RawUpdates:
    """The baseline's clients: the conditional UPDATE alone, on a raw asyncpg pool."""

    def __init__(self, pool, coupon_id: int):
        self.pool, self.coupon_id = pool, coupon_id
        self.redeemed = 0

    async def send(self, tally: Tally) -> None:
        import asyncpg

        try:
            redeemed = await self.pool.fetchval(RAW_REDEMPTION, self.coupon_id, timeout=REQUEST_TIMEOUT)
        except (asyncpg.PostgresError, TimeoutError) as exc:
            tally.fail(f"{type(exc).__name__}: {exc}")
            return
        if redeemed is None:
            tally.fail("the coupon's total limit was reached")
        else:
            tally.completed += 1
            self.redeemed += 1
