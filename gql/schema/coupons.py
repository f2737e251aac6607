"""Smart coupons in GraphQL: definitions, codes, issuing, triggers and the global switch."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from gql.resolvers import coupon_codes, coupon_issuing, coupons, shop_settings, wallet
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
    user_errors,
)
from gql.schema.permissions import CanChangeShop, CanReadShop, IsMember
from kupon.privacy import mask_phone
from models.coupons import (
    BenefitKind,
    Channel,
    CodeMode,
    Coupon,
    CouponCode,
    CouponStatus,
    CouponType,
    IssueMethod,
    MemberCoupon,
    MemberCouponStatus,
    TargetScope,
    TriggerEvent,
    UseWindow,
)

CouponTypeEnum = strawberry.enum(CouponType, name="CouponType")
BenefitKindEnum = strawberry.enum(BenefitKind, name="BenefitKind")
TargetScopeEnum = strawberry.enum(TargetScope, name="TargetScope")
ChannelEnum = strawberry.enum(Channel, name="Channel")
IssueMethodEnum = strawberry.enum(IssueMethod, name="IssueMethod")
CodeModeEnum = strawberry.enum(CodeMode, name="CodeMode")
CouponStatusEnum = strawberry.enum(CouponStatus, name="CouponStatus")
UseWindowEnum = strawberry.enum(UseWindow, name="UseWindow")
MemberCouponStatusEnum = strawberry.enum(MemberCouponStatus, name="MemberCouponStatus")
TriggerEventEnum = strawberry.enum(TriggerEvent, name="TriggerEvent")
PeriodStatusEnum = strawberry.enum(coupons.PeriodStatus, name="PeriodStatus")


@strawberry.type
class CouponStats:
    issued: int
    available: int
    used: int
    expired: int
    revoked: int


@strawberry.type(name="CouponCode")
class CouponCodeNode:
    id: strawberry.ID
    code: str
    mode: CodeModeEnum
    given_at: datetime | None
    registered_at: datetime | None
    member_login_id: str | None
    member_name: str | None

    @strawberry.field
    def used(self) -> bool:
        return self.registered_at is not None

    @classmethod
    def from_model(cls, code: CouponCode) -> CouponCodeNode:
        member = code.member if code.member_id else None
        return cls(id=strawberry.ID(str(code.id)), code=code.code, mode=code.mode, given_at=code.given_at,
                   registered_at=code.registered_at, member_login_id=member.login_id if member else None,
                   member_name=member.name if member else None)


@strawberry.type(name="Coupon")
class CouponNode:
    id: strawberry.ID
    name: str
    description: str
    type: CouponTypeEnum
    benefit: BenefitKindEnum
    amount: int
    percent: int
    max_discount: int | None
    gift_name: str
    target_scope: TargetScopeEnum
    target_category_ids: list[int]
    target_product_ids: list[int]
    product_kinds: list[str]
    min_amount: int
    channels: list[ChannelEnum]
    total_limit: int | None
    per_member_limit: int | None
    issued_count: int
    used_count: int
    issue_method: IssueMethodEnum
    code_mode: CodeModeEnum | None
    issue_from: datetime | None
    issue_to: datetime | None
    issue_weekdays: list[int]
    use_window: UseWindowEnum
    use_from: datetime | None
    use_to: datetime | None
    use_days_after_issue: int | None
    use_weekdays: list[int]
    display_from: datetime | None
    display_to: datetime | None
    display_weekdays: list[int]
    issue_status: CouponStatusEnum
    use_status: CouponStatusEnum
    period_status: PeriodStatusEnum
    created_at: datetime
    site_id: strawberry.Private[int | None]
    download_token: strawberry.Private[str]

    @strawberry.field(description="Where members claim a DOWNLOAD coupon (null for other methods).")
    def download_path(self) -> str | None:
        return f"/coupons/{self.download_token}" if self.issue_method == IssueMethod.DOWNLOAD else None

    @strawberry.field(description="Null when the coupon belongs to every site.")
    async def site(self, info: Info) -> SiteType | None:
        if self.site_id is None:
            return None
        return SiteType.from_model(await info.context.loaders.site.load(self.site_id))

    @strawberry.field(permission_classes=[CanReadShop])
    async def stats(self, info: Info) -> CouponStats:
        counts = await info.context.loaders.coupon_stats.load(int(self.id))
        return CouponStats(issued=sum(counts.values()), available=counts["AVAILABLE"], used=counts["USED"],
                           expired=counts["EXPIRED"], revoked=counts["REVOKED"])

    @strawberry.field(permission_classes=[CanReadShop])
    async def codes(self, info: Info, first: int = 20, after: str | None = None,
                    used: bool | None = None, search: str = "") -> Connection[CouponCodeNode]:
        page = await query_or_error(coupon_codes.list_codes(
            info.context.actor, int(self.id), coupon_codes.CodeFilter(used=used, search=search),
            page_request(first, after)))
        return connection_from_page(page, CouponCodeNode.from_model)

    @strawberry.field(permission_classes=[CanReadShop])
    async def member_coupons(self, info: Info, first: int = 20, after: str | None = None,
                             status: MemberCouponStatusEnum | None = None) -> Connection[MemberCouponNode]:
        page = await query_or_error(wallet.holders_of_coupon(info.context.actor, int(self.id), status,
                                                             page_request(first, after)))
        return connection_from_page(page, MemberCouponNode.from_model)

    @classmethod
    def from_model(cls, c: Coupon) -> CouponNode:
        return cls(
            id=strawberry.ID(str(c.id)), name=c.name, description=c.description, type=c.type, benefit=c.benefit,
            amount=c.amount, percent=c.percent, max_discount=c.max_discount, gift_name=c.gift_name,
            target_scope=c.target_scope, target_category_ids=c.target_category_ids,
            target_product_ids=c.target_product_ids, product_kinds=c.product_kinds, min_amount=c.min_amount,
            channels=[Channel(v) for v in c.channel_list], total_limit=c.total_limit,
            per_member_limit=c.per_member_limit, issued_count=c.issued_count, used_count=c.used_count,
            issue_method=c.issue_method, code_mode=c.code_mode, issue_from=c.issue_from, issue_to=c.issue_to,
            issue_weekdays=c.issue_weekdays, use_window=c.use_window, use_from=c.use_from, use_to=c.use_to,
            use_days_after_issue=c.use_days_after_issue, use_weekdays=c.use_weekdays, display_from=c.display_from,
            display_to=c.display_to, display_weekdays=c.display_weekdays, issue_status=c.issue_status,
            use_status=c.use_status, period_status=coupons.period_status(c), created_at=c.created_at,
            site_id=c.site_id, download_token=c.download_token,
        )


@strawberry.type(name="MemberCoupon")
class MemberCouponNode:
    id: strawberry.ID
    status: MemberCouponStatusEnum
    issued_via: IssueMethodEnum
    issued_at: datetime
    expires_at: datetime | None
    used_at: datetime | None
    order_id: strawberry.ID | None
    coupon: CouponNode
    member_id: strawberry.ID
    member_login_id: str | None = None
    member_phone: strawberry.Private[str | None] = None

    @strawberry.field(description="Masked.")
    def member_phone_masked(self) -> str | None:
        return mask_phone(self.member_phone) if self.member_phone else None

    @classmethod
    def from_model(cls, mc: MemberCoupon) -> MemberCouponNode:
        """`mc.coupon` must be fetched already (select_related), so a wallet costs one query."""
        member = mc.member if _loaded(mc, "member") else None
        return cls(
            id=strawberry.ID(str(mc.id)), status=wallet.effective_status(mc), issued_via=mc.issued_via,
            issued_at=mc.issued_at, expires_at=mc.expires_at, used_at=mc.used_at,
            order_id=strawberry.ID(str(mc.order_id)) if mc.order_id else None,
            coupon=CouponNode.from_model(mc.coupon), member_id=strawberry.ID(str(mc.member_id)),
            member_login_id=member.login_id if member else None, member_phone=member.phone if member else None,
        )


def _loaded(instance, relation: str) -> bool:
    """Whether a foreign key was fetched with select_related (never triggers a query)."""
    return f"_{relation}" in instance.__dict__ and instance.__dict__[f"_{relation}"] is not None


@strawberry.input
class CouponInput:
    name: str
    type: CouponTypeEnum
    benefit: BenefitKindEnum
    issue_method: IssueMethodEnum
    site_id: strawberry.ID | None = None
    description: str = ""
    amount: int = 0
    percent: int = 0
    max_discount: int | None = None
    gift_name: str = ""
    target_scope: TargetScopeEnum = TargetScope.ALL
    target_category_ids: list[int] = strawberry.field(default_factory=list)
    target_product_ids: list[int] = strawberry.field(default_factory=list)
    product_kinds: list[str] = strawberry.field(default_factory=list)
    min_amount: int = 0
    channels: list[ChannelEnum] = strawberry.field(default_factory=lambda: list(Channel))
    total_limit: int | None = None
    per_member_limit: int | None = None
    code_mode: CodeModeEnum | None = None
    shared_code: str = ""
    issue_from: datetime | None = None
    issue_to: datetime | None = None
    issue_weekdays: list[int] = strawberry.field(default_factory=list)
    use_window: UseWindowEnum = UseWindow.UNLIMITED
    use_from: datetime | None = None
    use_to: datetime | None = None
    use_days_after_issue: int | None = None
    use_weekdays: list[int] = strawberry.field(default_factory=list)
    display_from: datetime | None = None
    display_to: datetime | None = None
    display_weekdays: list[int] = strawberry.field(default_factory=list)
    issue_status: CouponStatusEnum = CouponStatus.WAITING
    use_status: CouponStatusEnum = CouponStatus.WAITING

    def to_resolver_input(self) -> coupons.CouponInput:
        values = {name: getattr(self, name) for name in coupons.CouponInput.__dataclass_fields__}
        values["site_id"] = to_pk(self.site_id, "siteId")
        values["channels"] = [c.value for c in self.channels]
        for key, value in values.items():
            if hasattr(value, "value") and not isinstance(value, list):
                values[key] = value.value
        return coupons.CouponInput(**values)


@strawberry.input
class CouponFilterInput:
    search: str = ""
    site_id: strawberry.ID | None = None
    type: CouponTypeEnum | None = None
    benefit: BenefitKindEnum | None = None
    issue_method: IssueMethodEnum | None = None
    channel: ChannelEnum | None = None
    issue_status: CouponStatusEnum | None = None
    use_status: CouponStatusEnum | None = None


@strawberry.type
class CouponPayload:
    coupon: CouponNode | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class MemberCouponPayload:
    member_coupon: MemberCouponNode | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class IssuePayload:
    issued: list[MemberCouponNode] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="One per member not issued to; `field` is member:<id>.")


@strawberry.type
class CountPayload:
    count: int = 0
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SwitchPayload:
    enabled: bool
    errors: list[UserError] = strawberry.field(default_factory=list)


async def _coupon_payload(awaitable) -> CouponPayload:
    return await payload_of(CouponPayload, "coupon", CouponNode.from_model, awaitable)


async def _member_coupon_payload(awaitable) -> MemberCouponPayload:
    try:
        member_coupon = await awaitable
    except Refused as refused:
        return MemberCouponPayload(errors=user_errors(refused))
    await member_coupon.fetch_related("coupon")
    return MemberCouponPayload(member_coupon=MemberCouponNode.from_model(member_coupon))


@strawberry.type
class CouponQuery:
    @strawberry.field(permission_classes=[CanReadShop])
    async def coupons(self, info: Info, first: int = 20, after: str | None = None,
                      filter: CouponFilterInput | None = None) -> Connection[CouponNode]:
        f = filter or CouponFilterInput()
        flt = coupons.CouponFilter(
            search=f.search, site_id=to_pk(f.site_id, "siteId"), type=f.type, benefit=f.benefit,
            issue_method=f.issue_method, channel=f.channel, issue_status=f.issue_status, use_status=f.use_status)
        page = await query_or_error(coupons.list_coupons(info.context.actor, flt, page_request(first, after)))
        return connection_from_page(page, CouponNode.from_model)

    @strawberry.field(permission_classes=[CanReadShop])
    async def coupon(self, info: Info, id: strawberry.ID) -> CouponNode | None:
        try:
            return CouponNode.from_model(await coupons.get_coupon(info.context.actor, to_pk(id, "id")))
        except Refused:
            return None

    @strawberry.field(permission_classes=[IsMember], description="The signed-in member's own coupons.")
    async def my_coupons(self, info: Info, status: MemberCouponStatusEnum | None = None, first: int = 50,
                         after: str | None = None) -> Connection[MemberCouponNode]:
        page = await query_or_error(wallet.my_coupons(info.context.actor, status, page_request(first, after)))
        return connection_from_page(page, MemberCouponNode.from_model)

    @strawberry.field(description="Coupons usable in checkout (the global switch).")
    async def coupons_enabled(self) -> bool:
        return await shop_settings.coupons_enabled()


@strawberry.type
class CouponMutation:
    @strawberry.mutation(permission_classes=[CanChangeShop])
    async def create_coupon(self, info: Info, input: CouponInput) -> CouponPayload:
        return await _coupon_payload(coupons.create_coupon(info.context.actor, input.to_resolver_input()))

    @strawberry.mutation(permission_classes=[CanChangeShop])
    async def update_coupon(self, info: Info, id: strawberry.ID, input: CouponInput) -> CouponPayload:
        return await _coupon_payload(coupons.update_coupon(info.context.actor, to_pk(id, "id"),
                                                           input.to_resolver_input()))

    @strawberry.mutation(permission_classes=[CanChangeShop])
    async def copy_coupon(self, info: Info, id: strawberry.ID) -> CouponPayload:
        return await _coupon_payload(coupons.copy_coupon(info.context.actor, to_pk(id, "id")))

    @strawberry.mutation(permission_classes=[CanChangeShop])
    async def set_coupon_status(self, info: Info, id: strawberry.ID, issue_status: CouponStatusEnum | None = None,
                                use_status: CouponStatusEnum | None = None) -> CouponPayload:
        return await _coupon_payload(coupons.set_coupon_status(
            info.context.actor, to_pk(id, "id"), issue_status=issue_status.value if issue_status else None,
            use_status=use_status.value if use_status else None))

    @strawberry.mutation(permission_classes=[CanChangeShop])
    async def issue_coupon(self, info: Info, coupon_id: strawberry.ID,
                           member_ids: list[strawberry.ID]) -> IssuePayload:
        try:
            report = await coupon_issuing.issue_manually(
                info.context.actor, to_pk(coupon_id, "couponId"), [to_pk(m, "memberIds") for m in member_ids])
        except Refused as refused:
            return IssuePayload(errors=user_errors(refused))
        problems = coupon_issuing.problems_for(report)
        return IssuePayload(issued=[MemberCouponNode.from_model(mc) for mc in report.issued],
                            errors=user_errors(Refused(*problems)) if problems else [])

    @strawberry.mutation(permission_classes=[CanChangeShop])
    async def generate_coupon_codes(self, info: Info, coupon_id: strawberry.ID, count: int) -> CountPayload:
        try:
            created = await coupon_codes.generate_individual_codes(info.context.actor,
                                                                   to_pk(coupon_id, "couponId"), count)
        except Refused as refused:
            return CountPayload(errors=user_errors(refused))
        return CountPayload(count=created)

    @strawberry.mutation(permission_classes=[CanChangeShop])
    async def give_coupon_code(self, info: Info, code_id: strawberry.ID,
                               member_id: strawberry.ID) -> MemberCouponPayload:
        return await _member_coupon_payload(coupon_codes.give_code(
            info.context.actor, to_pk(code_id, "codeId"), to_pk(member_id, "memberId")))

    @strawberry.mutation(permission_classes=[CanChangeShop])
    async def revoke_member_coupon(self, info: Info, id: strawberry.ID) -> MemberCouponPayload:
        return await _member_coupon_payload(coupon_issuing.revoke_member_coupon(info.context.actor, to_pk(id, "id")))

    @strawberry.mutation(permission_classes=[CanChangeShop])
    async def set_coupon_trigger(self, info: Info, event: TriggerEventEnum, coupon_id: strawberry.ID,
                                 active: bool = True) -> CouponPayload:
        async def set_and_return():
            trigger = await coupon_issuing.set_trigger(info.context.actor, event.value,
                                                       to_pk(coupon_id, "couponId"), active)
            return await Coupon.get(id=trigger.coupon_id)

        return await _coupon_payload(set_and_return())

    @strawberry.mutation(permission_classes=[CanChangeShop])
    async def set_coupons_enabled(self, info: Info, enabled: bool) -> SwitchPayload:
        try:
            return SwitchPayload(enabled=await shop_settings.set_coupons_enabled(info.context.actor, enabled))
        except Refused as refused:
            return SwitchPayload(enabled=await shop_settings.coupons_enabled(), errors=user_errors(refused))

    @strawberry.mutation(permission_classes=[IsMember], description="Register a coupon code into my wallet.")
    async def register_coupon_code(self, info: Info, code: str) -> MemberCouponPayload:
        return await _member_coupon_payload(coupon_codes.register_code(info.context.actor, code))

    @strawberry.mutation(permission_classes=[IsMember], description="Claim a DOWNLOAD coupon by its token.")
    async def download_coupon(self, info: Info, token: str) -> MemberCouponPayload:
        return await _member_coupon_payload(coupon_issuing.download_coupon(info.context.actor, token))
