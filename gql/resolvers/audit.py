"""The audit log: every operator change, with the values before and after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any

from tortoise.models import Model

from gql.resolvers.access import Actor, ActorKind, require_read_shop
from gql.resolvers.pagination import Page, PageRequest, paginate
from kupon.timeutil import seoul_day_start_utc
from models.audit import AuditEntry


def snapshot(instance: Model, field_names: list[str]) -> dict[str, Any]:
    """JSON-safe copy of some fields, for the before/after of an audit entry."""
    result: dict[str, Any] = {}
    for name in field_names:
        value = getattr(instance, name)
        if isinstance(value, Enum):
            value = value.value
        elif isinstance(value, datetime | date):
            value = value.isoformat()
        result[name] = value
    return result


async def record_change(
    actor: Actor,
    action: str,
    entity: Model | tuple[str, Any],
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """Call inside the transaction of the change, so the entry and the change land together."""
    if isinstance(entity, tuple):
        entity_type, entity_id = entity
    else:
        entity_type, entity_id = type(entity).__name__, entity.pk
    if before is not None and after is not None:
        changed = {k for k in after if before.get(k) != after.get(k)}
        before = {k: v for k, v in before.items() if k in changed}
        after = {k: v for k, v in after.items() if k in changed}
    return await AuditEntry.create(
        operator_id=actor.id if actor.kind == ActorKind.OPERATOR else None,
        actor_label=f"{actor.kind.value.lower()}:{actor.label}",
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        before=before,
        after=after,
    )


@dataclass(frozen=True)
class AuditFilter:
    operator_id: int | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None


async def list_audit_entries(actor: Actor, flt: AuditFilter, page: PageRequest) -> Page[AuditEntry]:
    require_read_shop(actor)
    query = AuditEntry.all().select_related("operator").order_by("-id")
    if flt.operator_id:
        query = query.filter(operator_id=flt.operator_id)
    if flt.entity_type:
        query = query.filter(entity_type=flt.entity_type)
    if flt.entity_id:
        query = query.filter(entity_id=flt.entity_id)
    if flt.action:
        query = query.filter(action=flt.action)
    if flt.date_from:
        query = query.filter(at__gte=seoul_day_start_utc(flt.date_from))
    if flt.date_to:
        query = query.filter(at__lt=seoul_day_start_utc(flt.date_to + timedelta(days=1)))
    return await paginate(query, page)
