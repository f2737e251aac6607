"""The audience multi-select of the coupon and serial forms: which segments (or built-in groups)
may use a coupon or register a serial code. The forms' own views call these around their save."""

from __future__ import annotations

from starlette.datastructures import FormData

from gql.resolvers.access import Actor
from gql.resolvers.errors import Problem, Refused
from gql.resolvers.pagination import MAX_PAGE_SIZE, PageRequest
from gql.resolvers.segment_audience import check_audience
from gql.resolvers.segments import list_segments
from models.segments import Segment

FIELD = "audience_segment_ids"


async def audience_choices(actor: Actor) -> list[Segment]:
    """Every segment and built-in group, groups first."""
    return (await list_segments(actor, PageRequest(first=MAX_PAGE_SIZE))).items


def chosen_values(segments: list[Segment]) -> list[str]:
    """The form's values for an audience already set."""
    return [str(s.id) for s in segments]


async def read_audience(form: FormData, values: dict) -> tuple[list[int], list[Problem]]:
    """The chosen segment ids, and every problem with them; the raw choices go into the form's `values`."""
    values[FIELD] = [str(v) for v in form.getlist(FIELD)]
    ids = [int(v) for v in values[FIELD] if v.isdigit()]
    if len(ids) != len(values[FIELD]):
        return ids, [Problem("INVALID_CHOICE", FIELD)]
    try:
        await check_audience(ids)
    except Refused as refused:
        return ids, [Problem(p.code, FIELD) for p in refused.problems]
    return ids, []
