"""Checking a campaign form: every problem at once, each named by its field.

`clean_campaign(data, now)` returns the Campaign column values or raises Refused. The parts:
- the message: type, channel (fallback to SMS only for Kakao), subject for e-mail, text with
  member variables ({name} {grade} {points} {shop}), and the SMS/LMS length of the text as the
  member gets it (measured on the rendered text, "(광고)" and the opt-out included);
- the coupon block (`clean_coupon_block`, also used by the operator's draft): a discount in %
  (1-100) or won, or a gift item of at most 64 UTF-8 bytes; name; a coupon issued by download
  URL (its /coupons/{token} path is stored as "url"); description; validity. Every field required;
- targets: segments, built-in groups, a filter tree on points, grade, tags and visits, or members
  picked by hand (not mixed with the others);
- the schedule (NOW, RESERVED in the future, REPEAT every N days at HH:MM Seoul from a start date
  with an optional end) and the advertising night-time ban on reservations and repeat times;
- send settings; with hand-picked members only the performance period applies (seed 003).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from gql.resolvers.ad_rules import in_night_ban, night_ban_applies
from gql.resolvers.errors import Refused
from gql.resolvers.message_render import coupon_path
from gql.resolvers.segment_tree import conditions, validate_tree
from gql.resolvers.segments import BUILTIN_GROUPS
from gql.resolvers.validation import Checker
from kupon.timeutil import SEOUL, to_seoul
from models.campaigns import CampaignChannel, CouponValidity, MessageType, ScheduleKind
from models.coupons import Coupon, IssueMethod
from models.members import Member
from models.segments import Segment

FILTER_FIELDS = ("POINTS_HELD", "POINTS_EARNED", "GRADE", "TAGS", "VISITS")
BLOCK_KINDS = ("PERCENT", "WON", "GIFT")
VARIABLES = ("name", "grade", "points", "shop")
GIFT_MAX_BYTES = 64
MAX_PERIOD_DAYS = 365
MAX_REPEAT_EVERY = 365
MAX_PICKED = 1000
MAX_AMOUNT = 100_000_000
KAKAO = (CampaignChannel.FRIENDTALK, CampaignChannel.ALIMTALK)
_BRACED = re.compile(r"\{([^{}\s]{1,30})\}")
_MESSAGE_FIELDS = {"message_type", "channel", "subject", "text", "coupon_block"}
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass
class CampaignInput:
    """A campaign as the editor or the API sends it. `send_at` is an instant (the console
    converts its Seoul wall-clock input); `coupon_block` is None for a message without coupon."""

    name: str = ""
    message_type: str = ""
    channel: str = ""
    text: str = ""
    fallback_to_sms: bool = False
    subject: str = ""
    coupon_block: dict | None = None
    targets: dict = field(default_factory=dict)
    schedule: str = ScheduleKind.NOW
    send_at: datetime | None = None
    repeat_every_days: int | None = None
    repeat_time: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    visited_within_days: int | None = None
    skip_messaged_within_days: int | None = None
    never_twice: bool = False
    performance_days: int | None = None


def _bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def _int(value) -> int | None:
    """An integer from JSON or a form field; None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def check_variables(check: Checker, field_name: str, text: str) -> None:
    if any(name not in VARIABLES for name in _BRACED.findall(text or "")):
        check.fail("CAMPAIGN_VARIABLE_UNKNOWN", field_name)


# --- coupon block -----------------------------------------------------------------------------

async def clean_coupon_block(check: Checker, block: dict, prefix: str = "coupon_block") -> dict:
    """The stored block: {"kind", "percent"|"amount"|"gift_name", "name", "coupon_id", "url",
    "description", "validity"}. Every field is required."""
    block = block or {}
    cleaned: dict = {}
    kind = str(block.get("kind") or "")
    if not kind:
        check.fail("REQUIRED", f"{prefix}.kind")
    elif kind not in BLOCK_KINDS:
        check.fail("INVALID_CHOICE", f"{prefix}.kind")
    cleaned["kind"] = kind
    if kind == "PERCENT":
        percent = _int(block.get("percent"))
        if percent is None or not 1 <= percent <= 100:
            check.fail("INVALID_PERCENT", f"{prefix}.percent")
        cleaned["percent"] = percent
    elif kind == "WON":
        amount = _int(block.get("amount"))
        if amount is None or not 1 <= amount <= MAX_AMOUNT:
            check.fail("INVALID_AMOUNT", f"{prefix}.amount")
        cleaned["amount"] = amount
    elif kind == "GIFT":
        gift = str(block.get("gift_name") or "").strip()
        if not gift:
            check.fail("REQUIRED", f"{prefix}.gift_name")
        elif _bytes(gift) > GIFT_MAX_BYTES:
            check.fail("GIFT_NAME_TOO_LONG", f"{prefix}.gift_name")
        cleaned["gift_name"] = gift
    cleaned["name"] = check.text(f"{prefix}.name", str(block.get("name") or ""), 100)
    cleaned["description"] = check.text(f"{prefix}.description", str(block.get("description") or ""), 500)
    validity = str(block.get("validity") or "")
    if not validity:
        check.fail("REQUIRED", f"{prefix}.validity")
    elif validity not in CouponValidity.__members__:
        check.fail("INVALID_CHOICE", f"{prefix}.validity")
    cleaned["validity"] = validity
    cleaned["coupon_id"], cleaned["url"] = await _downloadable(check, block.get("coupon_id"), f"{prefix}.coupon_id")
    return cleaned


