"""Segments in GraphQL: the list, a segment with its tree, sentence, size history and members as
of a day, the editor's live preview, and using segments (issue a coupon to one, restrict coupons
and serial codes to some, export the members). Operators and read-only API keys read; operators
who can change the shop write. A refused tree's errors name the bad node's path in `field`."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from gql.resolvers import segment_audience, segment_export, segment_issuing, segments
from gql.resolvers.errors import Refused
from gql.resolvers.segment_sentence import sentence
from gql.schema.catalog import SiteType
from gql.schema.code_transfer import ExportFormatEnum
from gql.schema.common import (
    Connection,
    UserError,
    connection_from_page,
    page_request,
    payload_of,
    query_or_error,
    to_pk,
    user_errors,
)
from gql.schema.jobs import JobPayload, JobType
from gql.schema.members import MemberType
from gql.schema.permissions import CanChangeShop, CanReadShop, IsOperator
from models.segments import Segment, SegmentKind, SegmentSnapshot

SegmentKindEnum = strawberry.enum(SegmentKind, name="SegmentKind")


@strawberry.enum(name="SegmentMembershipView")
class MembershipView(Enum):
    MEMBERS = "MEMBERS"
    ENTERED = "ENTERED"
    LEFT = "LEFT"


@strawberry.type(name="SegmentSizePoint")
class SizePoint:
    day: date
    size: int
    computed_at: datetime

    @classmethod
    def from_model(cls, snapshot: SegmentSnapshot) -> SizePoint:
        return cls(day=snapshot.day, size=snapshot.size, computed_at=snapshot.computed_at)


@strawberry.type(name="SegmentMembership", description="Members of a snapshot day, or who entered or left "
                 "since `comparedWith` (the snapshot before it; null when there is none).")
class MembershipNode:
    day: date
    compared_with: date | None
    members: Connection[MemberType]


def _locale(locale: str) -> str:
    return "ko" if locale.lower().startswith("ko") else "en"


@strawberry.type(name="Segment")
class SegmentNode:
    id: strawberry.ID
    name: str
    description: str
    kind: SegmentKindEnum
    builtin_key: str | None
    tree: JSON = strawberry.field(description="The condition tree (grammar: gql/resolvers/segment_tree.py).")
    size: int | None = strawberry.field(description="Members on the latest snapshot day; null before the first.")
    computed_for: date | None = strawberry.field(description="The latest snapshot day (Asia/Seoul).")
    computed_at: datetime | None
    site_id: strawberry.Private[int | None]

    @strawberry.field(description="Null when the segment looks at every site's members.")
    async def site(self, info: Info) -> SiteType | None:
        if self.site_id is None:
            return None
        return SiteType.from_model(await info.context.loaders.site.load(self.site_id))

    @strawberry.field(description="The tree as a sentence; locale \"en\" or \"ko\".")
    def sentence(self, locale: str = "en") -> str:
        return sentence(self.tree, _locale(locale))

    @strawberry.field
    def sentence_ko(self) -> str:
        return sentence(self.tree, "ko")

    @strawberry.field(description="One point per snapshot day in the last `days` days, oldest first.")
    async def size_history(self, info: Info, days: int = 90) -> list[SizePoint]:
        points = await query_or_error(segments.size_history(info.context.actor, int(self.id), days))
        return [SizePoint.from_model(p) for p in points]

    @strawberry.field(description="The days with a snapshot, newest first.")
    async def snapshot_days(self, info: Info) -> list[date]:
        return await query_or_error(segments.snapshot_days(info.context.actor, int(self.id)))

    @strawberry.field
    async def members_as_of(self, info: Info, day: date, view: MembershipView = MembershipView.MEMBERS,
                            first: int = 20, after: str | None = None) -> MembershipNode:
        found = await query_or_error(segments.members_as_of(
            info.context.actor, int(self.id), day, view.value, page_request(first, after)))
        return MembershipNode(day=found.day, compared_with=found.compared_with,
                              members=connection_from_page(found.page, MemberType.from_model))

    @classmethod
    def from_model(cls, s: Segment) -> SegmentNode:
        return cls(id=strawberry.ID(str(s.id)), name=s.name, description=s.description, kind=s.kind,
                   builtin_key=s.builtin_key, tree=s.tree, size=s.size, computed_for=s.computed_for,
                   computed_at=s.computed_at, site_id=s.site_id)


@strawberry.type(name="SegmentPreview", description="The editor's live count: as of today, not stored.")
class PreviewNode:
    size: int
    sample: list[MemberType] = strawberry.field(description="Up to ten members, lowest id first.")
    sentence: str
    sentence_ko: str
    as_of: date


@strawberry.type
class SegmentPreviewPayload:
    preview: PreviewNode | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input(name="SegmentInput")
class SegmentInputType:
    name: str
    tree: JSON
    description: str = ""
    site_id: strawberry.ID | None = strawberry.field(default=None, description="Null: every site's members.")

    def to_resolver_input(self) -> segments.SegmentInput:
        return segments.SegmentInput(name=self.name, tree=self.tree, description=self.description,
                                     site_id=to_pk(self.site_id, "siteId"))


@strawberry.type
class SegmentPayload:
    segment: SegmentNode | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteSegmentPayload:
    deleted_id: strawberry.ID | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AudiencePayload:
    segments: list[SegmentNode] | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _segment_ids(ids: list[strawberry.ID]) -> list[int]:
    return [to_pk(i, "segmentIds") for i in ids]


async def _job_payload(awaitable) -> JobPayload:
    return await payload_of(JobPayload, "job", JobType.from_model, awaitable)


async def _audience_payload(awaitable) -> AudiencePayload:
    return await payload_of(AudiencePayload, "segments", lambda found: [SegmentNode.from_model(s) for s in found],
                            awaitable)


@strawberry.type
class SegmentQuery:
    @strawberry.field(permission_classes=[CanReadShop], description="Custom segments and the built-in groups.")
    async def segments(self, info: Info, first: int = 20, after: str | None = None,
                       kind: SegmentKindEnum | None = None, search: str = "") -> Connection[SegmentNode]:
        page = await query_or_error(segments.list_segments(
            info.context.actor, page_request(first, after), SegmentKind(kind.value) if kind else None, search))
        return connection_from_page(page, SegmentNode.from_model)

    @strawberry.field(permission_classes=[CanReadShop])
    async def segment(self, info: Info, id: strawberry.ID) -> SegmentNode | None:
        try:
            return SegmentNode.from_model(await segments.get_segment(info.context.actor, to_pk(id, "id")))
        except Refused:
            return None

    @strawberry.field(permission_classes=[CanReadShop], description="Count a tree as of today without saving it.")
    async def segment_preview(self, info: Info, tree: JSON, site_id: strawberry.ID | None = None
                              ) -> SegmentPreviewPayload:
        try:
            found = await segments.preview_segment(info.context.actor, tree, to_pk(site_id, "siteId"))
        except Refused as refused:
            return SegmentPreviewPayload(errors=user_errors(refused))
        return SegmentPreviewPayload(preview=PreviewNode(
            size=found.size, sample=[MemberType.from_model(m) for m in found.sample], sentence=found.sentence_en,
            sentence_ko=found.sentence_ko, as_of=found.as_of))

    @strawberry.field(permission_classes=[CanReadShop], description="The segments a coupon is restricted to.")
    async def coupon_audience(self, info: Info, coupon_id: strawberry.ID) -> list[SegmentNode]:
        found = await query_or_error(segment_audience.coupon_audience(info.context.actor, to_pk(coupon_id, "couponId")))
        return [SegmentNode.from_model(s) for s in found]

    @strawberry.field(permission_classes=[CanReadShop],
                      description="The segments a serial campaign's registration is restricted to.")
    async def serial_audience(self, info: Info, campaign_id: strawberry.ID) -> list[SegmentNode]:
        found = await query_or_error(segment_audience.serial_audience(
            info.context.actor, to_pk(campaign_id, "campaignId")))
        return [SegmentNode.from_model(s) for s in found]


@strawberry.type
class SegmentMutation:
    @strawberry.mutation(permission_classes=[CanChangeShop])
    async def create_segment(self, info: Info, input: SegmentInputType) -> SegmentPayload:
        return await payload_of(SegmentPayload, "segment", SegmentNode.from_model,
                                segments.create_segment(info.context.actor, input.to_resolver_input()))

    @strawberry.mutation(permission_classes=[CanChangeShop])
    async def update_segment(self, info: Info, id: strawberry.ID, input: SegmentInputType) -> SegmentPayload:
        return await payload_of(SegmentPayload, "segment", SegmentNode.from_model, segments.update_segment(
            info.context.actor, to_pk(id, "id"), input.to_resolver_input()))

    @strawberry.mutation(permission_classes=[CanChangeShop])
    async def delete_segment(self, info: Info, id: strawberry.ID) -> DeleteSegmentPayload:
        return await payload_of(DeleteSegmentPayload, "deleted_id", lambda _: id,
                                segments.delete_segment(info.context.actor, to_pk(id, "id")))

    @strawberry.mutation(permission_classes=[CanChangeShop], description="Recompute as of today, in a job.")
    async def recompute_segment(self, info: Info, id: strawberry.ID) -> JobPayload:
        return await _job_payload(segments.recompute_now(info.context.actor, to_pk(id, "id")))

    @strawberry.mutation(permission_classes=[CanChangeShop], description=(
        "Issue a MANUAL coupon to the members of a snapshot day (the latest by default), in a job whose "
        "result counts issued and skipped members by reason. Running it again issues nothing twice."))
    async def issue_coupon_to_segment(self, info: Info, segment_id: strawberry.ID, coupon_id: strawberry.ID,
                                      day: date | None = None) -> JobPayload:
        return await _job_payload(segment_issuing.start_issue_to_segment(
            info.context.actor, to_pk(segment_id, "segmentId"), to_pk(coupon_id, "couponId"), day))

    @strawberry.mutation(permission_classes=[CanChangeShop],
                         description="Only members of these segments may use the coupon; an empty list: everyone.")
    async def set_coupon_audience(self, info: Info, coupon_id: strawberry.ID,
                                  segment_ids: list[strawberry.ID]) -> AudiencePayload:
        return await _audience_payload(segment_audience.set_coupon_audience(
            info.context.actor, to_pk(coupon_id, "couponId"), _segment_ids(segment_ids)))

    @strawberry.mutation(permission_classes=[CanChangeShop], description=(
        "Only members of these segments or groups may register the campaign's codes; an empty list: everyone."))
    async def set_serial_audience(self, info: Info, campaign_id: strawberry.ID,
                                  segment_ids: list[strawberry.ID]) -> AudiencePayload:
        return await _audience_payload(segment_audience.set_serial_audience(
            info.context.actor, to_pk(campaign_id, "campaignId"), _segment_ids(segment_ids)))

    @strawberry.mutation(permission_classes=[IsOperator], description=(
        "The members of a snapshot day as a file (job). Phones and e-mails are masked unless the "
        "operator's role may change the shop."))
    async def start_segment_export(self, info: Info, segment_id: strawberry.ID, format: ExportFormatEnum,
                                   day: date | None = None) -> JobPayload:
        return await _job_payload(segment_export.start_segment_export(
            info.context.actor, to_pk(segment_id, "segmentId"), format.value, day))
