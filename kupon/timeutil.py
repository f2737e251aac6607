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
