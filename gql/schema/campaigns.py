"""Campaigns in GraphQL: the list, a campaign with its runs, statistics and performance, creating,
changing and cancelling (until it goes out), the operator's coupon message draft, the preview as
the member sees it, the member search for picking by hand, the message credit and the
compliance list. Operators and read-only API keys (dashboards) read; operators who can change
the shop write; only the OWNER tops up the credit. Times are instants (ISO 8601 with an offset;
one without an offset is read as Asia/Seoul wall-clock time)."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from gql.resolvers import campaign_stats, campaign_views, campaigns, message_credit
from gql.resolvers.campaign_stats import Counts, Performance
from gql.resolvers.campaigns import CampaignInput, PreviewInput, TemplateInput
from gql.resolvers.errors import REASONS, Refused
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
from gql.schema.permissions import CanChangeShop, CanReadShop, IsOperator, IsOwner
from kupon.timeutil import SEOUL
from models.campaigns import (
    Campaign,
    CampaignChannel,
    CampaignRun,
    CampaignStatus,
    ComplianceEvent,
    CouponMessageTemplate,
    CreditEntry,
    CreditKind,
    MessageType,
    RunStatus,
    ScheduleKind,
)

MessageTypeEnum = strawberry.enum(MessageType, name="MessageType")
CampaignChannelEnum = strawberry.enum(CampaignChannel, name="CampaignChannel")
ScheduleKindEnum = strawberry.enum(ScheduleKind, name="CampaignSchedule")
CampaignStatusEnum = strawberry.enum(CampaignStatus, name="CampaignStatus")
RunStatusEnum = strawberry.enum(RunStatus, name="CampaignRunStatus")
CreditKindEnum = strawberry.enum(CreditKind, name="CreditKind")


def _instant(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=SEOUL)
    return value


@strawberry.type(name="ExclusionCount")
class ReasonCount:
    reason: str
    count: int

    @strawberry.field
    def message(self) -> str:
        return REASONS.get(self.reason, (self.reason, self.reason))[0]

    @strawberry.field
    def message_ko(self) -> str:
        return REASONS.get(self.reason, (self.reason, self.reason))[1]


@strawberry.type(name="CampaignCounts", description="Targets are every message row of the run(s); the send rate "
                 "is sent / targets.")
class CountsType:
    targets: int
    queued: int
    sent: int
    failed: int
    excluded_total: int
    excluded: list[ReasonCount]
    send_rate: float
    spent: int = strawberry.field(description="Won charged for the sent messages.")

    @classmethod
    def of(cls, c: Counts) -> CountsType:
        return cls(targets=c.targets, queued=c.queued, sent=c.sent, failed=c.failed, excluded_total=c.excluded_total,
                   excluded=[ReasonCount(reason=r, count=n) for r, n in sorted(c.excluded.items())],
                   send_rate=c.send_rate, spent=c.spent)


@strawberry.type(name="CampaignRun")
class RunType:
    id: strawberry.ID
    scheduled_for: datetime
    status: RunStatusEnum
    started_at: datetime | None
    finished_at: datetime | None
    resume_at: datetime | None
    pause_reason: str
    counts: CountsType

    @classmethod
    def of(cls, run: CampaignRun, counts: Counts) -> RunType:
        return cls(id=strawberry.ID(str(run.id)), scheduled_for=run.scheduled_for, status=run.status,
                   started_at=run.started_at, finished_at=run.finished_at, resume_at=run.resume_at,
                   pause_reason=run.pause_reason, counts=CountsType.of(counts))


@strawberry.type(name="CampaignPerformance", description="Within `days` after each recipient's message.")
class PerformanceType:
    run_id: strawberry.ID | None
    days: int
    recipients: int
    visitors: int
    visits: int
    buyers: int
    orders: int
    revenue: int
    downloads: int
    redemptions: int
    visit_rate: float
    purchase_rate: float

    @classmethod
    def of(cls, p: Performance) -> PerformanceType:
        return cls(run_id=strawberry.ID(str(p.run_id)) if p.run_id else None, days=p.days, recipients=p.recipients,
                   visitors=p.visitors, visits=p.visits, buyers=p.buyers, orders=p.orders, revenue=p.revenue,
                   downloads=p.downloads, redemptions=p.redemptions, visit_rate=p.visit_rate,
                   purchase_rate=p.purchase_rate)


@strawberry.type(name="Campaign")
class CampaignType:
    id: strawberry.ID
    name: str
    message_type: MessageTypeEnum
    channel: CampaignChannelEnum
    fallback_to_sms: bool
    subject: str
    text: str
    coupon_block: JSON | None = strawberry.field(description="kind PERCENT|WON|GIFT, percent|amount|giftName, name, "
                                                 "couponId, url (the coupon's download path), description, validity.")
    targets: JSON = strawberry.field(description="segment_ids, groups, filters (a segment tree), member_ids.")
    schedule: ScheduleKindEnum
    send_at: datetime | None
    repeat_every_days: int | None
    repeat_time: str | None = strawberry.field(description="HH:MM, Asia/Seoul.")
    start_date: date | None
    end_date: date | None
    visited_within_days: int | None
    skip_messaged_within_days: int | None
    never_twice: bool
    performance_days: int | None
    status: CampaignStatusEnum
    next_run_at: datetime | None
    created_at: datetime

    @strawberry.field(description="The totals over every run.")
    async def stats(self, info: Info) -> CountsType:
        found = await query_or_error(campaign_stats.campaign_stats(info.context.actor, int(self.id)))
        return CountsType.of(found.counts)

    @strawberry.field(description="The runs with their figures, newest first (the history).")
    async def runs(self, info: Info) -> list[RunType]:
        found = await query_or_error(campaign_stats.campaign_stats(info.context.actor, int(self.id)))
        return [RunType.of(r.run, r.counts) for r in found.runs]

    @strawberry.field(description="The whole campaign (each recipient once), or one item per run.")
    async def performance(self, info: Info, per_run: bool = False) -> list[PerformanceType]:
        found = await query_or_error(campaign_stats.performance(info.context.actor, int(self.id), per_run))
        return [PerformanceType.of(p) for p in found]

    @strawberry.field(description="True until it goes out (or is cancelled).")
    async def changeable(self, info: Info) -> bool:
        return self.status in campaigns.EDITABLE and not await campaign_views.has_runs(info.context.actor,
                                                                                        int(self.id))

    @classmethod
    def from_model(cls, c: Campaign) -> CampaignType:
        return cls(id=strawberry.ID(str(c.id)), name=c.name, message_type=c.message_type, channel=c.channel,
                   fallback_to_sms=c.fallback_to_sms, subject=c.subject, text=c.text, coupon_block=c.coupon_block,
                   targets=c.targets, schedule=c.schedule, send_at=c.send_at, repeat_every_days=c.repeat_every_days,
                   repeat_time=c.repeat_time, start_date=c.start_date, end_date=c.end_date,
                   visited_within_days=c.visited_within_days, skip_messaged_within_days=c.skip_messaged_within_days,
                   never_twice=c.never_twice, performance_days=c.performance_days, status=c.status,
                   next_run_at=c.next_run_at, created_at=c.created_at)


@strawberry.input(name="CampaignInput")
class CampaignInputType:
    name: str
    message_type: MessageTypeEnum
    channel: CampaignChannelEnum
    text: str
    targets: JSON
    schedule: ScheduleKindEnum = ScheduleKind.NOW
    fallback_to_sms: bool = False
    subject: str = ""
    coupon_block: JSON | None = None
    send_at: datetime | None = None
    repeat_every_days: int | None = None
    repeat_time: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    visited_within_days: int | None = None
    skip_messaged_within_days: int | None = None
    never_twice: bool = False
    performance_days: int | None = None

    def to_resolver_input(self) -> CampaignInput:
        return CampaignInput(
            name=self.name, message_type=self.message_type.value, channel=self.channel.value, text=self.text,
            targets=self.targets if isinstance(self.targets, dict) else {}, schedule=self.schedule.value,
            fallback_to_sms=self.fallback_to_sms, subject=self.subject, coupon_block=self.coupon_block,
            send_at=_instant(self.send_at), repeat_every_days=self.repeat_every_days, repeat_time=self.repeat_time,
            start_date=self.start_date, end_date=self.end_date, visited_within_days=self.visited_within_days,
            skip_messaged_within_days=self.skip_messaged_within_days, never_twice=self.never_twice,
            performance_days=self.performance_days)


@strawberry.type
class CampaignPayload:
    campaign: CampaignType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(name="CouponMessageTemplate")
class TemplateType:
    channel: CampaignChannelEnum
    text: str
    coupon_block: JSON
    updated_at: datetime

    @classmethod
    def from_model(cls, t: CouponMessageTemplate) -> TemplateType:
        return cls(channel=t.channel, text=t.text, coupon_block=t.coupon_block, updated_at=t.updated_at)


@strawberry.input(name="CouponMessageTemplateInput")
class TemplateInputType:
    channel: CampaignChannelEnum
    text: str
    coupon_block: JSON


@strawberry.type
class TemplatePayload:
    template: TemplateType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input(name="MessagePreviewInput")
class PreviewInputType:
    message_type: MessageTypeEnum
    channel: CampaignChannelEnum
    text: str
    subject: str = ""
    coupon_block: JSON | None = None
    fallback_to_sms: bool = False


@strawberry.type(name="MessageButton")
class ButtonType:
    name: str
    url: str


@strawberry.type(name="MessagePreview")
class PreviewType:
    subject: str
    text: str
    buttons: list[ButtonType]
    sms_bytes: int | None = strawberry.field(description="EUC-KR bytes, for SMS and Kakao with SMS fallback.")
    sms_kind: str | None = strawberry.field(description="SMS (up to 90 bytes), LMS (up to 2,000) or TOO_LONG.")
    member_name: str


@strawberry.type
class PreviewPayload:
    preview: PreviewType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(name="PickableMember", description="A member found to pick by hand; the phone is always masked.")
class PickableMemberType:
    id: strawberry.ID
    name: str
    phone: str
    grade: str
    login_id: str


@strawberry.type(name="CreditEntry")
class CreditEntryType:
    id: strawberry.ID
    kind: CreditKindEnum
    amount: int = strawberry.field(description="Won: positive for top-ups and refunds, negative for charges.")
    note: str
    at: datetime
    message_id: strawberry.ID | None

    @classmethod
    def from_model(cls, e: CreditEntry) -> CreditEntryType:
        return cls(id=strawberry.ID(str(e.id)), kind=e.kind, amount=e.amount, note=e.note, at=e.at,
                   message_id=strawberry.ID(str(e.message_id)) if e.message_id else None)


@strawberry.type
class CreditPayload:
    entry: CreditEntryType | None = None
    balance: int | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(name="ChannelSpending")
class SpendingType:
    channel: str
    messages: int
    amount: int


@strawberry.type(name="ComplianceEvent")
class ComplianceEventType:
    id: strawberry.ID
    campaign_id: strawberry.ID | None
    run_id: strawberry.ID | None
    kind: str
    reason: str
    detail: JSON
    at: datetime

    @classmethod
    def from_model(cls, e: ComplianceEvent) -> ComplianceEventType:
        campaign_id = strawberry.ID(str(e.campaign_id)) if e.campaign_id else None
        return cls(id=strawberry.ID(str(e.id)), campaign_id=campaign_id, kind=e.kind, reason=e.reason,
                   run_id=strawberry.ID(str(e.run_id)) if e.run_id else None, detail=e.detail, at=e.at)


@strawberry.type(name="CampaignExclusion")
class ExclusionType:
    campaign_id: strawberry.ID
    campaign_name: str
    reason: str
    count: int


@strawberry.type
class CampaignQuery:
    @strawberry.field(permission_classes=[CanReadShop], description="Newest first.")
    async def campaigns(self, info: Info, first: int = 20, after: str | None = None,
                        status: CampaignStatusEnum | None = None, search: str = "") -> Connection[CampaignType]:
        page = await query_or_error(campaigns.list_campaigns(
            info.context.actor, page_request(first, after), status.value if status else None, search))
        return connection_from_page(page, CampaignType.from_model)

    @strawberry.field(permission_classes=[CanReadShop])
    async def campaign(self, info: Info, id: strawberry.ID) -> CampaignType | None:
        try:
            return CampaignType.from_model(await campaigns.get_campaign(info.context.actor, to_pk(id, "id")))
        except Refused:
            return None

    @strawberry.field(permission_classes=[IsOperator], description="The signed-in operator's draft, if any.")
    async def message_template(self, info: Info) -> TemplateType | None:
        found = await query_or_error(campaigns.message_template(info.context.actor))
        return TemplateType.from_model(found) if found else None

    @strawberry.field(permission_classes=[CanReadShop], description=(
        "The message as the member sees it on the channel: a sample member, or `memberId`."))
    async def preview_message(self, info: Info, input: PreviewInputType,
                              member_id: strawberry.ID | None = None) -> PreviewPayload:
        data = PreviewInput(message_type=input.message_type.value, channel=input.channel.value, text=input.text,
                            subject=input.subject, coupon_block=input.coupon_block,
                            fallback_to_sms=input.fallback_to_sms)
        try:
            found = await campaigns.preview_message(info.context.actor, data, to_pk(member_id, "memberId"))
        except Refused as refused:
            return PreviewPayload(errors=user_errors(refused))
        return PreviewPayload(preview=PreviewType(
            subject=found.subject, text=found.text, buttons=[ButtonType(name=n, url=u) for n, u in found.buttons],
            sms_bytes=found.sms_bytes, sms_kind=found.sms_kind, member_name=found.member_name))

    @strawberry.field(permission_classes=[CanReadShop], description=(
        "Active members by name, the last four digits of the phone, or the full phone (at most 50)."))
    async def member_search(self, info: Info, term: str, first: int = 20) -> list[PickableMemberType]:
        found = await query_or_error(campaigns.search_members(info.context.actor, term, first))
        return [PickableMemberType(id=strawberry.ID(str(m.id)), name=m.name, phone=m.phone_masked, grade=m.grade,
                                   login_id=m.login_id) for m in found]

    @strawberry.field(permission_classes=[CanReadShop], description="The prepaid message credit in won.")
    async def credit_balance(self, info: Info) -> int:
        return await query_or_error(campaign_stats.balance(info.context.actor))

    @strawberry.field(permission_classes=[CanReadShop], description="Top-ups, charges and refunds, newest first.")
    async def credit_entries(self, info: Info, first: int = 20, after: str | None = None,
                             kind: CreditKindEnum | None = None) -> Connection[CreditEntryType]:
        page = await query_or_error(message_credit.credit_entries(
            info.context.actor, page_request(first, after), CreditKind(kind.value) if kind else None))
        return connection_from_page(page, CreditEntryType.from_model)

    @strawberry.field(permission_classes=[CanReadShop], description="Won spent per channel over [since, until).")
    async def credit_spending(self, info: Info, since: datetime | None = None,
                              until: datetime | None = None) -> list[SpendingType]:
        found = await query_or_error(campaign_stats.spending_by_channel(
            info.context.actor, _instant(since), _instant(until)))
        return [SpendingType(channel=s.channel, messages=s.messages, amount=s.amount) for s in found]

    @strawberry.field(permission_classes=[CanReadShop], description="What the advertising rules refused or deferred.")
    async def compliance_events(self, info: Info, first: int = 20, after: str | None = None, kind: str = "",
                                campaign_id: strawberry.ID | None = None) -> Connection[ComplianceEventType]:
        page = await query_or_error(campaign_stats.compliance_events(
            info.context.actor, page_request(first, after), kind, to_pk(campaign_id, "campaignId")))
        return connection_from_page(page, ComplianceEventType.from_model)

    @strawberry.field(permission_classes=[CanReadShop], description="Excluded messages by campaign and reason.")
    async def campaign_exclusions(self, info: Info, campaign_id: strawberry.ID | None = None) -> list[ExclusionType]:
        found = await query_or_error(campaign_stats.exclusions(info.context.actor, to_pk(campaign_id, "campaignId")))
        return [ExclusionType(campaign_id=strawberry.ID(str(e.campaign_id)), campaign_name=e.campaign_name,
                              reason=e.reason, count=e.count) for e in found]


async def _campaign_payload(awaitable) -> CampaignPayload:
    return await payload_of(CampaignPayload, "campaign", CampaignType.from_model, awaitable)


@strawberry.type
class CampaignMutation:
    @strawberry.mutation(permission_classes=[CanChangeShop], description="Every problem is returned at once.")
    async def create_campaign(self, info: Info, input: CampaignInputType) -> CampaignPayload:
        return await _campaign_payload(campaigns.create_campaign(info.context.actor, input.to_resolver_input()))

    @strawberry.mutation(permission_classes=[CanChangeShop], description="Until it goes out.")
    async def update_campaign(self, info: Info, id: strawberry.ID, input: CampaignInputType) -> CampaignPayload:
        return await _campaign_payload(campaigns.update_campaign(
            info.context.actor, to_pk(id, "id"), input.to_resolver_input()))

    @strawberry.mutation(permission_classes=[CanChangeShop], description=(
        "Until it goes out; a repeating campaign can also be stopped after it ran."))
    async def cancel_campaign(self, info: Info, id: strawberry.ID) -> CampaignPayload:
        return await _campaign_payload(campaigns.cancel_campaign(info.context.actor, to_pk(id, "id")))

    @strawberry.mutation(permission_classes=[CanChangeShop], description="Overwrites the operator's one draft.")
    async def save_message_template(self, info: Info, input: TemplateInputType) -> TemplatePayload:
        data = TemplateInput(channel=input.channel.value, text=input.text, coupon_block=input.coupon_block)
        return await payload_of(TemplatePayload, "template", TemplateType.from_model,
                                campaigns.save_message_template(info.context.actor, data))

    @strawberry.mutation(permission_classes=[IsOwner], description="Add won to the prepaid message credit.")
    async def top_up_credit(self, info: Info, amount: int, note: str = "") -> CreditPayload:
        try:
            entry = await message_credit.top_up_credit(info.context.actor, amount, note)
        except Refused as refused:
            return CreditPayload(errors=user_errors(refused))
        return CreditPayload(entry=CreditEntryType.from_model(entry),
                             balance=await message_credit.credit_balance())
