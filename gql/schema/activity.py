"""Member activity from the shop's back end: the mutations an integration API key may call
(operators who can change the shop may call them too). Resolvers: gql/resolvers/member_activity.py
and member_upsert.py.

The list mutations take up to 1000 rows and report each row (its index in the list, the stored
id, or its errors): good rows are stored, bad rows change nothing.
"""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from gql.resolvers import member_activity as activity
from gql.resolvers import member_upsert as upsert
from gql.resolvers.activity_rows import MemberRef, RowResult
from gql.resolvers.errors import Refused
from gql.schema.activity_types import ConsentChannelEnum, ConsentType, PointKindEnum
from gql.schema.common import UserError, payload_of, to_pk, user_errors
from gql.schema.coupons import ChannelEnum
from gql.schema.members import GradeEnum, MemberType
from gql.schema.permissions import CanWriteActivity


@strawberry.input(description="A member by kupon id, or by site code and the shop's login id.")
class MemberRefInput:
    id: strawberry.ID | None = None
    site_code: str = ""
    login_id: str = ""


def member_ref(ref: MemberRefInput) -> MemberRef:
    return MemberRef(member_id=to_pk(ref.id, "id"), site_code=ref.site_code, login_id=ref.login_id)


AT = "When (ISO 8601; without an offset, Asia/Seoul). Default: now."


@strawberry.input
class VisitInput:
    member: MemberRefInput
    channel: ChannelEnum
    at: datetime | None = strawberry.field(default=None, description=AT)
    site_code: str = strawberry.field(default="", description="Default: the member's own site.")


@strawberry.input
class PointEntryInput:
    member: MemberRefInput
    kind: PointKindEnum
    amount: int = strawberry.field(description="Points, 1 or more; a SPEND beyond the points held is refused.")
    reason: str = ""
    at: datetime | None = strawberry.field(default=None, description=AT)
    external_id: str = strawberry.field(default="", description="Your id of the entry: a retry records it once.")


@strawberry.input
class ConsentInput:
    channel: ConsentChannelEnum
    granted: bool
    at: datetime | None = strawberry.field(default=None, description="When it was given or withdrawn. " + AT)


@strawberry.input
class UpsertMemberInput:
    site_code: str
    login_id: str
    name: str | None = strawberry.field(default=None, description="Needed to create. Null: unchanged.")
    phone: str | None = None
    email: str | None = None
    grade: GradeEnum | None = None
    birthday: date | None = None
    signed_up_at: datetime | None = strawberry.field(default=None, description="On creation only. Default: now.")
    consents: list[ConsentInput] = strawberry.field(default_factory=list)


def _visit(v: VisitInput) -> activity.VisitInput:
    return activity.VisitInput(member_ref(v.member), v.channel.value, v.at, v.site_code)


def _points(p: PointEntryInput) -> activity.PointInput:
    return activity.PointInput(member_ref(p.member), p.kind.value, p.amount, p.reason, p.at, p.external_id)


def _consent(c: ConsentInput) -> upsert.ConsentInput:
    return upsert.ConsentInput(c.channel.value, c.granted, c.at)


def _upsert(m: UpsertMemberInput) -> upsert.MemberUpsert:
    return upsert.MemberUpsert(
        site_code=m.site_code, login_id=m.login_id, name=m.name, phone=m.phone, email=m.email,
        grade=m.grade.value if m.grade else None, birthday=m.birthday, signed_up_at=m.signed_up_at,
        consents=tuple(_consent(c) for c in m.consents))


@strawberry.type
class PointEntryType:
    id: strawberry.ID
    member_id: strawberry.ID
    kind: PointKindEnum
    amount: int
    reason: str
    at: datetime
    external_id: str | None


def _entry(e) -> PointEntryType:
    return PointEntryType(id=strawberry.ID(str(e.id)), member_id=strawberry.ID(str(e.member_id)), kind=e.kind,
                          amount=e.amount, reason=e.reason, at=e.at, external_id=e.external_id)


@strawberry.type(description="One row of a list mutation: its index in the list, and what was stored or why not.")
class RowOutcome:
    index: int
    ok: bool
    id: strawberry.ID | None = strawberry.field(default=None, description="The stored row (a member's id for tags).")
    repeated: bool = strawberry.field(default=False, description="Stored by an earlier call: nothing new stored.")
    errors: list[UserError] = strawberry.field(default_factory=list)


