"""The serial code campaign form (seed 000, "시리얼코드 생성"): a SerialInput shown as form values,
and a posted form read back.

New and edit share it. As in web/coupon_form.py, the values are the strings the operator typed
(kept on an error) and only what cannot be read is refused here; what the values mean is
checked by `gql.resolvers.serials`. The seed's radio choices become plain values:
quantity "N개 한정 / 무제한" is a number or None, duplicates "불가 / 최대 N회" are 1 or N, and
a fixed code is typed in ("직접입력") or generated (an empty `fixed_code`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.datastructures import FormData

from gql.resolvers.errors import Problem
from gql.resolvers.serials import SerialInput
from kupon.codes import DEFAULT_LENGTH
from kupon.timeutil import seoul_local_input
from models.coupons import Channel
from models.serials import SerialStatus, SerialType
from web.form_fields import seoul_time, whole_number

TEXT_FIELDS = ["name", "type", "status", "site_id", "fixed_mode", "fixed_code", "code_prefix", "code_pattern",
               "code_length", "quantity_mode", "quantity_limit", "duplicate_mode", "per_member_limit",
               "register_from", "register_to"]
LIST_FIELDS = ["channels", "member_grades"]
# Radio values of the seed's choices.
LIMITED, UNLIMITED = "LIMITED", "UNLIMITED"
ONCE = "ONCE"
TYPED, GENERATED = "TYPED", "GENERATED"

NEW_SERIAL = SerialInput(name="", type=SerialType.FIXED.value, rewards=[], channels=[c.value for c in Channel],
                         status=SerialStatus.ACTIVE.value)


def form_values(data: SerialInput) -> dict:
    """What the form shows for a campaign's input (or NEW_SERIAL): strings and lists of strings."""
    return {
        "name": data.name, "type": data.type, "status": data.status,
        "site_id": "" if data.site_id is None else str(data.site_id),
        "fixed_mode": TYPED if data.fixed_code else GENERATED, "fixed_code": data.fixed_code,
        "code_prefix": data.code_prefix, "code_pattern": data.code_pattern, "code_length": str(data.code_length),
        "quantity_mode": UNLIMITED if data.quantity_limit is None else LIMITED,
        "quantity_limit": "" if data.quantity_limit is None else str(data.quantity_limit),
        "duplicate_mode": ONCE if data.per_member_limit <= 1 else LIMITED,
        "per_member_limit": "" if data.per_member_limit <= 1 else str(data.per_member_limit),
        "register_unlimited": data.register_from is None and data.register_to is None,
        "register_from": seoul_local_input(data.register_from), "register_to": seoul_local_input(data.register_to),
        "channels": list(data.channels), "member_grades": list(data.member_grades),
        # One empty row on a new form, so there is a select to choose the first coupon with.
        "rewards": [(str(c), str(q)) for c, q in data.rewards] or [("", "1")],
    }


@dataclass
class ParsedForm:
    data: SerialInput
    values: dict
    problems: list[Problem] = field(default_factory=list)


def locked_values(values: dict) -> dict:
    """What an existing campaign keeps whatever is posted: its type and codes, and for RANDOM the
    number of codes (more are added from the campaign's page). The edit form shows them read-only."""
    names = ["type", "fixed_mode", "fixed_code", "code_prefix", "code_pattern", "code_length"]
    if values["type"] == SerialType.RANDOM:
        names += ["quantity_mode", "quantity_limit", "duplicate_mode", "per_member_limit"]
    return {name: values[name] for name in names}


def parse_serial_form(form: FormData, locked: dict | None = None) -> ParsedForm:
    """The posted form as a SerialInput, the raw values to show again, and what could not be read.
    `locked`: values (from `locked_values`) that replace whatever was posted for those fields."""
    problems: list[Problem] = []
    values: dict = {name: str(form.get(name, "")).strip() for name in TEXT_FIELDS}
    values.update(locked or {})
    values.update({name: [str(v) for v in form.getlist(name)] for name in LIST_FIELDS})
    values["register_unlimited"] = form.get("register_unlimited") == "on"
    values["rewards"] = list(zip([str(v).strip() for v in form.getlist("reward_coupon_id")],
                                 [str(v).strip() for v in form.getlist("reward_quantity")], strict=False))

    quantity_limit = None
    if values["quantity_mode"] != UNLIMITED:
        quantity_limit = whole_number(problems, "quantity_limit", values["quantity_limit"], "INVALID_LIMIT")
        if values["quantity_limit"] == "":
            problems.append(Problem("REQUIRED", "quantity_limit"))
    per_member = 1
    if values["duplicate_mode"] == LIMITED:
        per_member = whole_number(problems, "per_member_limit", values["per_member_limit"], "INVALID_LIMIT", 1)
        if values["per_member_limit"] == "":
            problems.append(Problem("REQUIRED", "per_member_limit"))
    fixed_code = values["fixed_code"] if values["fixed_mode"] == TYPED else ""
    if values["type"] == SerialType.FIXED and values["fixed_mode"] == TYPED and not fixed_code:
        problems.append(Problem("FIXED_CODE_REQUIRED", "fixed_code"))
    window = (None, None)
    if not values["register_unlimited"]:
        window = (seoul_time(problems, "register_from", values["register_from"]),
                  seoul_time(problems, "register_to", values["register_to"]))

    data = SerialInput(
        name=values["name"], type=values["type"], rewards=_rewards(problems, values["rewards"]),
        site_id=whole_number(problems, "site_id", values["site_id"], "INVALID_CHOICE"),
        channels=values["channels"], register_from=window[0], register_to=window[1],
        member_grades=values["member_grades"], quantity_limit=quantity_limit, per_member_limit=per_member,
        fixed_code=fixed_code, code_prefix=values["code_prefix"], code_pattern=values["code_pattern"],
        code_length=whole_number(problems, "code_length", values["code_length"], "INVALID_CODE_PATTERN",
                                 DEFAULT_LENGTH),
        status=values["status"])
    return ParsedForm(data, values, problems)


def _rewards(problems: list[Problem], rows: list[tuple[str, str]]) -> list[tuple[int, int]]:
    """Rows without a coupon are left out (an added row never filled in); a coupon chosen twice
    counts once, with the quantities added up."""
    chosen: dict[int, int] = {}
    for coupon_id, quantity in rows:
        if not coupon_id:
            continue
        if not coupon_id.isdigit():
            problems.append(Problem("INVALID_CHOICE", "rewards"))
            continue
        count = whole_number(problems, "rewards", quantity, "INVALID_LIMIT", 1)
        chosen[int(coupon_id)] = chosen.get(int(coupon_id), 0) + count
    return list(chosen.items())