async def _downloadable(check: Checker, value, field_name: str) -> tuple[int | None, str]:
    coupon_id = _int(value)
    if value in (None, ""):
        check.fail("REQUIRED", field_name)
        return None, ""
    coupon = await Coupon.get_or_none(id=coupon_id) if coupon_id else None
    if coupon is None:
        check.fail("NOT_FOUND", field_name)
        return coupon_id, ""
    if coupon.issue_method != IssueMethod.DOWNLOAD or not coupon.download_token:
        check.fail("COUPON_NOT_DOWNLOADABLE", field_name)
        return coupon_id, ""
    return coupon.id, coupon_path(coupon.download_token)


# --- targets ----------------------------------------------------------------------------------

def _id_list(check: Checker, value, field_name: str) -> list[int]:
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple):
        check.fail("INVALID_CHOICE", field_name)
        return []
    ids = []
    for i, item in enumerate(value):
        number = _int(item)
        if number is None or number < 1:
            check.fail("NOT_FOUND", f"{field_name}[{i}]")
        elif number not in ids:
            ids.append(number)
    return ids


async def clean_targets(check: Checker, targets: dict) -> dict:
    targets = targets or {}
    segment_ids = _id_list(check, targets.get("segment_ids"), "targets.segment_ids")
    member_ids = _id_list(check, targets.get("member_ids"), "targets.member_ids")
    groups = []
    for i, key in enumerate(targets.get("groups") or []):
        if key not in BUILTIN_GROUPS:
            check.fail("INVALID_CHOICE", f"targets.groups[{i}]")
        elif key not in groups:
            groups.append(key)
    filters = _clean_filters(check, targets.get("filters"))
    if segment_ids:
        found = set(await Segment.filter(id__in=segment_ids, is_deleted=False).values_list("id", flat=True))
        for i, segment_id in enumerate(segment_ids):
            if segment_id not in found:
                check.fail("NOT_FOUND", f"targets.segment_ids[{i}]")
    if len(member_ids) > MAX_PICKED:
        check.fail("CAMPAIGN_TOO_MANY_PICKED", "targets.member_ids")
    elif member_ids:
        found = set(await Member.filter(id__in=member_ids).values_list("id", flat=True))
        for i, member_id in enumerate(member_ids):
            if member_id not in found:
                check.fail("NOT_FOUND", f"targets.member_ids[{i}]")
    chosen = bool(segment_ids or groups or filters)
    if member_ids and chosen:
        check.fail("CAMPAIGN_PICKED_WITH_OTHERS", "targets")
    elif not member_ids and not chosen and not any(p.field and p.field.startswith("targets") for p in check.problems):
        check.fail("CAMPAIGN_TARGETS_REQUIRED", "targets")
    return {"segment_ids": segment_ids, "groups": groups, "filters": filters, "member_ids": member_ids}


def _clean_filters(check: Checker, tree) -> dict | None:
    if tree in (None, "", {}):
        return None
    try:
        cleaned = validate_tree(tree, "targets.filters")
    except Refused as refused:
        check.problems.extend(refused.problems)
        return None
    if any(condition["field"] not in FILTER_FIELDS for condition in conditions(cleaned)):
        check.fail("CAMPAIGN_FILTER_FIELD", "targets.filters")
        return None
    return cleaned


# --- schedule ---------------------------------------------------------------------------------

def parse_hhmm(value: str | None) -> time | None:
    match = _HHMM.match((value or "").strip())
    return time(int(match.group(1)), int(match.group(2))) if match else None


