"""`wallet`: a member's own coupons (`myCoupons`, 30 of them, with each coupon's definition) over HTTP.

The query a shop's app sends when the member opens their wallet, signed in
with a member token. Kupon serves it from PostgreSQL as deployed (uvicorn,
production settings); the baseline replays kupon's identical answer through a
Strawberry schema of the same shape (bench/baseline.py). The ratio is kupon's
requests/s over the baseline's.
"""

from __future__ import annotations

import asyncio

from bench.over_http import compare_over_http
from bench.registry import Options, Result, benchmark
from bench.servers import throwaway_postgres

WALLET_SIZE = 30
QUERY = (
    "{ myCoupons(first: 50) { totalCount edges { node { id status issuedAt expiresAt "
    "coupon { id name type benefit amount percent maxDiscount minAmount } } } } }"
)
# A realistic wallet mixes kinds of coupons: (type, benefit, extra fields), taken in turn.
KINDS = [
    ("CART", "FIXED", {"amount": 3000, "min_amount": 30000}),
    ("PRODUCT", "PERCENT", {"percent": 10, "max_discount": 20000}),
    ("SHIPPING", "FREE_SHIPPING", {}),
    ("CART_STACKABLE", "PERCENT", {"percent": 5}),
    ("PRODUCT_STACKABLE", "FIXED", {"amount": 2000}),
    ("CART", "GIFT", {"gift_name": "텀블러"}),
]


@benchmark("wallet")
def wallet_benchmark(options: Options) -> Result:
    from bench.fixtures import environ, new_database

    with throwaway_postgres() as postgres:
        env = new_database(postgres)
        with environ(env):
            token = asyncio.run(prepare_database(env["KUPON_DATABASE_URL"]))
        kupon, baseline = compare_over_http("wallet", QUERY, env, {"authorization": f"Bearer {token}"},
                                            options, full_wallet)
    return Result.throughput("wallet", "req/s", kupon.per_second, baseline.per_second)


async def prepare_database(url: str) -> str:
    """Migrate, load the demo shop, fill one member's wallet; return that member's token."""
    from bench.fixtures import give_coupons, make_coupon, make_members, make_site, member_token, tortoise
    from kupon.demo import load_demo_data

    async with tortoise(url):
        await load_demo_data(member_count=50)
        site = await make_site()
        member, other = await make_members(site, 2)
        for n in range(WALLET_SIZE):
            coupon_type, benefit, extra = KINDS[n % len(KINDS)]
            window = {"use_window": "DAYS_AFTER_ISSUE", "use_days_after_issue": 30} if n % 2 else {}
            coupon = await make_coupon(type=coupon_type, benefit=benefit, **extra, **window)
            await give_coupons(coupon, member)
            await give_coupons(coupon, other)  # someone else's wallet, which the query must not show
        return await member_token(member)


def full_wallet(payload: dict) -> str | None:
    wallet = payload["data"]["myCoupons"]
    if wallet["totalCount"] != WALLET_SIZE or len(wallet["edges"]) != WALLET_SIZE:
        return f"{len(wallet['edges'])} of {wallet['totalCount']} coupons, not {WALLET_SIZE}"
    return None
