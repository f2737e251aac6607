"""The benchmark runner's output, with fake benchmarks: no database, no servers."""

from __future__ import annotations

import io
import json

import pytest

from bench.__main__ import main
from bench.registry import BenchUnavailable, Options, Result, benchmark

JSON_KEYS = {"name", "unit", "value", "baseline", "ratio"}


def run(argv: list[str], registry: dict) -> tuple[int, str]:
    out = io.StringIO()
    return main(argv, registry=registry, out=out), out.getvalue()


@pytest.fixture
def registry() -> dict:
    fakes: dict = {}

    @benchmark("fast", registry=fakes)
    def fast(options: Options) -> Result:
        return Result.throughput("fast", "req/s", 300.0, 200.0)

    @benchmark("slow", registry=fakes)
    def slow(options: Options) -> Result:
        return Result.duration("slow", "s", 4.0, 2.0)

    return fakes


def test_json_prints_one_object_per_benchmark_with_the_spec_keys(registry):
    status, out = run(["fast", "slow", "--json"], registry)

    assert status == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [set(line) for line in lines] == [JSON_KEYS, JSON_KEYS]
    assert lines[0] == {"name": "fast", "unit": "req/s", "value": 300.0, "baseline": 200.0, "ratio": 1.5}
    assert lines[1] == {"name": "slow", "unit": "s", "value": 4.0, "baseline": 2.0, "ratio": 0.5}


def test_ratio_is_kupons_speed_so_higher_is_better_for_either_unit():
    assert Result.throughput("t", "req/s", 50, 100).ratio == 0.5
    assert Result.duration("d", "s", 1, 3).ratio == 3.0


def test_a_zero_baseline_is_a_failed_measurement_not_an_infinite_ratio():
    with pytest.raises(ValueError):
        Result.throughput("t", "req/s", 50, 0)


def test_only_the_named_benchmarks_run(registry):
    _, out = run(["slow", "--json"], registry)

    assert [json.loads(line)["name"] for line in out.splitlines()] == ["slow"]


def test_the_table_shows_each_figure_beside_its_baseline_and_the_ratio(registry):
    status, out = run(["fast"], registry)

    assert status == 0
    row = next(line for line in out.splitlines() if line.startswith("fast"))
    assert row.split() == ["fast", "300.0", "200.0", "req/s", "1.500"]


def test_options_reach_the_benchmark():
    seen = []
    fakes: dict = {}
    benchmark("probe", registry=fakes)(lambda options: seen.append(options) or Result.throughput("probe", "x", 1, 1))

    run(["--requests", "40", "--concurrency", "2", "--rounds", "4", "--json"], fakes)

    assert seen == [Options(seconds=Options.seconds, warmup=Options.warmup, requests=40, concurrency=2, rounds=4)]


def test_list_names_the_benchmarks_without_running_them(registry):
    status, out = run(["--list"], registry)

    assert status == 0
    assert out.split() == ["fast", "slow"]


def test_a_benchmark_that_cannot_run_exits_non_zero_and_the_others_still_run(registry, capsys):
    @benchmark("needs-postgres", registry=registry)
    def needs_postgres(options: Options) -> Result:
        raise BenchUnavailable("PostgreSQL binaries not found")

    status, out = run(["needs-postgres", "fast", "--json"], registry)

    assert status == 2
    assert [json.loads(line)["name"] for line in out.splitlines()] == ["fast"]
    assert "PostgreSQL binaries not found" in capsys.readouterr().err


def test_an_unknown_name_is_refused(registry):
    with pytest.raises(SystemExit) as exited:
        run(["nope"], registry)
    assert exited.value.code == 2


def test_registering_a_name_twice_is_an_error(registry):
    with pytest.raises(ValueError):
        benchmark("fast", registry=registry)(lambda options: None)


def test_the_real_registry_has_members():
    from bench.registry import load_benchmarks

    assert "members" in load_benchmarks()


def test_missing_postgresql_is_reported_as_unavailable(monkeypatch):
    import bench.servers

    monkeypatch.setattr(bench.servers, "find_pg_bin", lambda: None)
    with pytest.raises(BenchUnavailable, match="PostgreSQL binaries not found"), bench.servers.throwaway_postgres():
        pass
