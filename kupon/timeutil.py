"""Time-zone helpers: store UTC, show and reason about business days in Asia/Seoul.

`now_utc()` is the one clock of kupon. Tests can set it: in-process with `set_test_clock(moment)`
or `with clock_at(moment):`, or for a server in another process with KUPON_TEST_CLOCK (an ISO instant)
or KUPON_TEST_CLOCK_FILE (a file holding one, re-read whenever it changes). A value ending in
" ticking" runs on from that instant (for the file: from the moment it was written) instead of
standing still. Neither variable is honoured when KUPON_ENV=production. While a test clock is
set, Tortoise's auto_now/auto_now_add fields follow it too.
"""

from __future__ import annotations

import os
import time as _time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import tortoise.timezone as _tortoise_timezone

SEOUL = ZoneInfo("Asia/Seoul")
CLOCK_ENV = "KUPON_TEST_CLOCK"
CLOCK_FILE_ENV = "KUPON_TEST_CLOCK_FILE"

_override: datetime | None = None
_override_set_at = 0.0
_override_ticking = False
_file_cache: tuple[str, int, tuple[int, int], datetime | None, bool] | None = None  # path, mtime, (inode, size), ...


def _parse_clock(text: str) -> tuple[datetime | None, bool]:
    """'2025-03-01T10:00:00+09:00' or the same followed by ' ticking'; an empty text is no clock.
    An instant without a time zone is read as Seoul wall-clock time."""
    words = text.split()
    if not words:
        return None, False
    moment = datetime.fromisoformat(words[0])
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SEOUL)
    return moment.astimezone(UTC), words[1:] == ["ticking"]


def _from_file(path: str) -> datetime | None:
    global _file_cache
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    cached = _file_cache
    if cached is None or cached[:3] != (path, stat.st_mtime_ns, (stat.st_ino, stat.st_size)):
        with open(path, encoding="utf-8") as handle:
            instant, ticking = _parse_clock(handle.read())
        cached = _file_cache = (path, stat.st_mtime_ns, (stat.st_ino, stat.st_size), instant, ticking)
    instant, ticking = cached[3], cached[4]
    if instant is not None and ticking:
        instant += timedelta(seconds=max(0.0, _time.time() - stat.st_mtime_ns / 1e9))
    return instant


def _environment_clock() -> datetime | None:
    environ = os.environ
    if CLOCK_ENV not in environ and CLOCK_FILE_ENV not in environ:
        return None
    if environ.get("KUPON_ENV") == "production":
        return None
    if environ.get(CLOCK_FILE_ENV):
        return _from_file(environ[CLOCK_FILE_ENV])
    instant, _ticking = _parse_clock(environ.get(CLOCK_ENV, ""))
    return instant


def clock_override() -> datetime | None:
    """The test clock's instant, or None when no test clock is set."""
    if _override is not None:
        if _override_ticking:
            return _override + timedelta(seconds=_time.monotonic() - _override_set_at)
        return _override
    return _environment_clock()


def now_utc() -> datetime:
    return clock_override() or datetime.now(UTC)


def set_test_clock(moment: datetime | None, ticking: bool = False) -> None:
    """Make now_utc() answer `moment` (naive = Seoul wall-clock time) in this process; None clears it."""
    global _override, _override_set_at, _override_ticking
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=SEOUL)
    _override = None if moment is None else moment.astimezone(UTC)
    _override_set_at, _override_ticking = _time.monotonic(), ticking


@contextmanager
def clock_at(moment: datetime | None, ticking: bool = False) -> Iterator[None]:
    """`with clock_at(moment):` sets the in-process test clock and restores the previous one after."""
    previous = (_override, _override_set_at, _override_ticking)
    set_test_clock(moment, ticking)
    try:
        yield
    finally:
        _restore(previous)


def _restore(previous: tuple[datetime | None, float, bool]) -> None:
    global _override, _override_set_at, _override_ticking
    _override, _override_set_at, _override_ticking = previous


def write_clock_file(path: str | os.PathLike, moment: datetime | None, ticking: bool = False) -> None:
    """Set the clock of a server that reads KUPON_TEST_CLOCK_FILE=path (None: back to real time)."""
    text = "" if moment is None else (moment if moment.tzinfo else moment.replace(tzinfo=SEOUL)).isoformat()
    if text and ticking:
        text += " ticking"
    temporary = f"{os.fspath(path)}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, path)


_tortoise_now = _tortoise_timezone.now


def _now_for_tortoise() -> datetime:
    """Tortoise's clock for auto_now fields: the test clock when one is set."""
    instant = clock_override()
    if instant is None:
        return _tortoise_now()
    return instant if _tortoise_timezone.get_use_tz() else instant.replace(tzinfo=None)


_tortoise_timezone.now = _now_for_tortoise


def to_seoul(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(SEOUL)


def seoul_today(at: datetime | None = None) -> date:
    return to_seoul(at or now_utc()).date()


def seoul_day_start_utc(day: date) -> datetime:
    """00:00 of a Seoul business day, as a UTC instant (for date-range filters)."""
    return datetime.combine(day, time.min, tzinfo=SEOUL).astimezone(UTC)


def format_seoul(moment: datetime | None, with_seconds: bool = False) -> str:
    local = to_seoul(moment)
    if local is None:
        return ""
    return local.strftime("%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M")


def parse_seoul_local(text: str | None) -> datetime | None:
    """A Seoul wall-clock time as typed in <input type="datetime-local"> ("YYYY-MM-DDTHH:MM"),
    as a UTC instant; None when empty. Raises ValueError for anything else, including a value
    that already carries a time zone (the console never sends one)."""
    text = (text or "").strip()
    if not text:
        return None
    local = datetime.fromisoformat(text)
    if local.tzinfo is not None:
        raise ValueError(f"unexpected time zone in {text!r}")
    return local.replace(tzinfo=SEOUL).astimezone(UTC)


def seoul_local_input(moment: datetime | None) -> str:
    """The value for <input type="datetime-local">: the Seoul wall-clock time, to the minute."""
    local = to_seoul(moment)
    return local.strftime("%Y-%m-%dT%H:%M") if local else ""
