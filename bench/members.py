"""`members`: the members connection (first 50, with each member's site) over HTTP.

Kupon serves it from PostgreSQL (200 demo members) as deployed: uvicorn,
production settings, an API key in `Authorization`. The baseline serves the
identical JSON from memory (bench/baseline_members.py). The ratio is kupon's
requests/s over the baseline's, so it prices everything kupon adds on top of
Strawberry: authentication, permissions, the SQL page and count, the site
DataLoader, the middleware.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from bench.baseline_members import DATA_ENV
from bench.load import Tally, compare_graphql
from bench.registry import Options, Result, benchmark
from bench.servers import Server, throwaway_postgres, uvicorn_server

MEMBER_COUNT = 200
PAGE_SIZE = 50
QUERY = (
    f"{{ members(first: {PAGE_SIZE}) {{ totalCount edges {{ node {{ id name loginId phone email grade "
    "site { id name code } } } } }"
)
BENCH_SECRET_KEY = "kupon-bench-secret-key-not-for-production"


@benchmark("members")
def members_benchmark(options: Options) -> Result:
    with throwaway_postgres() as postgres:
        env = kupon_env(postgres.create_database("kupon_bench"))
        with environ(env):
            api_key = asyncio.run(prepare_database(env["KUPON_DATABASE_URL"]))
        headers = {"authorization": f"Bearer {api_key}"}
        with uvicorn_server("kupon", "kupon.app:create_app", env) as kupon:
            expected = fetch_members(kupon, headers)
            with baseline_server(expected) as baseline:
                if fetch_members(baseline, headers) != expected:
                    raise RuntimeError("members: the baseline's answer differs from kupon's")
                kupon_tally, baseline_tally = measure([kupon, baseline], headers, options)
    return Result.throughput("members", "req/s", kupon_tally.per_second, baseline_tally.per_second)


async def prepare_database(url: str) -> str:
    """Migrate, load the demo data, and return a fresh API key's secret."""
    # Imported here so that listing benchmarks does not pull in the whole app.
    from gql.resolvers.auth import create_api_key
    from kupon.db import close_db, migrate, open_db
    from kupon.demo import load_demo_data

    await migrate(url)
    await open_db(url)
    try:
        await load_demo_data(member_count=MEMBER_COUNT)
        return (await create_api_key(None, "bench")).secret
    finally:
        await close_db()


def kupon_env(database_url: str) -> dict[str, str]:
    """Kupon as deployed: production settings, its own secret key."""
    return {"KUPON_DATABASE_URL": database_url, "KUPON_SECRET_KEY": BENCH_SECRET_KEY, "KUPON_ENV": "production"}


@contextmanager
def environ(env: dict[str, str]) -> Iterator[None]:
    """Load the data under the server's settings, so anything encrypted reads back with its key."""
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def baseline_server(expected: dict) -> Iterator[Server]:
    """The baseline, fed the very JSON kupon served (through a temporary file)."""
    with tempfile.TemporaryDirectory(prefix="bench-members-") as directory:
        path = os.path.join(directory, "members.json")
        with open(path, "w", encoding="utf-8") as data:
            json.dump(expected["data"]["members"], data, ensure_ascii=False)
        with uvicorn_server("baseline", "bench.baseline_members:create_app", {DATA_ENV: path}) as server:
            yield server


def fetch_members(server: Server, headers: dict[str, str]) -> dict:
    """One answer, checked to be a full page, to compare and to feed the baseline."""
    response = httpx.post(server.url + "/graphql", json={"query": QUERY}, headers=headers, timeout=10.0)
    payload = response.json() if response.status_code == 200 else {}
    connection = (payload.get("data") or {}).get("members") or {}
    if payload.get("errors") or len(connection.get("edges", [])) != PAGE_SIZE:
        raise RuntimeError(f"members: {server.name} answered HTTP {response.status_code}: {response.text[:500]}")
    return payload


def measure(servers: list[Server], headers: dict[str, str], options: Options) -> list[Tally]:
    urls = [server.url + "/graphql" for server in servers]
    tallies = asyncio.run(compare_graphql(urls, QUERY, headers, options))
    for server, tally in zip(servers, tallies, strict=True):
        if tally.failed:
            print(f"bench: members: {server.name}: {tally.failed} requests failed, first: {tally.first_failure}",
                  file=sys.stderr)
    return tallies
