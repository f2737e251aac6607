"""Time-zone helpers: store UTC, show and reason about business days in Asia/Seoul."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

SEOUL = ZoneInfo("Asia/Seoul")


def now_utc() -> datetime:
    return datetime.now(UTC)


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
