"""Serial code campaigns in GraphQL: operators define them, members register codes."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from gql.resolvers import code_exports, code_imports, serials
from gql.resolvers.errors import Refused
from gql.schema.code_transfer import CodeImportPayload, ExportFormatEnum, export_payload, import_payload
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
from gql.schema.coupons import ChannelEnum, CouponNode, MemberCouponNode
from gql.schema.jobs import JobPayload, JobType
from gql.schema.members import GradeEnum
from gql.schema.permissions import CanChangeShop, CanReadShop, IsMember
from kupon.privacy import mask_code
from models.codes import Code
from models.coupons import Channel
from models.serials import SerialCampaign, SerialStatus, SerialType

SerialTypeEnum = strawberry.enum(SerialType, name="SerialType")
SerialStatusEnum = strawberry.enum(SerialStatus, name="SerialStatus")


@strawberry.type
class SerialRewardNode:
    coupon: CouponNode
    quantity: int


@strawberry.type(name="SerialCode")
class SerialCodeNode:
    raw_code: strawberry.Private[str]
    registrations: int
    created_at: datetime

    @strawberry.field(description="Masked (last 4 characters) for callers who cannot change shop data.")
    def code(self, info: Info) -> str:
        return self.raw_code if info.context.actor.can_change_shop else mask_code(self.raw_code)

    @classmethod
    def from_model(cls, code: Code) -> SerialCodeNode:
        return cls(raw_code=code.code, registrations=code.registrations, created_at=code.created_at)


@strawberry.type(name="SerialCampaign")
class SerialCampaignNode:
    id: strawberry.ID
    name: str
    type: SerialTypeEnum
    status: SerialStatusEnum
    channels: list[ChannelEnum]
    register_from: datetime | None
    register_to: datetime | None
    member_grades: list[str]
    quantity_limit: int | None
    registered_count: int
    per_member_limit: int
    created_at: datetime

    @strawberry.field
    async def rewards(self) -> list[SerialRewardNode]:
        rows = (await serials.rewards_of([int(self.id)]))[0]
        return [SerialRewardNode(coupon=CouponNode.from_model(r.coupon), quantity=r.quantity) for r in rows]

    @strawberry.field(permission_classes=[CanReadShop])
    async def codes(self, info: Info, first: int = 20, after: str | None = None,
                    used: bool | None = None) -> Connection[SerialCodeNode]:
        page = await query_or_error(serials.list_serial_codes(info.context.actor, int(self.id), used,
                                                              page_request(first, after)))
        return connection_from_page(page, SerialCodeNode.from_model)

    @classmethod
    def from_model(cls, c: SerialCampaign) -> SerialCampaignNode:
        return cls(id=strawberry.ID(str(c.id)), name=c.name, type=c.type, status=c.status,
                   channels=[Channel(v) for v in c.channel_list], register_from=c.register_from,
                   register_to=c.register_to, member_grades=c.member_grades, quantity_limit=c.quantity_limit,
                   registered_count=c.registered_count, per_member_limit=c.per_member_limit, created_at=c.created_at)


@strawberry.input
class SerialRewardInput:
    coupon_id: strawberry.ID
    quantity: int = 1


@strawberry.input
class SerialCampaignInput:
    name: str
    type: SerialTypeEnum
    rewards: list[SerialRewardInput]
    site_id: strawberry.ID | None = None
    channels: list[ChannelEnum] = strawberry.field(default_factory=lambda: list(Channel))
    register_from: datetime | None = None
    register_to: datetime | None = None
    member_grades: list[GradeEnum] = strawberry.field(default_factory=list)
    quantity_limit: int | None = None
    per_member_limit: int = 1
    fixed_code: str = ""
    code_prefix: str = ""
    code_pattern: str = ""
    code_length: int = 12
    status: SerialStatusEnum = SerialStatus.ACTIVE

    def to_resolver_input(self) -> serials.SerialInput:
        return serials.SerialInput(
            name=self.name, type=self.type.value,
            rewards=[(to_pk(r.coupon_id, "rewards"), r.quantity) for r in self.rewards],
            site_id=to_pk(self.site_id, "siteId"), channels=[c.value for c in self.channels],
            register_from=self.register_from, register_to=self.register_to,
            member_grades=[g.value for g in self.member_grades], quantity_limit=self.quantity_limit,
            per_member_limit=self.per_member_limit, fixed_code=self.fixed_code, code_prefix=self.code_prefix,
            code_pattern=self.code_pattern, code_length=self.code_length, status=self.status.value)


@strawberry.type
class SerialCampaignPayload:
    campaign: SerialCampaignNode | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SerialJobPayload:
    job: JobType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SerialRegistrationPayload:
    coupons: list[MemberCouponNode] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)


def client_address(info: Info) -> str:
    client = getattr(info.context.request, "client", None)
    return client.host if client else ""


@strawberry.type
class SerialQuery:
    @strawberry.field(permission_classes=[CanReadShop])
    async def serial_campaigns(self, info: Info, first: int = 20, after: str | None = None,
                               search: str = "") -> Connection[SerialCampaignNode]:
        page = await query_or_error(serials.list_serial_campaigns(info.context.actor, search,
                                                                  page_request(first, after)))
        return connection_from_page(page, SerialCampaignNode.from_model)

    @strawberry.field(permission_classes=[CanReadShop])
    async def serial_campaign(self, info: Info, id: strawberry.ID) -> SerialCampaignNode | None:
        try:
            return SerialCampaignNode.from_model(await serials.get_serial_campaign(info.context.actor, to_pk(id, "id")))
        except Refused:
            return None


@strawberry.type
class SerialMutation:
    @strawberry.mutation(permission_classes=[CanChangeShop])
    async def create_serial_campaign(self, info: Info, input: SerialCampaignInput) -> SerialCampaignPayload:
        return await payload_of(SerialCampaignPayload, "campaign", SerialCampaignNode.from_model,
                                serials.create_serial_campaign(info.context.actor, input.to_resolver_input()))

    @strawberry.mutation(permission_classes=[CanChangeShop])
    async def update_serial_campaign(self, info: Info, id: strawberry.ID,
                                     input: SerialCampaignInput) -> SerialCampaignPayload:
        return await payload_of(SerialCampaignPayload, "campaign", SerialCampaignNode.from_model,
                                serials.update_serial_campaign(info.context.actor, to_pk(id, "id"),
                                                               input.to_resolver_input()))

    @strawberry.mutation(permission_classes=[CanChangeShop], description="More RANDOM codes, made by a job.")
    async def add_serial_codes(self, info: Info, campaign_id: strawberry.ID, count: int) -> SerialJobPayload:
        return await payload_of(SerialJobPayload, "job", JobType.from_model,
                                serials.add_random_codes(info.context.actor, to_pk(campaign_id, "campaignId"), count))

    @strawberry.mutation(permission_classes=[IsMember],
                         description="Register a serial code; its rewards land in my wallet.")
    async def register_serial_code(self, info: Info, code: str, channel: ChannelEnum) -> SerialRegistrationPayload:
        try:
            result = await serials.register_serial(info.context.actor, code, channel.value, client_address(info))
        except Refused as refused:
            return SerialRegistrationPayload(errors=user_errors(refused))
        for member_coupon in result.coupons:
            await member_coupon.fetch_related("coupon")
        return SerialRegistrationPayload(coupons=[MemberCouponNode.from_model(mc) for mc in result.coupons])

    # --- Import and export of codes (gql.resolvers.code_imports, gql.resolvers.code_exports) ---
    @strawberry.mutation(permission_classes=[CanChangeShop],
                         description="Printed codes into a RANDOM campaign, from CSV text (column code); its "
                                     "quantity grows by the number imported. All or nothing unless keepGoodRows.")
    async def import_serial_codes(self, info: Info, campaign_id: strawberry.ID, csv: str,
                                  keep_good_rows: bool = False) -> CodeImportPayload:
        return await import_payload(code_imports.import_serial_codes(
            info.context.actor, to_pk(campaign_id, "campaignId"), csv, keep_good_rows))

    @strawberry.mutation(permission_classes=[CanChangeShop],
                         description="A job writing the campaign's codes (code, registrations, created) to a "
                                     "file; download it from the job's downloadPath.")
    async def start_serial_code_export(self, info: Info, campaign_id: strawberry.ID,
                                       format: ExportFormatEnum) -> JobPayload:
        return await export_payload(code_exports.start_serial_code_export(
            info.context.actor, to_pk(campaign_id, "campaignId"), format.value))
