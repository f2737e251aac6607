"""The test clock of kupon.timeutil: in-process override, environment instant, clock file, production guard,
and Tortoise's auto_now fields following it."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from kupon import timeutil
from kupon.timeutil import SEOUL, clock_at, now_utc, seoul_today, set_test_clock, write_clock_file

MOMENT = datetime(2025, 3, 1, 10, 0, tzinfo=SEOUL)


@pytest.fixture(autouse=True)
def _no_clock(monkeypatch):
    monkeypatch.delenv(timeutil.CLOCK_ENV, raising=False)
    monkeypatch.delenv(timeutil.CLOCK_FILE_ENV, raising=False)
    set_test_clock(None)
    yield
    set_test_clock(None)


def _real_now_close(instant: datetime) -> bool:
    return abs(instant - datetime.now(UTC)) < timedelta(seconds=5)


def test_no_clock_is_real_time():
    assert _real_now_close(now_utc())
    assert now_utc().tzinfo is not None


def test_set_and_clear():
    set_test_clock(MOMENT)
    assert now_utc() == MOMENT
    assert now_utc().tzinfo == UTC
    assert seoul_today() == MOMENT.date()
    set_test_clock(None)
    assert _real_now_close(now_utc())


def test_naive_moment_is_seoul_wall_clock():
    set_test_clock(datetime(2025, 3, 1, 10, 0))
    assert now_utc() == datetime(2025, 3, 1, 1, 0, tzinfo=UTC)


def test_context_manager_restores_the_previous_clock():
    set_test_clock(MOMENT)
    later = MOMENT + timedelta(days=1)
    with clock_at(later):
        assert now_utc() == later
    assert now_utc() == MOMENT


def test_ticking_clock_runs_on():
    with clock_at(MOMENT, ticking=True):
        first = now_utc()
        time.sleep(0.02)
        assert MOMENT <= first < now_utc() < MOMENT + timedelta(seconds=5)


def test_environment_instant(monkeypatch):
    monkeypatch.setenv(timeutil.CLOCK_ENV, "2025-03-01T10:00:00+09:00")
    assert now_utc() == MOMENT
    set_test_clock(MOMENT + timedelta(hours=1))  # the in-process clock wins
    assert now_utc() == MOMENT + timedelta(hours=1)


def test_clock_file_is_reread_when_it_changes(monkeypatch, tmp_path):
    path = tmp_path / "clock"
    monkeypatch.setenv(timeutil.CLOCK_FILE_ENV, str(path))
    assert _real_now_close(now_utc())  # no file yet: real time
    write_clock_file(path, MOMENT)
    assert now_utc() == MOMENT
    write_clock_file(path, MOMENT + timedelta(days=1))
    assert now_utc() == MOMENT + timedelta(days=1)
    write_clock_file(path, datetime(2025, 3, 2, 8, 0))  # naive: Seoul
    assert now_utc() == datetime(2025, 3, 1, 23, 0, tzinfo=UTC)
    write_clock_file(path, None)
    assert _real_now_close(now_utc())


def test_ticking_clock_file(monkeypatch, tmp_path):
    path = tmp_path / "clock"
    monkeypatch.setenv(timeutil.CLOCK_FILE_ENV, str(path))
    write_clock_file(path, MOMENT, ticking=True)
    assert MOMENT <= now_utc() < MOMENT + timedelta(seconds=5)


def test_not_honoured_in_production(monkeypatch, tmp_path):
    path = tmp_path / "clock"
    write_clock_file(path, MOMENT)
    monkeypatch.setenv(timeutil.CLOCK_FILE_ENV, str(path))
    monkeypatch.setenv("KUPON_ENV", "production")
    assert _real_now_close(now_utc())
    monkeypatch.setenv(timeutil.CLOCK_ENV, MOMENT.isoformat())
    assert _real_now_close(now_utc())


def test_clock_file_read_is_cheap(monkeypatch, tmp_path):
    path = tmp_path / "clock"
    write_clock_file(path, MOMENT)
    monkeypatch.setenv(timeutil.CLOCK_FILE_ENV, str(path))
    started = time.perf_counter()
    for _ in range(2000):
        now_utc()
    assert time.perf_counter() - started < 1.0  # a stat per call, the file parsed once


async def test_tortoise_auto_now_follows_the_clock(db):
    from tests.factories import make_member, make_site

    site = await make_site()
    with clock_at(MOMENT):
        member = await make_member(site)
    await member.refresh_from_db()
    assert member.created_at == MOMENT
    later = await make_member(site)
    assert _real_now_close(later.created_at)


def test_jobs_use_the_clock():
    """The job runner and issuing read kupon's clock, not datetime.now."""
    import inspect

    from gql.resolvers import coupon_issuing
    from kupon import jobs

    for module in (jobs, coupon_issuing):
        source = inspect.getsource(module)
        assert "datetime.now(" not in source and "datetime.utcnow(" not in source, module.__name__
