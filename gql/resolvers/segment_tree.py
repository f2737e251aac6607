"""The condition language of segments: a typed tree, its validation, its sentence, its windows.

A tree is JSON made of groups and conditions:

    {"op": "AND", "children": [node, ...]}      every child holds (at least one child)
    {"op": "OR", "children": [node, ...]}       any child holds
    {"op": "NOT", "child": node}                the child does not hold
    {"field": FIELD, ...parameters}             one condition on a member

Conditions, evaluated "as of" a Seoul day D (a snapshot of day D uses the data up to the
end of D; the live count in the editor uses today):

    SIGNED_UP      days                     signed up in the last `days` days
    ORDER_COUNT    period, cmp              number of paid orders in the period: PAID or (partly) refunded;
                                            not carts, not cancelled, not still awaiting their deposit
    AMOUNT_SPENT   period, cmp              won paid minus won refunded over those orders
    LAST_ORDER     when, days | date        WITHIN_DAYS: last order in the last `days` days;
                                            BEFORE_DAYS: has ordered, but not in the last `days` days;
                                            (orders counted as for ORDER_COUNT)
                                            BEFORE_DATE / AFTER_DATE: last order's Seoul day < / > `date`
    GRADE          grades                   grade is one of `grades`
    POINTS_HELD    cmp                      points earned minus points spent, up to the end of D
    POINTS_EARNED  period, cmp              points earned in the period
    EARNINGS       period, cmp              number of earnings (ledger EARN lines) in the period
    TAGS           match, tags              ANY / ALL / NONE of `tags`
    VISITS         period, cmp              number of visits in the period
    CONSENT        channel                  currently consents to marketing on `channel`
    BIRTHDAY       days                     birthday (month and day) within D .. D+days-1
    HOLDS_COUPON   coupon_id                holds an unused, unexpired member coupon of that coupon

`period` is {"days": n} (Seoul days D-n+1 .. D), {"months": n} (from the same day n months
before D+1) or {"ever": true}; `cmp` is {"op": "GTE" | "LTE" | "EQ", "value": k} or
{"op": "BETWEEN", "value": a, "value2": b} (inclusive). Only active members count, and only
those of the segment's site when it has one.

`validate_tree` returns the cleaned tree or refuses with `Problem`s whose field is the path of
the bad node (e.g. `tree.children[1].period.days`). gql/resolvers/segment_sql.py compiles a
tree to one SQL query; tests/segments evaluate the same tree in plain Python to check it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from gql.resolvers.errors import Problem, Refused
from kupon.timeutil import seoul_day_start_utc
from models.activity import ConsentChannel
from models.members import Grade

GROUP_OPS = ("AND", "OR")
CMP_OPS = ("GTE", "LTE", "EQ", "BETWEEN")
LAST_ORDER_WHEN = ("WITHIN_DAYS", "BEFORE_DAYS", "BEFORE_DATE", "AFTER_DATE")
TAG_MATCHES = ("ANY", "ALL", "NONE")
MAX_DAYS = 3650
MAX_MONTHS = 120
MAX_DEPTH = 6
MAX_NODES = 40
MAX_LIST = 50
MAX_NUMBER = 10**12

# field -> the parameters it takes (validated by the _check_* functions below)
FIELDS: dict[str, tuple[str, ...]] = {
    "SIGNED_UP": ("days",),
    "ORDER_COUNT": ("period", "cmp"),
    "AMOUNT_SPENT": ("period", "cmp"),
    "LAST_ORDER": ("when",),
    "GRADE": ("grades",),
    "POINTS_HELD": ("cmp",),
    "POINTS_EARNED": ("period", "cmp"),
    "EARNINGS": ("period", "cmp"),
    "TAGS": ("match", "tags"),
    "VISITS": ("period", "cmp"),
    "CONSENT": ("channel",),
    "BIRTHDAY": ("days",),
    "HOLDS_COUPON": ("coupon_id",),
}


# --- validation -------------------------------------------------------------------------------

class _Validator:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.nodes = 0

    def fail(self, code: str, path: str) -> None:
        self.problems.append(Problem(code, path))

    def node(self, node: Any, path: str, depth: int) -> dict | None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self.fail("SEGMENT_TREE_TOO_BIG", path)
            return None
        if depth > MAX_DEPTH:
            self.fail("SEGMENT_TREE_TOO_DEEP", path)
            return None
        if not isinstance(node, dict):
            self.fail("SEGMENT_NODE_INVALID", path)
            return None
        if "op" in node:
            return self.group(node, path, depth)
        if "field" in node:
            return self.condition(node, path)
        self.fail("SEGMENT_NODE_INVALID", path)
        return None

    def group(self, node: dict, path: str, depth: int) -> dict | None:
        op = node.get("op")
        if op == "NOT":
            child = self.node(node.get("child"), f"{path}.child", depth + 1)
            return {"op": "NOT", "child": child} if child is not None else None
        if op not in GROUP_OPS:
            self.fail("SEGMENT_OPERATOR_UNKNOWN", f"{path}.op")
            return None
        children = node.get("children")
        if not isinstance(children, list) or not children:
            self.fail("SEGMENT_GROUP_EMPTY", f"{path}.children")
            return None
        cleaned = [self.node(child, f"{path}.children[{i}]", depth + 1) for i, child in enumerate(children)]
        if any(child is None for child in cleaned):
            return None
        return {"op": op, "children": cleaned}

    def condition(self, node: dict, path: str) -> dict | None:
        field = node.get("field")
        if field not in FIELDS:
            self.fail("SEGMENT_FIELD_UNKNOWN", f"{path}.field")
            return None
        before = len(self.problems)
        cleaned: dict[str, Any] = {"field": field}
        for name in FIELDS[field]:
            checker = _PARAMETERS[name]
            value = checker(self, node.get(name), f"{path}.{name}", node)
            cleaned[name] = value
        if field == "LAST_ORDER":
            cleaned.update(self.last_order(node, path))
        return cleaned if len(self.problems) == before else None

    # parameters

    def integer(self, value: Any, path: str, low: int, high: int) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail("SEGMENT_NUMBER_INVALID", path)
            return None
        if not low <= value <= high:
            self.fail("SEGMENT_NUMBER_OUT_OF_RANGE", path)
            return None
        return value

    def days(self, value: Any, path: str, _node: dict) -> int | None:
        return self.integer(value, path, 1, MAX_DAYS)

    def period(self, value: Any, path: str, _node: dict) -> dict | None:
        if not isinstance(value, dict) or len(value) != 1:
            self.fail("SEGMENT_PERIOD_INVALID", path)
            return None
        if value.get("ever") is True:
            return {"ever": True}
        if "days" in value:
            days = self.integer(value["days"], f"{path}.days", 1, MAX_DAYS)
            return {"days": days} if days is not None else None
        if "months" in value:
            months = self.integer(value["months"], f"{path}.months", 1, MAX_MONTHS)
            return {"months": months} if months is not None else None
        self.fail("SEGMENT_PERIOD_INVALID", path)
        return None

    def cmp(self, value: Any, path: str, _node: dict) -> dict | None:
        if not isinstance(value, dict) or value.get("op") not in CMP_OPS:
            self.fail("SEGMENT_COMPARISON_INVALID", f"{path}.op")
            return None
        op = value["op"]
        first = self.integer(value.get("value"), f"{path}.value", 0, MAX_NUMBER)
        if op != "BETWEEN":
            return {"op": op, "value": first} if first is not None else None
        second = self.integer(value.get("value2"), f"{path}.value2", 0, MAX_NUMBER)
        if first is None or second is None:
            return None
        if second < first:
            self.fail("SEGMENT_RANGE_REVERSED", f"{path}.value2")
            return None
        return {"op": op, "value": first, "value2": second}

    def choice(self, value: Any, path: str, choices) -> str | None:
        if value not in choices:
            self.fail("INVALID_CHOICE", path)
            return None
        return value

    def text_list(self, value: Any, path: str, choices=None) -> list[str] | None:
        if not isinstance(value, list) or not value:
            self.fail("SEGMENT_LIST_EMPTY", path)
            return None
        if len(value) > MAX_LIST:
            self.fail("SEGMENT_LIST_TOO_LONG", path)
            return None
        cleaned = []
        for i, item in enumerate(value):
            item = item.strip() if isinstance(item, str) else None
            if not item or len(item) > 50 or (choices is not None and item not in choices):
                self.fail("INVALID_CHOICE", f"{path}[{i}]")
                return None
            if item not in cleaned:
                cleaned.append(item)
        return cleaned

    def grades(self, value: Any, path: str, _node: dict) -> list[str] | None:
        return self.text_list(value, path, {g.value for g in Grade})

    def tags(self, value: Any, path: str, _node: dict) -> list[str] | None:
        return self.text_list(value, path)

    def match(self, value: Any, path: str, _node: dict) -> str | None:
        return self.choice(value, path, TAG_MATCHES)

    def channel(self, value: Any, path: str, _node: dict) -> str | None:
        return self.choice(value, path, {c.value for c in ConsentChannel})

    def coupon_id(self, value: Any, path: str, _node: dict) -> int | None:
        return self.integer(value, path, 1, 2**31 - 1)

    def when(self, value: Any, path: str, _node: dict) -> str | None:
        return self.choice(value, path, LAST_ORDER_WHEN)

    def last_order(self, node: dict, path: str) -> dict:
        when = node.get("when")
        if when in ("WITHIN_DAYS", "BEFORE_DAYS"):
            days = self.integer(node.get("days"), f"{path}.days", 1, MAX_DAYS)
            return {"days": days}
        if when in ("BEFORE_DATE", "AFTER_DATE"):
            try:
                return {"date": date.fromisoformat(str(node.get("date"))).isoformat()}
            except ValueError:
                self.fail("INVALID_DATE", f"{path}.date")
        return {}


_PARAMETERS = {
    "days": _Validator.days, "period": _Validator.period, "cmp": _Validator.cmp, "when": _Validator.when,
    "grades": _Validator.grades, "tags": _Validator.tags, "match": _Validator.match,
    "channel": _Validator.channel, "coupon_id": _Validator.coupon_id,
}


def validate_tree(tree: Any, path: str = "tree") -> dict:
    """The cleaned tree (unknown keys dropped, lists deduplicated), or Refused with every bad node's path."""
    validator = _Validator()
    cleaned = validator.node(tree, path, 1)
    if validator.problems or cleaned is None:
        raise Refused(*(validator.problems or [Problem("SEGMENT_NODE_INVALID", path)]))
    return cleaned


