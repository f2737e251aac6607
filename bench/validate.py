"""`validate`: judging a 20-line cart against a wallet of 30 coupons (`validate_checkout`), in-process.

What a checkout page asks before the member picks coupons: every wallet
coupon with the discount it would give alone, or why it does not apply. The
coupons mix every type and benefit, targets (categories, products, kinds),
minimum amounts, channels and limits, so each one is judged on its merits.
Called one after another (latency, not throughput) on PostgreSQL, with
Tortoise opened by kupon.db.open_db. The baseline is the cheapest thing kupon
can ask its database, a primary-key read (`Member.get(id=...)`), timed in the
same run; the figure is each one's median, and the ratio is the read's
median over validate's (1.0 would mean validating costs one read).
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable

from bench.load import REQUEST_TIMEOUT, Side, Tally, compare
from bench.registry import Options, Result, benchmark
from bench.servers import throwaway_postgres

CART_LINES = 20
WALLET_SIZE = 30
SHIPPING_FEE = 3000


@benchmark("validate")
def validate_benchmark(options: Options) -> Result:
    from bench.fixtures import environ, new_database

    with throwaway_postgres() as postgres:
        env = new_database(postgres)
        with environ(env):
            validate, lookup = asyncio.run(run(env["KUPON_DATABASE_URL"], options))
    for side, tally in (("validate_checkout", validate), ("Member.get", lookup)):
        if tally.failed:
            print(f"bench: validate: {side}: {tally.failed} failed, first: {tally.first_failure}", file=sys.stderr)
    return Result.duration("validate", "ms", validate.median_ms, lookup.median_ms)


async def run(url: str, options: Options) -> tuple[Tally, Tally]:
    from bench.fixtures import member_actor, tortoise
    from gql.resolvers.checkout import validate_checkout
    from models.members import Member

    async with tortoise(url):
        member, cart = await prepare()
        actor = member_actor(member)

        async def validate() -> str | None:
            result = await validate_checkout(actor, None, cart)
            applicable = sum(verdict.applicable for _, verdict in result.verdicts)
            if len(result.verdicts) != WALLET_SIZE or not 0 < applicable < WALLET_SIZE:
                return f"{len(result.verdicts)} coupons judged, {applicable} applicable"
            return None

        async def lookup() -> str | None:
            return None if (await Member.get(id=member.id)).id == member.id else "wrong member"

        # One call at a time on each side: latency, not throughput.
        validate_tally, lookup_tally = await compare([Side([timed(validate)]), Side([timed(lookup)])], options)
        return validate_tally, lookup_tally


def timed(call: Callable[[], Awaitable[str | None]]):
    """A sender that records how long each successful call took."""

    async def send(tally: Tally) -> None:
        start = time.perf_counter()
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                problem = await call()
        except Exception as exc:  # a refusal or a database error: it does not count
            problem = f"{type(exc).__name__}: {exc}"
        elapsed = time.perf_counter() - start
        if problem:
            tally.fail(problem)
        else:
            tally.completed += 1
            tally.durations.append(elapsed)

    return send


async def prepare():
    """A member with 30 coupons of every kind, and a 20-line cart of courses and books from 4 categories."""
    from bench.fixtures import give_coupons, make_category, make_coupon, make_members, make_product, make_site
    from gql.resolvers.checkout import CartInput, CartLineInput
    from models.catalog import ProductKind

    site = await make_site()
    (member,) = await make_members(site, 1)
    categories = [await make_category(site) for _ in range(4)]  # three of courses, one of books
    products = []
    for n in range(CART_LINES):
        category = categories[n % 4]
        book = category is categories[3]
        products.append(await make_product(
            site, category, kind=ProductKind.BOOK if book else ProductKind.COURSE,
            price=15_000 + 1_000 * n if book else 90_000 + 20_000 * n, training_card_eligible=n == 6))
    for fields in wallet_definitions(categories, products):
        await give_coupons(await make_coupon(**fields), member)
    lines = [CartLineInput(kind=p.kind.value, quantity=1 + n % 3, unit_price=p.price, product_id=p.id,
                           category_id=p.category_id, training_card=p.training_card_eligible, name=p.name)
             for n, p in enumerate(products)]
    return member, CartInput(lines=lines, channel="APP", shipping_fee=SHIPPING_FEE, site_id=site.id)


def wallet_definitions(categories, products) -> list[dict]:
    """30 coupon definitions: 15 kinds, each twice with a different amount. Some do not apply, on purpose."""
    by_category = {"target_scope": "CATEGORIES"}
    kinds = [
        {"type": "PRODUCT", "benefit": "FIXED", "amount": 5000, "min_amount": 50_000, **by_category,
         "target_category_ids": [categories[0].id]},
        {"type": "PRODUCT", "benefit": "PERCENT", "percent": 15, "max_discount": 30_000, "target_scope": "PRODUCTS",
         "target_product_ids": [p.id for p in products[1:4]]},
        {"type": "PRODUCT_STACKABLE", "benefit": "FIXED", "amount": 2000, "product_kinds": ["BOOK"]},
        {"type": "PRODUCT_STACKABLE", "benefit": "PERCENT", "percent": 5},
        {"type": "CART", "benefit": "FIXED", "amount": 10_000, "min_amount": 200_000},
        {"type": "CART", "benefit": "PERCENT", "percent": 10, "max_discount": 50_000, **by_category,
         "target_category_ids": [categories[1].id, categories[2].id]},
        {"type": "CART_STACKABLE", "benefit": "FIXED", "amount": 3000},
        {"type": "SHIPPING", "benefit": "FREE_SHIPPING"},
        {"type": "SHIPPING", "benefit": "FIXED", "amount": 2000, "min_amount": 30_000},
        {"type": "CART", "benefit": "GIFT", "gift_name": "텀블러"},
        {"type": "PRODUCT", "benefit": "FIXED", "amount": 1000, "channels": ["PC_WEB"]},  # wrong channel
        {"type": "CART", "benefit": "FIXED", "amount": 5000, "min_amount": 100_000_000},  # below the minimum
        {"type": "PRODUCT", "benefit": "PERCENT", "percent": 20, "per_member_limit": 1},
        {"type": "CART", "benefit": "FIXED", "amount": 4000, "use_window": "DAYS_AFTER_ISSUE",
         "use_days_after_issue": 30},
        {"type": "PRODUCT", "benefit": "FIXED", "amount": 3000, **by_category,
         "target_category_ids": [categories[3].id]},
    ]
    definitions = []
    for n in range(WALLET_SIZE):
        fields = dict(kinds[n % len(kinds)])
        if n >= len(kinds):
            for money in ("amount", "percent"):
                if fields.get(money):
                    fields[money] += 1000 if money == "amount" else 5
        definitions.append(fields)
    return definitions
