"""The `migration` benchmark: registered, sized by KUPON_BENCH_LEGACY_RECORDS (or --records), and a real
run at a small size on a throwaway PostgreSQL (each side checked: N member coupons, kupon's linked)."""

from __future__ import annotations

import pytest

from bench import migration
from bench.migration import DEFAULT_RECORDS, RECORDS_ENV, record_count
from bench.registry import Options, load_benchmarks
from kupon.throwaway_postgres import find_pg_bin


def test_migration_is_registered_with_the_others():
    assert "migration" in load_benchmarks()


def test_a_million_records_unless_told_otherwise():
    assert DEFAULT_RECORDS == record_count({}) == 1_000_000
    assert record_count({RECORDS_ENV: "2_000"}) == 2000


@pytest.mark.parametrize("text", ["0", "lots"])
def test_a_bad_size_is_refused(text):
    with pytest.raises(ValueError, match=RECORDS_ENV):
        record_count({RECORDS_ENV: text})


@pytest.mark.skipif(find_pg_bin() is None, reason="PostgreSQL binaries not installed")
def test_a_small_run(monkeypatch):
    monkeypatch.setenv(RECORDS_ENV, "3000")
    monkeypatch.setattr(migration, "MEMBERS", 50)
    result = migration.migration_benchmark(Options(rounds=1, warmup=0))
    assert result.name == "migration" and result.unit == "s" and result.value > 0 and result.baseline > 0
