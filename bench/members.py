"""`members`: the members connection (first 50, with each member's site) over HTTP.

Kupon serves it from PostgreSQL (200 demo members) as deployed: uvicorn,
production settings, an API key in `Authorization`. The baseline replays the
identical JSON from memory through a Strawberry schema of the same shape
(bench/baseline.py). The ratio is kupon's requests/s over the baseline's, so
it prices everything kupon adds on top of Strawberry: authentication,
permissions, the SQL page and count, the site DataLoader, the middleware.
"""

from __future__ import annotations

import asyncio

from bench.over_http import compare_over_http
from bench.registry import Options, Result, benchmark
from bench.servers import throwaway_postgres

MEMBER_COUNT = 200
PAGE_SIZE = 50
QUERY = (
    f"{{ members(first: {PAGE_SIZE}) {{ totalCount edges {{ node {{ id name loginId phone email grade "
    "site { id name code } } } } }"
)


@benchmark("members")
def members_benchmark(options: Options) -> Result:
    from bench.fixtures import environ, new_database

    with throwaway_postgres() as postgres:
        env = new_database(postgres)
        with environ(env):
            api_key = asyncio.run(prepare_database(env["KUPON_DATABASE_URL"]))
        kupon, baseline = compare_over_http("members", QUERY, env, {"authorization": f"Bearer {api_key}"},
                                            options, full_page)
    return Result.throughput("members", "req/s", kupon.per_second, baseline.per_second)


async def prepare_database(url: str) -> str:
    """Migrate, load the demo data, and return a fresh API key's secret."""
    from bench.fixtures import tortoise
    from gql.resolvers.auth import create_api_key
    from kupon.demo import load_demo_data

    async with tortoise(url):
        await load_demo_data(member_count=MEMBER_COUNT)
        return (await create_api_key(None, "bench")).secret


def full_page(payload: dict) -> str | None:
    edges = payload["data"]["members"]["edges"]
    return None if len(edges) == PAGE_SIZE else f"{len(edges)} members, not {PAGE_SIZE}"
