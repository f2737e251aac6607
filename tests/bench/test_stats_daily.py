"""The stats_daily benchmark's sizing (the run itself needs its own PostgreSQL: `python -m bench stats_daily`)."""

import pytest

from bench.registry import load_benchmarks
from bench.stats_daily import DEFAULT_ORDERS, order_count


def test_stats_daily_is_registered():
    assert "stats_daily" in load_benchmarks()


def test_a_million_orders_unless_told_otherwise():
    assert order_count({}) == DEFAULT_ORDERS == 1_000_000
    assert order_count({"KUPON_BENCH_ORDERS": "20_000"}) == 20_000
    assert order_count({"KUPON_BENCH_ORDERS": "5,000"}) == 5_000


@pytest.mark.parametrize("text", ["0", "-3", "many"])
def test_a_count_that_is_not_a_positive_whole_number_is_refused(text):
    with pytest.raises(ValueError):
        order_count({"KUPON_BENCH_ORDERS": text})