def _outcome(result: RowResult, id_of=lambda v: v.id) -> RowOutcome:
    if not result.ok:
        return RowOutcome(index=result.index, ok=False, errors=user_errors(Refused(*result.problems)))
    return RowOutcome(index=result.index, ok=True, id=strawberry.ID(str(id_of(result.value))),
                      repeated=result.repeated)


@strawberry.type
class BatchPayload:
    stored: int = strawberry.field(default=0, description="Rows stored now (not repeats, not refused).")
    rows: list[RowOutcome] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list, description="The whole call was refused.")


async def _batch(awaitable, id_of=lambda v: v.id) -> BatchPayload:
    try:
        results = await awaitable
    except Refused as refused:
        return BatchPayload(errors=user_errors(refused))
    return BatchPayload(stored=sum(1 for r in results if r.ok and not r.repeated),
                        rows=[_outcome(r, id_of) for r in results])


@strawberry.type
class VisitPayload:
    id: strawberry.ID | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PointsPayload:
    entry: PointEntryType | None = None
    points_held: int | None = None
    repeated: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class UpsertMemberPayload:
    member: MemberType | None = None
    created: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ConsentPayload:
    consents: list[ConsentType] | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _points_payload(result: activity.PointResult) -> PointsPayload:
    return PointsPayload(entry=_entry(result.entry), points_held=result.points_held, repeated=result.repeated)


@strawberry.type
class ActivityMutation:
    @strawberry.mutation(permission_classes=[CanWriteActivity])
    async def record_visit(self, info: Info, input: VisitInput) -> VisitPayload:
        return await payload_of(VisitPayload, "id", lambda v: strawberry.ID(str(v.id)),
                                activity.record_visit(info.context.actor, _visit(input)))

    @strawberry.mutation(permission_classes=[CanWriteActivity], description="Up to 1000 visits.")
    async def record_visits(self, info: Info, inputs: list[VisitInput]) -> BatchPayload:
        return await _batch(activity.record_visits(info.context.actor, [_visit(v) for v in inputs]))

    @strawberry.mutation(permission_classes=[CanWriteActivity])
    async def adjust_points(self, info: Info, input: PointEntryInput) -> PointsPayload:
        try:
            return _points_payload(await activity.adjust_points(info.context.actor, _points(input)))
        except Refused as refused:
            return PointsPayload(errors=user_errors(refused))

    @strawberry.mutation(permission_classes=[CanWriteActivity],
                         description="Up to 1000 ledger entries, applied in order.")
    async def adjust_points_batch(self, info: Info, inputs: list[PointEntryInput]) -> BatchPayload:
        return await _batch(activity.adjust_points_batch(info.context.actor, [_points(p) for p in inputs]))

    @strawberry.mutation(permission_classes=[CanWriteActivity],
                         description="Give (or with remove, take away) a tag to up to 1000 members. Idempotent.")
    async def tag_members(self, info: Info, tag: str, members: list[MemberRefInput],
                          remove: bool = False) -> BatchPayload:
        async def rows():
            report = await activity.tag_members(info.context.actor, tag, [member_ref(m) for m in members], remove)
            return report.results

        return await _batch(rows(), id_of=lambda member_id: member_id)

    @strawberry.mutation(permission_classes=[CanWriteActivity],
                         description="Create the member (site code, login id) or update the fields given.")
    async def upsert_member(self, info: Info, input: UpsertMemberInput) -> UpsertMemberPayload:
        try:
            result = await upsert.upsert_member(info.context.actor, _upsert(input))
        except Refused as refused:
            return UpsertMemberPayload(errors=user_errors(refused))
        return UpsertMemberPayload(member=MemberType.from_model(result.member), created=result.created)

    @strawberry.mutation(permission_classes=[CanWriteActivity], description="Up to 1000 members.")
    async def upsert_members(self, info: Info, inputs: list[UpsertMemberInput]) -> BatchPayload:
        return await _batch(upsert.upsert_members(info.context.actor, [_upsert(m) for m in inputs]),
                            id_of=lambda result: result.member.id)

    @strawberry.mutation(permission_classes=[CanWriteActivity],
                         description="One member's consents, all or nothing. A withdrawal keeps the row.")
    async def set_marketing_consent(self, info: Info, member: MemberRefInput,
                                    consents: list[ConsentInput]) -> ConsentPayload:
        return await payload_of(ConsentPayload, "consents", lambda rows: [ConsentType.from_model(c) for c in rows],
                                upsert.set_marketing_consent(info.context.actor, member_ref(member),
                                                             [_consent(c) for c in consents]))