def conditions(tree: dict):
    """Every condition of a (validated) tree, depth first."""
    if "field" in tree:
        yield tree
    elif tree["op"] == "NOT":
        yield from conditions(tree["child"])
    else:
        for child in tree["children"]:
            yield from conditions(child)


# --- windows ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Window:
    """[start, end) as UTC instants; start None means since ever."""

    start: datetime | None
    end: datetime


def add_months(day: date, months: int) -> date:
    """The same day `months` later (negative: earlier), the month's last day when it has no such day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def end_of(as_of: date) -> datetime:
    return seoul_day_start_utc(as_of + timedelta(days=1))


def days_window(as_of: date, days: int) -> Window:
    return Window(seoul_day_start_utc(as_of - timedelta(days=days - 1)), end_of(as_of))


def period_window(as_of: date, period: dict) -> Window:
    if "days" in period:
        return days_window(as_of, period["days"])
    if "months" in period:
        return Window(seoul_day_start_utc(add_months(as_of + timedelta(days=1), -period["months"])), end_of(as_of))
    return Window(None, end_of(as_of))


def birthday_days(as_of: date, days: int) -> list[str]:
    """The "MM-DD" strings of D .. D+days-1. A 29 February birthday counts on 28 February in
    years without one."""
    found: list[str] = []
    for offset in range(min(days, 366)):
        day = as_of + timedelta(days=offset)
        found.append(day.strftime("%m-%d"))
        if day.month == 2 and day.day == 28 and not _is_leap(day.year):
            found.append("02-29")
    return sorted(set(found))


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def compare(value: int, cmp: dict) -> bool:
    """The comparison in Python (the SQL compiler and the plain evaluator agree on it)."""
    op = cmp["op"]
    if op == "GTE":
        return value >= cmp["value"]
    if op == "LTE":
        return value <= cmp["value"]
    if op == "EQ":
        return value == cmp["value"]
    return cmp["value"] <= value <= cmp["value2"]
