"""The audit log, for operators."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from gql.resolvers import audit
from gql.schema.common import Connection, connection_from_page, page_request, query_or_error, to_pk
from gql.schema.permissions import IsOperator
from models.audit import AuditEntry


@strawberry.type(name="AuditEntry")
class AuditEntryType:
    id: strawberry.ID
    actor: str
    action: str
    entity_type: str
    entity_id: str
    before: JSON | None
    after: JSON | None
    at: datetime

    @classmethod
    def from_model(cls, e: AuditEntry) -> AuditEntryType:
        return cls(id=strawberry.ID(str(e.id)), actor=e.actor_label, action=e.action, entity_type=e.entity_type,
                   entity_id=e.entity_id, before=e.before, after=e.after, at=e.at)


@strawberry.input
class AuditFilterInput:
    operator_id: strawberry.ID | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None


@strawberry.type
class AuditQuery:
    @strawberry.field(permission_classes=[IsOperator])
    async def audit_entries(
        self, info: Info, first: int = 20, after: str | None = None, filter: AuditFilterInput | None = None
    ) -> Connection[AuditEntryType]:
        f = filter or AuditFilterInput()
        flt = audit.AuditFilter(
            operator_id=to_pk(f.operator_id, "operatorId"), entity_type=f.entity_type, entity_id=f.entity_id,
            action=f.action, date_from=f.date_from, date_to=f.date_to,
        )
        page = await query_or_error(audit.list_audit_entries(info.context.actor, flt, page_request(first, after)))
        return connection_from_page(page, AuditEntryType.from_model)
