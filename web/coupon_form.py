"""The coupon definition form: a CouponInput shown as form values, and a posted form read back.

New and edit share this, so the two can never read a field differently. The
values the template shows are the raw strings the operator typed (kept on an
error, so nothing is lost); CouponInput holds the parsed values the resolvers
check. Only what cannot be parsed is refused here: every rule about what the
values mean stays in `gql.resolvers.coupons.clean_coupon_input`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.datastructures import FormData

from gql.resolvers.coupons import CouponInput
from gql.resolvers.errors import Problem
from kupon.timeutil import parse_seoul_local, seoul_local_input
from models.coupons import CouponStatus, CouponType, IssueMethod

TEXT_FIELDS = ["name", "description", "type", "benefit", "issue_method", "code_mode", "shared_code", "gift_name",
               "target_scope", "use_window", "issue_status", "use_status"]
# Numbers and the code their field is refused with when it is not a whole number.
# `True`: an empty field means 0 (and 0 is shown empty); otherwise empty means None (unlimited, no cap).
NUMBER_FIELDS = {"amount": ("INVALID_AMOUNT", True), "percent": ("INVALID_PERCENT", True),
                 "min_amount": ("INVALID_AMOUNT", True), "max_discount": ("INVALID_AMOUNT", False),
                 "total_limit": ("INVALID_LIMIT", False), "per_member_limit": ("INVALID_LIMIT", False),
                 "use_days_after_issue": ("DAYS_REQUIRED", False)}
ID_LIST_FIELDS = ["target_category_ids", "target_product_ids"]
CHOICE_LIST_FIELDS = ["channels", "product_kinds"]
WEEKDAY_FIELDS = ["issue_weekdays", "use_weekdays", "display_weekdays"]
ALL_WEEKDAYS = [str(day) for day in range(7)]
# A window with an "unlimited" checkbox: (checkbox, from field, to field).
OPEN_WINDOWS = [("issue_unlimited", "issue_from", "issue_to"), ("display_unlimited", "display_from", "display_to")]
DATETIME_FIELDS = ["issue_from", "issue_to", "use_from", "use_to", "display_from", "display_to"]

NEW_COUPON = CouponInput(name="", type=CouponType.CART.value, benefit="FIXED", issue_method=IssueMethod.MANUAL.value,
                         issue_status=CouponStatus.WAITING.value, use_status=CouponStatus.WAITING.value)


def form_values(data: CouponInput) -> dict:
    """What the form shows for a coupon (or for NEW_COUPON): strings and lists of strings."""
    values: dict = {name: getattr(data, name) or "" for name in TEXT_FIELDS}
    for name, (_, zero_is_empty) in NUMBER_FIELDS.items():
        number = getattr(data, name)
        values[name] = "" if number is None or (zero_is_empty and number == 0) else str(number)
    values["site_id"] = "" if data.site_id is None else str(data.site_id)
    for name in ID_LIST_FIELDS + CHOICE_LIST_FIELDS:
        values[name] = [str(item) for item in getattr(data, name)]
    for name in WEEKDAY_FIELDS:  # no weekdays stored means every day
        values[name] = [str(day) for day in getattr(data, name)] or list(ALL_WEEKDAYS)
    for name in DATETIME_FIELDS:
        values[name] = seoul_local_input(getattr(data, name))
    for unlimited, start, end in OPEN_WINDOWS:
        values[unlimited] = getattr(data, start) is None and getattr(data, end) is None
    return values


@dataclass
class ParsedForm:
    data: CouponInput
    values: dict
    problems: list[Problem] = field(default_factory=list)


def parse_coupon_form(form: FormData) -> ParsedForm:
    """The posted form as a CouponInput, the raw values to show again, and what could not be read."""
    problems: list[Problem] = []
    values: dict = {name: str(form.get(name, "")).strip() for name in TEXT_FIELDS}
    values.update({name: str(form.get(name, "")).strip() for name in [*NUMBER_FIELDS, "site_id", *DATETIME_FIELDS]})
    for name in ID_LIST_FIELDS + CHOICE_LIST_FIELDS + WEEKDAY_FIELDS:
        values[name] = [str(item) for item in form.getlist(name)]
    for unlimited, _, _ in OPEN_WINDOWS:
        values[unlimited] = form.get(unlimited) == "on"

    parsed: dict = {name: values[name] for name in TEXT_FIELDS}
    parsed["code_mode"] = values["code_mode"] or None
    for name, (code, zero_is_empty) in NUMBER_FIELDS.items():
        parsed[name] = _whole_number(problems, name, values[name], code, 0 if zero_is_empty else None)
    parsed["site_id"] = _whole_number(problems, "site_id", values["site_id"], "INVALID_CHOICE", None)
    for name in ID_LIST_FIELDS:
        parsed[name] = [_whole_number(problems, name, item, "INVALID_CHOICE", None) for item in values[name]]
    for name in CHOICE_LIST_FIELDS:
        parsed[name] = values[name]
    for name in WEEKDAY_FIELDS:
        parsed[name] = _weekdays(problems, name, values[name])
    # An "unlimited" window ignores the times typed next to it (they are kept on screen).
    unused = {name for unlimited, *window in OPEN_WINDOWS if values[unlimited] for name in window}
    for name in DATETIME_FIELDS:
        parsed[name] = None if name in unused else _seoul_time(problems, name, values[name])
    return ParsedForm(CouponInput(**parsed), values, problems)


def _whole_number(problems: list[Problem], name: str, text: str, code: str, empty: int | None) -> int | None:
    if text == "":
        return empty
    try:
        return int(text.replace(",", ""))  # "5,000" as operators write amounts
    except ValueError:
        problems.append(Problem(code, name))
        return empty


def _weekdays(problems: list[Problem], name: str, days: list[str]) -> list[int]:
    """Every day ticked is stored as no restriction; no day ticked is refused rather than
    silently meaning "every day", which is what an empty list means to the resolvers."""
    if not days:
        problems.append(Problem("REQUIRED", name))
        return []
    if any(day not in ALL_WEEKDAYS for day in days):
        problems.append(Problem("INVALID_CHOICE", name))
        return []
    chosen = sorted({int(day) for day in days})
    return [] if len(chosen) == 7 else chosen


def _seoul_time(problems: list[Problem], name: str, text: str):
    try:
        return parse_seoul_local(text)
    except ValueError:
        problems.append(Problem("INVALID_DATE", name))
        return None
