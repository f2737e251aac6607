"""Who is calling, and what each kind of caller may do.

The same predicates back Strawberry's permission classes and the console's
role checks, so the boundaries are written down once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from gql.resolvers.errors import Refused
from models.access import ApiKeyScope, Role


class ActorKind(StrEnum):
    ANONYMOUS = "ANONYMOUS"
    MEMBER = "MEMBER"
    OPERATOR = "OPERATOR"
    API_KEY = "API_KEY"


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: int | None = None
    label: str = "anonymous"
    role: Role | None = None
    member_id: int | None = None
    # API keys only: READ (dashboards) or INTEGRATION (the shop's back end writing member activity).
    scope: ApiKeyScope | None = None

    @property
    def is_integration_key(self) -> bool:
        return self.kind == ActorKind.API_KEY and self.scope == ApiKeyScope.INTEGRATION

    @property
    def is_operator(self) -> bool:
        return self.kind == ActorKind.OPERATOR

    @property
    def can_read_shop(self) -> bool:
        """Operators of any role and read-only API keys see shop-wide data; integration keys
        see nothing (they only write member activity)."""
        return self.kind == ActorKind.OPERATOR or (self.kind == ActorKind.API_KEY and not self.is_integration_key)

    @property
    def can_change_shop(self) -> bool:
        return self.is_operator and self.role in (Role.OWNER, Role.OPERATOR)

    @property
    def can_write_activity(self) -> bool:
        """Visits, points, tags, consents and member details from the shop's back end: integration
        keys, and operators who can change the shop."""
        return self.is_integration_key or self.can_change_shop

    @property
    def is_owner(self) -> bool:
        return self.is_operator and self.role == Role.OWNER

    def sees_personal_data_of(self, member_id: int) -> bool:
        """Full phone and e-mail: operators who can change data, and the member themself."""
        return self.can_change_shop or (self.kind == ActorKind.MEMBER and self.member_id == member_id)


ANONYMOUS = Actor(ActorKind.ANONYMOUS)


def operator_actor(operator) -> Actor:
    return Actor(ActorKind.OPERATOR, id=operator.id, label=operator.login_id, role=Role(operator.role))


def require_read_shop(actor: Actor) -> None:
    if actor.kind == ActorKind.ANONYMOUS:
        raise Refused.because("UNAUTHENTICATED")
    if not actor.can_read_shop:
        raise Refused.because("FORBIDDEN")


def require_change_shop(actor: Actor) -> None:
    if actor.kind == ActorKind.ANONYMOUS:
        raise Refused.because("UNAUTHENTICATED")
    if not actor.can_change_shop:
        raise Refused.because("FORBIDDEN")


def require_write_activity(actor: Actor) -> None:
    if actor.kind == ActorKind.ANONYMOUS:
        raise Refused.because("UNAUTHENTICATED")
    if not actor.can_write_activity:
        raise Refused.because("FORBIDDEN")


def require_owner(actor: Actor) -> None:
    require_change_shop(actor)
    if not actor.is_owner:
        raise Refused.because("FORBIDDEN")


def require_member(actor: Actor) -> int:
    if actor.kind != ActorKind.MEMBER or actor.member_id is None:
        raise Refused.because("UNAUTHENTICATED" if actor.kind == ActorKind.ANONYMOUS else "FORBIDDEN")
    return actor.member_id
