"""Strawberry permission classes over the predicates in gql.resolvers.access."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission
from strawberry.types import Info

from gql.resolvers.access import ActorKind
from gql.resolvers.errors import REASONS


def _refusal(code: str) -> tuple[str, dict]:
    en, ko = REASONS[code]
    return en, {"code": code, "messageKo": ko}


class _ActorPermission(BasePermission):
    code = "FORBIDDEN"

    def allowed(self, actor) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        # Strawberry keeps one instance per field, so the message is set on every call.
        actor = info.context.actor
        anonymous = actor.kind == ActorKind.ANONYMOUS
        self.message, self.error_extensions = _refusal("UNAUTHENTICATED" if anonymous else self.code)
        return not anonymous and self.allowed(actor)


class CanReadShop(_ActorPermission):
    """Operators of any role and read-only API keys (not integration keys)."""

    def allowed(self, actor) -> bool:
        return actor.can_read_shop


class CanChangeShop(_ActorPermission):
    """Operators with role OWNER or OPERATOR."""

    def allowed(self, actor) -> bool:
        return actor.can_change_shop


class CanWriteActivity(_ActorPermission):
    """Integration API keys, and operators with role OWNER or OPERATOR."""

    def allowed(self, actor) -> bool:
        return actor.can_write_activity


class IsOwner(_ActorPermission):
    def allowed(self, actor) -> bool:
        return actor.is_owner


class IsMember(_ActorPermission):
    """A member signed in with a bearer token."""

    def allowed(self, actor) -> bool:
        return actor.kind == ActorKind.MEMBER


class IsOperator(_ActorPermission):
    """Any signed-in operator, VIEWER included; not API keys."""

    def allowed(self, actor) -> bool:
        return actor.is_operator
