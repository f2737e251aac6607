"""Members: the operators' list and edits, and a member's own profile."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from gql.resolvers import members
from gql.resolvers.errors import Refused
from gql.schema.catalog import SiteType
from gql.schema.common import (
    Connection,
    UserError,
    connection_from_page,
    page_request,
    payload_of,
    query_or_error,
    to_pk,
)
from gql.schema.permissions import CanChangeShop, CanReadShop, IsMember

if TYPE_CHECKING:
    from gql.schema.activity_types import ConsentType, GradeChangeType
from kupon.privacy import mask_email, mask_phone
from models.members import Grade, Member

GradeEnum = strawberry.enum(Grade, name="Grade")


@strawberry.type(name="Member")
class MemberType:
    id: strawberry.ID
    login_id: str
    name: str
    grade: GradeEnum
    birthday: date | None
    is_active: bool
    signed_up_at: datetime
    site_id: strawberry.Private[int]
    raw_phone: strawberry.Private[str]
    raw_email: strawberry.Private[str]

    @strawberry.field(description="Masked (010-****-5678) unless the caller may see personal data.")
    def phone(self, info: Info) -> str:
        if info.context.actor.sees_personal_data_of(int(self.id)):
            return self.raw_phone
        return mask_phone(self.raw_phone)

    @strawberry.field(description="Masked (ho***@example.com) unless the caller may see personal data.")
    def email(self, info: Info) -> str:
        if info.context.actor.sees_personal_data_of(int(self.id)):
            return self.raw_email
        return mask_email(self.raw_email)

    @strawberry.field
    async def site(self, info: Info) -> SiteType:
        return SiteType.from_model(await info.context.loaders.site.load(self.site_id))

    @strawberry.field(description="Earned minus spent over the points ledger.")
    async def points_held(self, info: Info) -> int:
        return await info.context.loaders.points_held.load(int(self.id))

    @strawberry.field(description="Marketing consent per channel (a withdrawal is kept, not granted).")
    async def consents(self, info: Info) -> list[Annotated[ConsentType, strawberry.lazy("gql.schema.activity_types")]]:
        from gql.schema.activity_types import ConsentType

        return [ConsentType.from_model(c) for c in await info.context.loaders.consents.load(int(self.id))]

    @strawberry.field(permission_classes=[CanReadShop])
    async def tags(self, info: Info) -> list[str]:
        return await info.context.loaders.tags.load(int(self.id))

    @strawberry.field(permission_classes=[CanReadShop], description="Visits the shop's back end recorded, ever.")
    async def visit_count(self, info: Info) -> int:
        return await info.context.loaders.visit_count.load(int(self.id))

    @strawberry.field(permission_classes=[CanReadShop], description="Newest first.")
    async def grade_history(
        self, info: Info
    ) -> list[Annotated[GradeChangeType, strawberry.lazy("gql.schema.activity_types")]]:
        from gql.schema.activity_types import GradeChangeType

        return [GradeChangeType.from_model(g) for g in await info.context.loaders.grade_history.load(int(self.id))]

    @classmethod
    def from_model(cls, m: Member) -> MemberType:
        return cls(
            id=strawberry.ID(str(m.id)), login_id=m.login_id, name=m.name, grade=m.grade, birthday=m.birthday,
            is_active=m.is_active, signed_up_at=m.signed_up_at, site_id=m.site_id,
            raw_phone=m.phone, raw_email=m.email,
        )


@strawberry.input
class MemberFilterInput:
    search: str = ""
    site_id: strawberry.ID | None = None
    grade: GradeEnum | None = None
    is_active: bool | None = None
    signed_up_from: date | None = strawberry.field(default=None, description="Asia/Seoul date, inclusive.")
    signed_up_to: date | None = strawberry.field(default=None, description="Asia/Seoul date, inclusive.")


def member_filter(f: MemberFilterInput | None) -> members.MemberFilter:
    f = f or MemberFilterInput()
    return members.MemberFilter(
        search=f.search, site_id=to_pk(f.site_id, "siteId"), grade=f.grade, is_active=f.is_active,
        signed_up_from=f.signed_up_from, signed_up_to=f.signed_up_to,
    )


@strawberry.input
class UpdateMemberInput:
    id: strawberry.ID
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    grade: GradeEnum | None = None
    birthday: date | None = None
    is_active: bool | None = None


@strawberry.input
class CreateMemberInput:
    site_id: strawberry.ID
    login_id: str
    name: str
    phone: str = ""
    email: str = ""
    grade: GradeEnum = Grade.BASIC
    birthday: date | None = None


@strawberry.type
class MemberPayload:
    member: MemberType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


async def member_payload(awaitable) -> MemberPayload:
    return await payload_of(MemberPayload, "member", MemberType.from_model, awaitable)


@strawberry.type
class MemberQuery:
    @strawberry.field(permission_classes=[CanReadShop])
    async def members(
        self, info: Info, first: int = 20, after: str | None = None, filter: MemberFilterInput | None = None
    ) -> Connection[MemberType]:
        page = await query_or_error(
            members.list_members(info.context.actor, member_filter(filter), page_request(first, after))
        )
        return connection_from_page(page, MemberType.from_model)

    @strawberry.field(permission_classes=[CanReadShop])
    async def member(self, info: Info, id: strawberry.ID) -> MemberType | None:
        try:
            return MemberType.from_model(await members.get_member(info.context.actor, to_pk(id, "id")))
        except Refused:
            return None

    @strawberry.field(permission_classes=[IsMember], description="The signed-in member's own profile.")
    async def me(self, info: Info) -> MemberType:
        return MemberType.from_model(await query_or_error(members.get_own_member(info.context.actor)))


@strawberry.type
class MemberMutation:
    @strawberry.mutation(permission_classes=[CanChangeShop])
    async def update_member(self, info: Info, input: UpdateMemberInput) -> MemberPayload:
        changes = members.MemberChanges(
            name=input.name, phone=input.phone, email=input.email,
            grade=input.grade.value if input.grade else None, birthday=input.birthday, is_active=input.is_active,
        )
        return await member_payload(members.update_member(info.context.actor, to_pk(input.id, "id"), changes))

    @strawberry.mutation(permission_classes=[CanChangeShop])
    async def create_member(self, info: Info, input: CreateMemberInput) -> MemberPayload:
        new = members.NewMember(
            site_id=to_pk(input.site_id, "siteId"), login_id=input.login_id, name=input.name,
            phone=input.phone, email=input.email, grade=input.grade.value, birthday=input.birthday,
        )
        return await member_payload(members.create_member(info.context.actor, new))
