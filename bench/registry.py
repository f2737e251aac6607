"""The benchmark registry and the figures a benchmark returns.

A benchmark is a function registered with `@benchmark("name")` that takes the
run's `Options` and returns a `Result`. The runner imports `BENCHMARK_MODULES`
to fill the registry, so adding a benchmark is one module and one line there.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import asdict, dataclass

# Modules that register benchmarks when imported; later issues append theirs.
BENCHMARK_MODULES = ["bench.members", "bench.wallet", "bench.redemption", "bench.validate",
                     "bench.codes", "bench.stats_daily", "bench.orders_nested", "bench.migration",
                     "bench.segment", "bench.campaign"]


class BenchUnavailable(RuntimeError):
    """The benchmark cannot run on this machine (e.g. PostgreSQL is not installed)."""


@dataclass(frozen=True)
class Options:
    """How big a run is; every benchmark sizes its load with these."""

    seconds: float = 5.0
    warmup: float = 1.0
    requests: int | None = None
    concurrency: int = 8
    # Kupon and baseline take turns this many times, so background load hits both.
    rounds: int = 5


@dataclass(frozen=True)
class Result:
    """One figure for kupon beside the same figure for its baseline.

    `ratio` is always kupon's speed relative to the baseline, so 1.0 means as
    fast and higher is better, whatever the unit: build results with
    `throughput()` or `duration()` rather than computing it by hand.
    """

    name: str
    unit: str
    value: float
    baseline: float
    ratio: float

    @classmethod
    def throughput(cls, name: str, unit: str, value: float, baseline: float) -> Result:
        """Higher is better (requests/s, rows/s): ratio = kupon / baseline."""
        return cls(name, unit, value, baseline, _safe_ratio(value, baseline))

    @classmethod
    def duration(cls, name: str, unit: str, value: float, baseline: float) -> Result:
        """Lower is better (seconds, ms): ratio = baseline / kupon."""
        return cls(name, unit, value, baseline, _safe_ratio(baseline, value))

    def as_dict(self) -> dict:
        return asdict(self)


def _safe_ratio(numerator: float, denominator: float) -> float:
    # A zero denominator means a broken measurement, and "Infinity" is not JSON: fail loudly.
    if denominator <= 0:
        raise ValueError("cannot compute a ratio against a zero figure: the measurement failed")
    return numerator / denominator


Benchmark = Callable[[Options], Result]
REGISTRY: dict[str, Benchmark] = {}


def benchmark(name: str, registry: dict[str, Benchmark] | None = None) -> Callable[[Benchmark], Benchmark]:
    """Register a benchmark under `name` (in REGISTRY unless another registry is given)."""
    target = REGISTRY if registry is None else registry

    def register(function: Benchmark) -> Benchmark:
        if name in target:
            raise ValueError(f"benchmark {name!r} is registered twice")
        target[name] = function
        return function

    return register


def load_benchmarks() -> dict[str, Benchmark]:
    """Import every benchmark module so its `@benchmark` decorators run."""
    for module in BENCHMARK_MODULES:
        importlib.import_module(module)
    return REGISTRY
