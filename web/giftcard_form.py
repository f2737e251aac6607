"""The gift card campaign form (SPEC 9, seed 004): a GiftCardCampaignInput shown as form values,
and a posted form read back. Uses are a choice, as in the seed: single use, up to N times, or
any number of times while the balance lasts (`max_uses` 1, N or None)."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.datastructures import FormData

from gql.resolvers.errors import Problem
from gql.resolvers.giftcards import GiftCardCampaignInput
from web.form_fields import seoul_time, whole_number

TEXT_FIELDS = ["name", "value", "count", "code_prefix", "code_pattern", "code_length", "valid_from", "valid_to",
               "uses_mode", "max_uses"]
SINGLE, MULTI, UNLIMITED = "SINGLE", "MULTI", "UNLIMITED"

NEW_CAMPAIGN = {"name": "", "value": "", "count": "100", "code_prefix": "", "code_pattern": "", "code_length": "16",
                "valid_unlimited": True, "valid_from": "", "valid_to": "", "uses_mode": SINGLE, "max_uses": ""}


@dataclass
class ParsedForm:
    data: GiftCardCampaignInput
    values: dict
    problems: list[Problem] = field(default_factory=list)


def parse_campaign_form(form: FormData) -> ParsedForm:
    """The posted form as a GiftCardCampaignInput, the raw values to show again, and what could not be read."""
    problems: list[Problem] = []
    values: dict = {name: str(form.get(name, "")).strip() for name in TEXT_FIELDS}
    values["valid_unlimited"] = form.get("valid_unlimited") == "on"
    max_uses = None
    if values["uses_mode"] == SINGLE:
        max_uses = 1
    elif values["uses_mode"] == MULTI:
        max_uses = whole_number(problems, "max_uses", values["max_uses"], "INVALID_LIMIT")
        if values["max_uses"] == "":
            problems.append(Problem("REQUIRED", "max_uses"))
    elif values["uses_mode"] != UNLIMITED:
        problems.append(Problem("INVALID_CHOICE", "uses_mode"))
    window = (None, None)
    if not values["valid_unlimited"]:
        window = (seoul_time(problems, "valid_from", values["valid_from"]),
                  seoul_time(problems, "valid_to", values["valid_to"]))
    data = GiftCardCampaignInput(
        name=values["name"], value=whole_number(problems, "value", values["value"], "INVALID_AMOUNT", 0),
        count=whole_number(problems, "count", values["count"], "INVALID_QUANTITY", 0),
        code_prefix=values["code_prefix"], code_pattern=values["code_pattern"],
        code_length=whole_number(problems, "code_length", values["code_length"], "INVALID_CODE_PATTERN", 16),
        valid_from=window[0], valid_to=window[1], max_uses=max_uses)
    return ParsedForm(data, values, problems)
