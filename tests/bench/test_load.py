"""In-process load: sides take turns, each told how long its turn is, and stop at the count asked for."""

from __future__ import annotations

import asyncio

from bench.load import Side, Tally, compare
from bench.registry import Options


def counter(log: list[str], name: str):
    async def send(tally: Tally) -> None:
        await asyncio.sleep(0)
        log.append(name)
        tally.completed += 1
        tally.durations.append(0.002)

    return send


async def test_sides_take_turns_and_each_turn_is_announced_before_it_starts():
    log: list[str] = []
    turns: list[tuple[str, float, int | None]] = []

    async def before(seconds: float, requests: int | None) -> None:
        turns.append(("a", seconds, requests))

    sides = [Side([counter(log, "a")] * 2, before_turn=before), Side([counter(log, "b")])]
    a, b = await compare(sides, Options(requests=6, rounds=3, warmup=0))

    # Calls already in flight when the count is reached still finish (and count): at most one per extra sender.
    assert 6 <= a.completed <= 6 + 3 and b.completed == 6
    assert turns[0] == ("a", 0, None)  # the (empty) warm-up
    assert [t[2] for t in turns[1:]] == [2, 2, 2]
    # Alternation: b's first measured call comes before a's last one.
    assert log.index("b") < len(log) - 1 - log[::-1].index("a")


def test_median_latency_is_in_milliseconds():
    tally = Tally(durations=[0.001, 0.003, 0.002])

    assert tally.median_ms == 2.0