def occurrence_at_or_after(start_date: date, every_days: int, at: time, end_date: date | None,
                           moment: datetime) -> datetime | None:
    """The first sending of a repeat (start_date + k * every_days at `at` Seoul) at or after
    `moment`; None when the repeat ends before it."""
    local_day = to_seoul(moment).date()
    k = max(0, -(-(local_day - start_date).days // every_days)) if local_day > start_date else 0
    k = max(0, k - 1)  # the occurrence on the day before may still be ahead in UTC terms: look one back
    while True:
        day = start_date + timedelta(days=k * every_days)
        if end_date is not None and day > end_date:
            return None
        instant = datetime.combine(day, at, tzinfo=SEOUL)
        if instant >= moment:
            return instant
        k += 1


def _period(check: Checker, field_name: str, value) -> int | None:
    if value in (None, "", 0):
        return None
    days = _int(value)
    if days is None or not 1 <= days <= MAX_PERIOD_DAYS:
        check.fail("CAMPAIGN_PERIOD_INVALID", field_name)
        return None
    return days


def _clean_schedule(check: Checker, data: CampaignInput, advertising_banned: bool, now: datetime) -> dict:
    kind = check.choice("schedule", data.schedule, ScheduleKind)
    values: dict = {"schedule": kind, "send_at": None, "repeat_every_days": None, "repeat_time": None,
                    "start_date": None, "end_date": None, "next_run_at": None}
    if kind == ScheduleKind.NOW:
        values["next_run_at"] = now
    elif kind == ScheduleKind.RESERVED:
        if data.send_at is None:
            check.fail("REQUIRED", "send_at")
        elif data.send_at <= now:
            check.fail("SCHEDULE_IN_PAST", "send_at")
        elif advertising_banned and in_night_ban(data.send_at):
            check.fail("RESERVATION_NIGHT_BAN", "send_at")
        values["send_at"] = values["next_run_at"] = data.send_at
    elif kind == ScheduleKind.REPEAT:
        values.update(_clean_repeat(check, data, advertising_banned, now))
    return values


def _clean_repeat(check: Checker, data: CampaignInput, advertising_banned: bool, now: datetime) -> dict:
    every = _int(data.repeat_every_days)
    if every is None or not 1 <= every <= MAX_REPEAT_EVERY:
        check.fail("CAMPAIGN_PERIOD_INVALID", "repeat_every_days")
    at = parse_hhmm(data.repeat_time)
    if at is None:
        check.fail("REQUIRED" if not data.repeat_time else "REPEAT_TIME_INVALID", "repeat_time")
    elif advertising_banned and in_night_ban(datetime.combine(date(2024, 1, 1), at, tzinfo=SEOUL)):
        check.fail("REPEAT_TIME_NIGHT_BAN", "repeat_time")
    start = check.iso_date("start_date", data.start_date)
    end = check.iso_date("end_date", data.end_date)
    if start is None and not any(p.field == "start_date" for p in check.problems):
        check.fail("REQUIRED", "start_date")
    if start and end and end < start:
        check.fail("WINDOW_ENDS_BEFORE_START", "end_date")
    values = {"repeat_every_days": every, "repeat_time": at.strftime("%H:%M") if at else None,
              "start_date": start, "end_date": end}
    if every and at and start and not (end and end < start):
        first = occurrence_at_or_after(start, every, at, end, now)
        if first is None:
            check.fail("REPEAT_NO_OCCURRENCE", "end_date")
        values["next_run_at"] = first
    return values


# --- the whole form ---------------------------------------------------------------------------

async def clean_campaign(data: CampaignInput, now: datetime, ban_email: bool,
                         sms_length=None) -> dict:
    """Column values for Campaign, or Refused with every problem. `sms_length(values)` measures
    the rendered text (SmsLength) for SMS and Kakao-with-fallback; campaigns.py passes it."""
    check = Checker()
    values: dict = {"name": check.text("name", data.name, 100)}
    message_type = check.choice("message_type", data.message_type, MessageType)
    channel = check.choice("channel", data.channel, CampaignChannel)
    values.update(message_type=message_type, channel=channel)
    values["fallback_to_sms"] = bool(data.fallback_to_sms)
    if values["fallback_to_sms"] and channel is not None and channel not in KAKAO:
        check.fail("CAMPAIGN_FALLBACK_NOT_KAKAO", "fallback_to_sms")
    is_email = channel == CampaignChannel.EMAIL
    values["subject"] = check.text("subject", data.subject, 200, required=is_email) if is_email else ""
    check_variables(check, "subject", values["subject"])
    values["text"] = check.text("text", data.text, 2000)
    check_variables(check, "text", values["text"])
    values["coupon_block"] = await clean_coupon_block(check, data.coupon_block) if data.coupon_block else None
    values["targets"] = await clean_targets(check, data.targets)
    banned = message_type == MessageType.ADVERTISING and channel is not None and night_ban_applies(
        channel, ban_email)
    values.update(_clean_schedule(check, data, banned, now))
    values.update(_clean_send_settings(check, data, picked=bool(values["targets"]["member_ids"])))
    needs_sms = channel == CampaignChannel.SMS or (channel in KAKAO and values["fallback_to_sms"])
    message_ok = not any((p.field or "").split(".")[0] in _MESSAGE_FIELDS for p in check.problems)
    if sms_length is not None and needs_sms and message_ok and (await sms_length(values)).kind == "TOO_LONG":
        check.fail("SMS_TOO_LONG", "text")
    if check.problems:
        raise Refused(*check.problems)
    return values


def _clean_send_settings(check: Checker, data: CampaignInput, picked: bool) -> dict:
    values = {
        "visited_within_days": _period(check, "visited_within_days", data.visited_within_days),
        "skip_messaged_within_days": _period(check, "skip_messaged_within_days", data.skip_messaged_within_days),
        "never_twice": bool(data.never_twice),
        "performance_days": _period(check, "performance_days", data.performance_days),
    }
    if picked:
        for name in ("visited_within_days", "skip_messaged_within_days", "never_twice"):
            if values[name]:
                check.fail("CAMPAIGN_SETTING_NOT_FOR_PICKED", name)
    return values
