"""One GraphQL query over HTTP: kupon as deployed against the replaying baseline, in the same run.

Kupon is served by uvicorn (`kupon.app:create_app`, production settings) from
the database the benchmark prepared. Its answer to the query is recorded and
handed, with kupon's schema, to the baseline (bench/baseline.py), which must
then give the identical answer before anything is measured.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterator

import httpx

from bench.baseline import SPEC_ENV, write_spec
from bench.load import Tally, compare_graphql
from bench.registry import Options
from bench.servers import Server, uvicorn_server

# Given kupon's answer (`{"data": ...}`), say what is wrong with it, or None when it is a full answer.
Check = Callable[[dict], str | None]


def compare_over_http(name: str, query: str, env: dict[str, str], headers: dict[str, str], options: Options,
                      check: Check) -> tuple[Tally, Tally]:
    """(kupon's tally, the baseline's) for `query`, sent with `headers` to both."""
    with uvicorn_server("kupon", "kupon.app:create_app", env) as kupon:
        expected = fetch(name, kupon, query, headers, check)
        with replaying_baseline(query, expected) as baseline:
            if fetch(name, baseline, query, headers, check) != expected:
                raise RuntimeError(f"{name}: the baseline's answer differs from kupon's")
            return measure(name, [kupon, baseline], query, headers, options)


@contextlib.contextmanager
def replaying_baseline(query: str, response: dict) -> Iterator[Server]:
    """The baseline, fed kupon's schema and the very JSON kupon served (through a temporary file)."""
    from gql.schema import get_schema  # the whole schema: only when a benchmark runs

    with tempfile.TemporaryDirectory(prefix="bench-baseline-") as directory:
        path = os.path.join(directory, "spec.json")
        write_spec(path, str(get_schema(production=True)), query, response)
        with uvicorn_server("baseline", "bench.baseline:create_app", {SPEC_ENV: path}) as server:
            yield server


def fetch(name: str, server: Server, query: str, headers: dict[str, str], check: Check) -> dict:
    """One answer, checked to be complete, to compare and to feed the baseline."""
    response = httpx.post(server.url + "/graphql", json={"query": query}, headers=headers, timeout=10.0)
    payload = response.json() if response.status_code == 200 else {}
    problem = "no data" if payload.get("errors") or not payload.get("data") else check(payload)
    if problem:
        raise RuntimeError(f"{name}: {server.name} answered HTTP {response.status_code} ({problem}): "
                           f"{response.text[:500]}")
    return payload


def measure(name: str, servers: list[Server], query: str, headers: dict[str, str],
            options: Options) -> tuple[Tally, Tally]:
    urls = [server.url + "/graphql" for server in servers]
    tallies = asyncio.run(compare_graphql(urls, query, headers, options))
    for server, tally in zip(servers, tallies, strict=True):
        if tally.failed:
            print(f"bench: {name}: {server.name}: {tally.failed} requests failed, first: {tally.first_failure}",
                  file=sys.stderr)
    kupon_tally, baseline_tally = tallies
    return kupon_tally, baseline_tally
