"""The `segment` benchmark at a small size: it runs, checks its sets and prints its ratios."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bench.registry import load_benchmarks
from bench.segment import Sizes
from kupon.throwaway_postgres import find_pg_bin


def test_segment_is_registered_with_the_issue_sizes():
    assert "segment" in load_benchmarks()
    assert (Sizes().members, Sizes().orders, Sizes().visits) == (1_000_000, 5_000_000, 5_000_000)


@pytest.mark.skipif(find_pg_bin() is None, reason="PostgreSQL binaries not found")
def test_a_small_run_matches_the_sets_and_prints_the_ratios():
    run = subprocess.run(
        [sys.executable, "-m", "bench.segment", "--members", "2000", "--orders", "10000", "--visits", "10000",
         "--points", "2000", "--runs", "2"],
        capture_output=True, text=True, timeout=300)

    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("segment: generated 2,000 members, 10,000 orders, 10,000 visits")
    for name in ("seed_002", "three_conditions"):
        (line,) = [line for line in lines if line.startswith(f"segment: {name}:")]
        assert "sets matched" in line and "ratio " in line and "live count " in line
