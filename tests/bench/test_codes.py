"""The `codes` benchmark without PostgreSQL: it is registered, and sized by KUPON_BENCH_CODES."""

from __future__ import annotations

import pytest

from bench.codes import CODES_ENV, DEFAULT_CODES, code_count
from bench.registry import load_benchmarks


def test_codes_is_registered_with_the_others():
    assert "codes" in load_benchmarks()


def test_a_million_codes_unless_told_otherwise():
    assert DEFAULT_CODES == 1_000_000
    assert code_count({}) == 1_000_000
    assert code_count({CODES_ENV: " "}) == 1_000_000


@pytest.mark.parametrize(("text", "count"), [("50000", 50_000), ("1_000_000", 1_000_000), ("20,000", 20_000)])
def test_the_count_can_be_set_for_a_quick_run(text, count):
    assert code_count({CODES_ENV: text}) == count


@pytest.mark.parametrize("text", ["0", "-5", "lots", "1e6"])
def test_a_count_that_is_not_a_positive_whole_number_is_refused(text):
    with pytest.raises(ValueError, match=CODES_ENV):
        code_count({CODES_ENV: text})
