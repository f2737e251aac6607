"""Credentials: member bearer tokens (for the mobile app) and API keys (read-only for dashboards,
integration for the shop's back end)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from gql.resolvers import auth
from gql.resolvers.errors import Refused
from gql.schema.common import UserError, to_pk, user_errors
from gql.schema.permissions import CanChangeShop, IsOwner
from models.access import ApiKeyScope

ApiKeyScopeEnum = strawberry.enum(ApiKeyScope, name="ApiKeyScope")


@strawberry.type(description="A new secret. It is shown once and cannot be read again.")
class SecretPayload:
    id: strawberry.ID | None = None
    secret: str | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


async def secret_payload(awaitable) -> SecretPayload:
    try:
        issued = await awaitable
    except Refused as refused:
        return SecretPayload(errors=user_errors(refused))
    return SecretPayload(id=strawberry.ID(str(issued.id)), secret=issued.secret)


@strawberry.type
class RevokePayload:
    ok: bool
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AccessMutation:
    @strawberry.mutation(
        permission_classes=[CanChangeShop],
        description="Called by the shop's back end after it signs a member in; the app sends the token.",
    )
    async def issue_member_token(
        self, info: Info, member_id: strawberry.ID, label: str = "", days: int = 90
    ) -> SecretPayload:
        return await secret_payload(
            auth.issue_member_token(info.context.actor, to_pk(member_id, "memberId"), label, days)
        )

    @strawberry.mutation(permission_classes=[IsOwner],
                         description="READ: dashboards read shop data. INTEGRATION: the shop's back end "
                                     "writes member activity (recordVisit, adjustPoints, upsertMember, tagMembers, "
                                     "setMarketingConsent) and reads nothing.")
    async def create_api_key(self, info: Info, name: str, scope: ApiKeyScopeEnum = ApiKeyScope.READ) -> SecretPayload:
        return await secret_payload(auth.create_api_key(info.context.actor, name, scope))

    @strawberry.mutation(permission_classes=[IsOwner])
    async def revoke_api_key(self, info: Info, id: strawberry.ID) -> RevokePayload:
        try:
            await auth.revoke_api_key(info.context.actor, to_pk(id, "id"))
        except Refused as refused:
            return RevokePayload(ok=False, errors=user_errors(refused))
        return RevokePayload(ok=True)
