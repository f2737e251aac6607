"""The campaign benchmarks: registered, sized by their variables, and both run end to end at a small size
(their own throwaway PostgreSQL and fake gateway process; skipped without PostgreSQL's binaries)."""

from __future__ import annotations

import pytest

from bench.campaign import DEFAULT_MEMBERS, DEFAULT_SELECT_MEMBERS, MEMBERS_ENV, SELECT_ENV, main, size
from bench.registry import Options, load_benchmarks
from kupon.throwaway_postgres import find_pg_bin


def test_campaign_benchmarks_are_registered():
    assert {"campaign", "campaign_select"} <= set(load_benchmarks())


def test_sizes_default_to_the_issue_figures():
    assert size(MEMBERS_ENV, DEFAULT_MEMBERS, {}) == 100_000
    assert size(SELECT_ENV, DEFAULT_SELECT_MEMBERS, {}) == 1_000_000
    assert size(SELECT_ENV, DEFAULT_SELECT_MEMBERS, {SELECT_ENV: "20_000"}) == 20_000


@pytest.mark.parametrize("text", ["0", "-1", "lots"])
def test_a_size_that_is_not_a_positive_whole_number_is_refused(text):
    with pytest.raises(ValueError):
        size(MEMBERS_ENV, DEFAULT_MEMBERS, {MEMBERS_ENV: text})


def test_the_command_line_refuses_a_bad_size_before_starting_anything(monkeypatch):
    monkeypatch.delenv(MEMBERS_ENV, raising=False)
    monkeypatch.setenv(SELECT_ENV, "1")  # so the value main() sets is undone after the test
    with pytest.raises(ValueError):
        main(["--select-members", "none"])


@pytest.mark.skipif(find_pg_bin() is None, reason="PostgreSQL binaries not found")
def test_both_run_at_a_small_size(monkeypatch):
    monkeypatch.setenv(MEMBERS_ENV, "300")
    monkeypatch.setenv(SELECT_ENV, "2000")
    benchmarks = load_benchmarks()
    options = Options(rounds=1)
    for name in ("campaign", "campaign_select"):
        result = benchmarks[name](options)
        assert result.name == name and result.value > 0 and result.baseline > 0
