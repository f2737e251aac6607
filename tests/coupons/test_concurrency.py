"""Coupons under load (SPEC 1, redeem): limits hold when many checkouts and downloads race.

Each scenario fires many resolver calls at once with asyncio.gather, collects the orders
(or coupons) and the refusal codes, then checks the counters against the rows.

The real test is PostgreSQL: the calls run as interleaved transactions on Tortoise's
asyncpg pool (maxsize 5 by default, tortoise/backends/base_postgres/client.py; the rest
queue for a connection), so the conditional UPDATEs in checkout.py, coupon_issuing.py
and coupon_codes.py are what keeps the limits. SQLite serialises one process's writes
behind its one connection, so there the full-size runs prove nothing and are skipped;
a smaller run of every scenario checks that nothing breaks there either.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable
from dataclasses import dataclass

import pytest

from gql.resolvers.access import Actor, ActorKind
from gql.resolvers.checkout import CartInput, CartLineInput, OrderRequest, place_order
from gql.resolvers.coupon_codes import generate_individual_codes
from gql.resolvers.coupon_issuing import download_coupon
from gql.resolvers.errors import Refused
from models.access import Role
from models.coupons import Coupon, CouponCode, CouponMemberCount, MemberCoupon, MemberCouponStatus
from models.orders import Order, OrderCoupon, OrderStatus
from tests.factories import give_coupon, make_coupon, make_member, make_site

TIMEOUT = 60  # seconds for one whole burst; a deadlock fails the test instead of hanging it
OWNER = Actor(ActorKind.OPERATOR, id=None, label="test", role=Role.OWNER)


@dataclass(frozen=True)
class Sizes:
    members: int  # (a) checkouts by different members
    total_limit: int
    code_members: int  # (b) members typing the same individual code
    wallet: int  # (c) one member's coupons of a per-member-limited coupon
    retries: int  # (d) retries with one idempotency key
    downloaders: int  # (e) members downloading a limited coupon
    download_limit: int


FULL = Sizes(members=50, total_limit=10, code_members=20, wallet=10, retries=10, downloaders=30, download_limit=5)
SMALL = Sizes(members=8, total_limit=3, code_members=5, wallet=4, retries=4, downloaders=6, download_limit=2)
SQLITE_SKIP = ("SQLite serialises one process's writes behind one connection, so a race proves nothing there; "
               "test_every_scenario_runs_on_sqlite runs them small")


def member_actor(member) -> Actor:
    return Actor(ActorKind.MEMBER, id=member.id, label=member.login_id, member_id=member.id)


def cart(price: int = 10_000) -> CartInput:
    return CartInput(lines=[CartLineInput(kind="COURSE", quantity=1, unit_price=price, name="강의")], channel="APP")


@dataclass
class Burst:
    """What came back from a burst of calls: the results, and the refusal codes of the others."""

    results: list
    refusals: list[tuple[str, ...]]

    @property
    def refusal_codes(self) -> Counter:
        return Counter(self.refusals)


async def burst(calls: list[Awaitable]) -> Burst:
    """Run every call at once; a Refused is an answer, any other exception fails the test."""
    async def one(call):
        try:
            return await call
        except Refused as refused:
            return refused

    outcomes = await asyncio.wait_for(asyncio.gather(*(one(c) for c in calls)), TIMEOUT)
    return Burst([o for o in outcomes if not isinstance(o, Refused)],
                 [tuple(o.codes) for o in outcomes if isinstance(o, Refused)])


async def members_of(site, count: int) -> list:
    return [await make_member(site) for _ in range(count)]


# Scenarios, each for a given size -----------------------------------------------------------

async def total_limit_holds(sizes: Sizes) -> None:
    """(a) Many members, one coupon each of a coupon usable `total_limit` times in all."""
    site = await make_site()
    coupon = await make_coupon(total_limit=sizes.total_limit)
    members = await members_of(site, sizes.members)
    wallet = [await give_coupon(coupon, m) for m in members]
    result = await burst([place_order(member_actor(m), None, OrderRequest(cart(), member_coupon_ids=[mc.id]))
                          for m, mc in zip(members, wallet, strict=True)])

    assert len(result.results) == sizes.total_limit
    assert result.refusal_codes == {("COUPON_LIMIT_REACHED",): sizes.members - sizes.total_limit}
    assert all(o.coupon_discount == 1000 and o.paid_amount == 9000 for o in result.results)
    assert (await Coupon.get(id=coupon.id)).used_count == sizes.total_limit
    used = await MemberCoupon.filter(coupon_id=coupon.id, status=MemberCouponStatus.USED).values_list(
        "member_id", "order_id")
    assert sorted(used) == sorted((o.member_id, o.id) for o in result.results)
    assert await MemberCoupon.filter(coupon_id=coupon.id, status=MemberCouponStatus.AVAILABLE).count() == (
        sizes.members - sizes.total_limit)
    # Refused checkouts left no order behind (the order and its coupon roll back together).
    assert await Order.exclude(status=OrderStatus.CANCELLED).count() == sizes.total_limit
    assert await Order.all().count() == sizes.total_limit
    assert await OrderCoupon.all().count() == sizes.total_limit
    assert sorted(await CouponMemberCount.filter(coupon_id=coupon.id, used__gt=0).values_list(
        "member_id", flat=True)) == sorted(o.member_id for o in result.results)


async def individual_code_is_used_once(sizes: Sizes) -> None:
    """(b) Many members order with the same single-use code at once."""
    site = await make_site()
    coupon = await make_coupon(issue_method="CODE", code_mode="INDIVIDUAL")
    assert await generate_individual_codes(OWNER, coupon.id, 1) == 1
    code = await CouponCode.get(coupon_id=coupon.id)
    members = await members_of(site, sizes.code_members)
    result = await burst([place_order(member_actor(m), None, OrderRequest(cart(), coupon_codes=[code.code.lower()]))
                          for m in members])

    assert len(result.results) == 1
    (winner,) = result.results
    # The others find the code taken: CODE_USED, whether they read the code row before the winner
    # claimed it (their conditional UPDATE then matches nothing) or after.
    assert result.refusal_codes == {("CODE_USED",): sizes.code_members - 1}
    await code.refresh_from_db()
    assert code.member_id == winner.member_id and code.registered_at is not None
    (member_coupon,) = await MemberCoupon.filter(coupon_id=coupon.id)
    assert (member_coupon.member_id, member_coupon.code_id) == (winner.member_id, code.id)
    assert (member_coupon.status, member_coupon.order_id) == (MemberCouponStatus.USED, winner.id)
    coupon = await Coupon.get(id=coupon.id)
    assert (coupon.issued_count, coupon.used_count) == (1, 1)
    assert await Order.all().count() == 1 and await OrderCoupon.all().count() == 1
    counts = await CouponMemberCount.filter(coupon_id=coupon.id).values_list("member_id", "issued", "used")
    assert counts == [(winner.member_id, 1, 1)]


async def member_limit_holds(sizes: Sizes) -> None:
    """(c) One member with several coupons of a once-per-member coupon, all used at once."""
    coupon = await make_coupon(per_member_limit=1)
    member = await make_member()
    wallet = [await give_coupon(coupon, member) for _ in range(sizes.wallet)]
    result = await burst([place_order(member_actor(member), None, OrderRequest(cart(), member_coupon_ids=[mc.id]))
                          for mc in wallet])

    assert len(result.results) == 1
    assert result.refusal_codes == {("MEMBER_LIMIT_REACHED",): sizes.wallet - 1}
    assert (await CouponMemberCount.get(coupon_id=coupon.id, member_id=member.id)).used == 1
    assert (await Coupon.get(id=coupon.id)).used_count == 1
    statuses = Counter(await MemberCoupon.filter(coupon_id=coupon.id).values_list("status", flat=True))
    assert statuses == {MemberCouponStatus.USED: 1, MemberCouponStatus.AVAILABLE: sizes.wallet - 1}
    assert await Order.all().count() == 1 and await OrderCoupon.all().count() == 1


async def retries_redeem_once(sizes: Sizes) -> None:
    """(d) The same checkout retried at once with one idempotency key."""
    coupon = await make_coupon(amount=1000)
    member = await make_member()
    mc = await give_coupon(coupon, member)
    request = OrderRequest(cart(), member_coupon_ids=[mc.id], idempotency_key="checkout-7f3a")
    result = await burst([place_order(member_actor(member), None, request) for _ in range(sizes.retries)])

    assert result.refusals == []
    assert len({o.id for o in result.results}) == 1 and len(result.results) == sizes.retries
    (order,) = await Order.all()
    assert (order.id, order.paid_amount, order.coupon_discount) == (result.results[0].id, 9000, 1000)
    assert (await Coupon.get(id=coupon.id)).used_count == 1
    assert (await CouponMemberCount.get(coupon_id=coupon.id, member_id=member.id)).used == 1
    await mc.refresh_from_db()
    assert (mc.status, mc.order_id) == (MemberCouponStatus.USED, order.id)
    assert await OrderCoupon.all().count() == 1


async def downloads_stop_at_the_limit(sizes: Sizes) -> None:
    """(e) Many members download a first-come-first-served coupon at once."""
    site = await make_site()
    coupon = await make_coupon(issue_method="DOWNLOAD", total_limit=sizes.download_limit)
    members = await members_of(site, sizes.downloaders)
    result = await burst([download_coupon(member_actor(m), coupon.download_token) for m in members])

    assert len(result.results) == sizes.download_limit
    assert result.refusal_codes == {("ISSUE_LIMIT_REACHED",): sizes.downloaders - sizes.download_limit}
    assert (await Coupon.get(id=coupon.id)).issued_count == sizes.download_limit
    rows = await MemberCoupon.filter(coupon_id=coupon.id).values_list("member_id", flat=True)
    assert sorted(rows) == sorted(mc.member_id for mc in result.results)
    assert len(set(rows)) == sizes.download_limit
    issued = await CouponMemberCount.filter(coupon_id=coupon.id).values_list("member_id", "issued")
    assert sorted(m for m, n in issued if n) == sorted(rows) and sum(n for _, n in issued) == sizes.download_limit


SCENARIOS = [total_limit_holds, individual_code_is_used_once, member_limit_holds, retries_redeem_once,
             downloads_stop_at_the_limit]


# Tests ---------------------------------------------------------------------------------------

def postgres_only(db) -> None:
    if not db.is_postgres:
        pytest.skip(SQLITE_SKIP)


async def test_total_limit_holds_under_concurrent_checkouts(db):
    postgres_only(db)
    await total_limit_holds(FULL)


async def test_an_individual_code_is_used_once_under_concurrent_checkouts(db):
    postgres_only(db)
    await individual_code_is_used_once(FULL)


async def test_per_member_limit_holds_under_concurrent_checkouts(db):
    postgres_only(db)
    await member_limit_holds(FULL)


async def test_concurrent_retries_with_one_idempotency_key_redeem_once(db):
    postgres_only(db)
    await retries_redeem_once(FULL)


async def test_concurrent_downloads_stop_at_the_total_limit(db):
    postgres_only(db)
    await downloads_stop_at_the_limit(FULL)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
async def test_every_scenario_runs_on_sqlite(db, scenario):
    if db.is_postgres:
        pytest.skip("the full-size tests above run every scenario on PostgreSQL")
    await scenario(SMALL)
