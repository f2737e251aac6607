"""Load generation: a fixed number of requests in flight, kupon and baseline in alternation.

The generator runs in the bench process while the servers run in their own,
so it measures what a client sees over HTTP. On a 2-core machine the client
takes CPU from the server; kupon and its baseline pay that alike, which is why
only the ratio is worth comparing between machines. The measured time is cut
into rounds that alternate between the two servers, so a burst of load from
something else on the machine falls on both sides rather than on one.

In-process benchmarks (redemption, validate) use the same `compare` and
`drive` with their own senders, so every benchmark is sized and alternated
by the same options.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

from bench.registry import Options

REQUEST_TIMEOUT = 10.0
# With --requests a round ends at its share of the count, or at this cap if the server is slow.
ROUND_TIME_CAP = 60.0


@dataclass
class Tally:
    """Requests that succeeded (over HTTP: status 200, GraphQL without `errors`) and those that did not."""

    completed: int = 0
    failed: int = 0
    elapsed: float = 0.0
    first_failure: str = ""
    # Seconds each counted request took, for benchmarks that report latency (their senders record it).
    durations: list[float] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.completed / self.elapsed if self.elapsed else 0.0

    @property
    def median_ms(self) -> float:
        return statistics.median(self.durations) * 1000 if self.durations else 0.0

    def fail(self, reason: str) -> None:
        self.failed += 1
        self.first_failure = self.first_failure or reason


Send = Callable[[Tally], Awaitable[None]]


async def post_graphql(client: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str]) -> dict:
    """One GraphQL POST; the decoded response, or an error saying why it does not count."""
    response = await client.post(url, content=body, headers=headers)
    if response.status_code != 200:
        raise ValueError(f"HTTP {response.status_code}: {response.text[:300]}")
    payload = response.json()
    if payload.get("errors"):
        raise ValueError(f"GraphQL errors: {json.dumps(payload['errors'])[:300]}")
    return payload


async def compare_graphql(urls: list[str], query: str, headers: dict[str, str], options: Options) -> list[Tally]:
    """Requests per second for one query at each URL, measured in alternating rounds.

    Each server first gets an unmeasured warm-up that opens the keep-alive
    connections and fills its parser and validation caches.
    """
    body = json.dumps({"query": query}).encode()
    headers = {"content-type": "application/json", **headers}
    limits = httpx.Limits(max_connections=options.concurrency, max_keepalive_connections=options.concurrency)
    clients = [httpx.AsyncClient(limits=limits, timeout=REQUEST_TIMEOUT) for _ in urls]
    try:
        sides = [Side([_sender(client, url, body, headers)] * options.concurrency)
                 for client, url in zip(clients, urls, strict=True)]
        return await compare(sides, options)
    finally:
        for client in clients:
            await client.aclose()


@dataclass
class Side:
    """One side of a comparison: its clients, each sending back to back, and what to do before each turn.

    `before_turn(seconds, requests)` runs outside the measured time, told how
    long the turn will be (e.g. to give the clients enough fresh data to use
    up); the clients may share one `Send` or have their own.
    """

    senders: list[Send]
    before_turn: Callable[[float, int | None], Awaitable[None]] | None = None

    async def turn(self, *, seconds: float, requests: int | None, into: Tally) -> None:
        if self.before_turn is not None:
            await self.before_turn(seconds, requests)
        await drive(self.senders, seconds=seconds, requests=requests, into=into)


async def compare(sides: list[Side], options: Options) -> list[Tally]:
    """Each side warmed up unmeasured, then measured in `options.rounds` turns taken in alternation."""
    for side in sides:
        await side.turn(seconds=options.warmup, requests=None, into=Tally())
    tallies = [Tally() for _ in sides]
    for _ in range(options.rounds):
        for side, tally in zip(sides, tallies, strict=True):
            await side.turn(**_round_size(options), into=tally)
    return tallies


def _round_size(options: Options) -> dict:
    if options.requests is not None:
        return {"seconds": ROUND_TIME_CAP, "requests": -(-options.requests // options.rounds)}
    return {"seconds": options.seconds / options.rounds, "requests": None}


def _sender(client: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str]) -> Send:
    async def send(tally: Tally) -> None:
        try:
            await post_graphql(client, url, body, headers)
        except (httpx.HTTPError, ValueError) as exc:
            tally.fail(f"{type(exc).__name__}: {exc}")
        else:
            tally.completed += 1

    return send


async def drive(senders: list[Send], *, seconds: float, requests: int | None, into: Tally) -> None:
    """Each sender sends back to back until the time is up or `requests` more have succeeded.

    Elapsed time runs until the last response is in, so every counted request
    lies inside it and requests/s is exact.
    """
    start = time.monotonic()
    deadline = start + seconds
    stop_at = None if requests is None else into.completed + requests

    async def worker(send: Send) -> None:
        while time.monotonic() < deadline and (stop_at is None or into.completed < stop_at):
            await send(into)

    await asyncio.gather(*(worker(send) for send in senders))
    into.elapsed += time.monotonic() - start
