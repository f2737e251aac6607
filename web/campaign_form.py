"""The campaign editor's form: a Campaign (or a draft) shown as form values, and a posted form read
back as a CampaignInput.

Input names are the resolver's field names ("coupon_block.percent", "send_at", ...), so a
refusal's field marks its input. Filters are five fixed rows (points held, points earned, grade,
tags, visits) joined with AND into a segment tree; a tree of another shape (made through the
API) is carried unchanged in `filters_json`. Only what cannot be read is refused here; every
rule is gql/resolvers/campaign_checks.py's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from starlette.datastructures import FormData

from gql.resolvers.campaigns import CampaignInput
from gql.resolvers.errors import Problem
from gql.resolvers.segment_tree import conditions
from kupon.timeutil import seoul_local_input
from models.campaigns import Campaign
from web.form_fields import seoul_time, whole_number

BLOCK_FIELDS = ("kind", "percent", "amount", "gift_name", "name", "coupon_id", "description", "validity")
FILTER_FIELDS = ("points_held_min", "points_earned_days", "points_earned_min", "visits_days", "visits_min", "tags")
TEXT_FIELDS = ("name", "message_type", "channel", "subject", "text", "schedule", "send_at", "repeat_every_days",
               "repeat_time", "start_date", "end_date", "visited_within_days", "skip_messaged_within_days",
               "performance_days", "target_mode", "filters_json")
PERIOD_FIELDS = ("repeat_every_days", "visited_within_days", "skip_messaged_within_days", "performance_days")
EMPTY_BLOCK = {"kind": "PERCENT", "validity": "DAYS_7"}


def _text(value) -> str:
    return "" if value is None else str(value)


def blank_values() -> dict:
    values = {name: "" for name in TEXT_FIELDS}
    values.update(message_type="ADVERTISING", channel="FRIENDTALK", schedule="NOW", target_mode="CHOOSE",
                  fallback_to_sms=False, never_twice=False, with_coupon=True, segment_ids=[], groups=[], grades=[],
                  member_ids=[], **{f"filter.{name}": "" for name in FILTER_FIELDS})
    values.update({f"coupon_block.{name}": _text(EMPTY_BLOCK.get(name)) for name in BLOCK_FIELDS})
    return values


def block_values(values: dict, block: dict | None) -> None:
    values["with_coupon"] = bool(block)
    for name in BLOCK_FIELDS:
        values[f"coupon_block.{name}"] = _text((block or EMPTY_BLOCK).get(name))


def campaign_values(campaign: Campaign) -> dict:
    values = blank_values()
    for name in TEXT_FIELDS:
        if hasattr(campaign, name):
            values[name] = _text(getattr(campaign, name))
    values["send_at"] = seoul_local_input(campaign.send_at)
    values["start_date"] = campaign.start_date.isoformat() if campaign.start_date else ""
    values["end_date"] = campaign.end_date.isoformat() if campaign.end_date else ""
    values.update(fallback_to_sms=campaign.fallback_to_sms, never_twice=campaign.never_twice)
    block_values(values, campaign.coupon_block)
    targets = campaign.targets or {}
    values["segment_ids"] = [str(i) for i in targets.get("segment_ids") or []]
    values["groups"] = list(targets.get("groups") or [])
    values["member_ids"] = [str(i) for i in targets.get("member_ids") or []]
    values["target_mode"] = "PICK" if values["member_ids"] else "CHOOSE"
    filter_values(values, targets.get("filters"))
    return values


def filter_values(values: dict, tree: dict | None) -> None:
    """The five rows of a tree this form made; any other tree is kept as JSON."""
    if not tree:
        return
    leaves = list(conditions(tree))
    simple = tree.get("op") in (None, "AND") and all("field" in child for child in tree.get("children", [tree]))
    rows: dict[str, str] = {}
    grades: list[str] = []
    for leaf in leaves if simple else []:
        kind, cmp, period = leaf["field"], leaf.get("cmp") or {}, leaf.get("period") or {}
        if cmp.get("op", "GTE") != "GTE" or ("period" in leaf and "days" not in period):
            simple = False
        elif kind == "POINTS_HELD":
            rows["points_held_min"] = str(cmp["value"])
        elif kind == "POINTS_EARNED":
            rows.update(points_earned_days=str(period["days"]), points_earned_min=str(cmp["value"]))
        elif kind == "VISITS":
            rows.update(visits_days=str(period["days"]), visits_min=str(cmp["value"]))
        elif kind == "GRADE":
            grades = list(leaf["grades"])
        elif kind == "TAGS" and leaf.get("match") == "ANY":
            rows["tags"] = ", ".join(leaf["tags"])
        else:
            simple = False
    if not simple:
        values["filters_json"] = json.dumps(tree, ensure_ascii=False)
        return
    values.update({f"filter.{name}": value for name, value in rows.items()})
    values["grades"] = grades


@dataclass
class ParsedCampaign:
    data: CampaignInput
    values: dict
    problems: list[Problem] = field(default_factory=list)


def parse_campaign_form(form: FormData) -> ParsedCampaign:
    """The posted editor as a CampaignInput, the raw values to show again, and what could not be read."""
    problems: list[Problem] = []
    values = blank_values()
    values.update({name: str(form.get(name, "")).strip() for name in TEXT_FIELDS})
    values["text"] = str(form.get("text", ""))
    for name in ("fallback_to_sms", "never_twice", "with_coupon"):
        values[name] = form.get(name) == "on"
    for name in ("segment_ids", "groups", "grades", "member_ids"):
        values[name] = [str(v) for v in form.getlist(name)]
    for name in BLOCK_FIELDS:
        values[f"coupon_block.{name}"] = str(form.get(f"coupon_block.{name}", "")).strip()
    for name in FILTER_FIELDS:
        values[f"filter.{name}"] = str(form.get(f"filter.{name}", "")).strip()

    numbers = {name: whole_number(problems, name, values[name], "CAMPAIGN_PERIOD_INVALID") for name in PERIOD_FIELDS}
    data = CampaignInput(
        name=values["name"], message_type=values["message_type"], channel=values["channel"], text=values["text"],
        fallback_to_sms=values["fallback_to_sms"], subject=values["subject"],
        coupon_block=block_from_values(values) if values["with_coupon"] else None,
        targets=_targets(values, problems), schedule=values["schedule"] or "NOW",
        send_at=seoul_time(problems, "send_at", values["send_at"]) if values["schedule"] == "RESERVED" else None,
        repeat_time=values["repeat_time"] or None, start_date=values["start_date"] or None,
        end_date=values["end_date"] or None, never_twice=values["never_twice"], **numbers)
    if data.schedule != "REPEAT":
        data.repeat_every_days = data.repeat_time = data.start_date = data.end_date = None
    return ParsedCampaign(data, values, problems)


def block_from_values(values: dict) -> dict:
    """The coupon block as typed: only the benefit field of the chosen kind."""
    block = {name: values[f"coupon_block.{name}"] for name in BLOCK_FIELDS}
    kind = block["kind"]
    for name, wanted in (("percent", "PERCENT"), ("amount", "WON"), ("gift_name", "GIFT")):
        if kind != wanted:
            block.pop(name)
    if "amount" in block:
        block["amount"] = block["amount"].replace(",", "")
    return block


def _targets(values: dict, problems: list[Problem]) -> dict:
    if values["target_mode"] == "PICK":
        return {"member_ids": values["member_ids"]}
    return {"segment_ids": values["segment_ids"], "groups": values["groups"], "filters": _filters(values, problems)}


def _filters(values: dict, problems: list[Problem]) -> dict | None:
    if values["filters_json"]:
        try:
            return json.loads(values["filters_json"])
        except ValueError:
            problems.append(Problem("SEGMENT_NODE_INVALID", "targets.filters"))
            return None

    def number(name: str) -> int | None:
        return whole_number(problems, f"filter.{name}", values[f"filter.{name}"], "SEGMENT_NUMBER_INVALID")

    leaves: list[dict] = []
    if (held := number("points_held_min")) is not None:
        leaves.append({"field": "POINTS_HELD", "cmp": {"op": "GTE", "value": held}})
    for kind, prefix in (("POINTS_EARNED", "points_earned"), ("VISITS", "visits")):
        days, least = number(f"{prefix}_days"), number(f"{prefix}_min")
        if days is not None or least is not None:
            leaves.append({"field": kind, "period": {"days": days}, "cmp": {"op": "GTE", "value": least}})
    if values["grades"]:
        leaves.append({"field": "GRADE", "grades": values["grades"]})
    tags = [t.strip() for t in values["filter.tags"].split(",") if t.strip()]
    if tags:
        leaves.append({"field": "TAGS", "match": "ANY", "tags": tags})
    if not leaves:
        return None
    return leaves[0] if len(leaves) == 1 else {"op": "AND", "children": leaves}
