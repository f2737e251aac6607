"""Legacy coupon migration in GraphQL (SPEC 3): import for scripts, search, detail, targets, requests,
applications. Operators only; read-only API keys may read the search (legacyCoupons)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import strawberry
from strawberry.types import Info

from gql.resolvers import legacy, legacy_applications, legacy_import
from gql.resolvers.errors import REASONS, Problem, Refused
from gql.schema.code_transfer import RejectedImportRowNode
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
from kupon.privacy import mask_email, mask_phone
from models.legacy import (
    ApplicationStatus,
    LegacyCoupon,
    LegacyEvent,
    LegacyIssueStatus,
    LegacyKind,
    LegacyRecord,
    MigrationApplication,
    MigrationStage,
    PaperMethod,
)

MAX_ROWS_PER_CALL = 10_000
LegacyKindEnum = strawberry.enum(LegacyKind, name="LegacyKind")
LegacyIssueStatusEnum = strawberry.enum(LegacyIssueStatus, name="LegacyIssueStatus")
PaperMethodEnum = strawberry.enum(PaperMethod, name="PaperMethod")
MigrationStageEnum = strawberry.enum(MigrationStage, name="MigrationStage")
LegacyEventEnum = strawberry.enum(LegacyEvent, name="LegacyEvent")
ApplicationStatusEnum = strawberry.enum(ApplicationStatus, name="MigrationApplicationStatus")
SmartCouponActionEnum = strawberry.enum(legacy.SmartCouponAction, name="SmartCouponAction")
LegacyConditionEnum = strawberry.enum(legacy.LegacyCondition, name="LegacyCondition")


@strawberry.type(name="LegacyRecord")
class LegacyRecordNode:
    id: strawberry.ID
    member_login_id: str
    member_id: strawberry.ID | None = strawberry.field(description="None: no kupon member has this login id.")
    code: str
    issued_at: datetime | None
    used_at: datetime | None
    order_ref: str
    member_coupon_id: strawberry.ID | None = strawberry.field(description="Set once the record is migrated.")
    moved_at: datetime | None

    @classmethod
    def from_model(cls, r: LegacyRecord) -> LegacyRecordNode:
        def pk(value):
            return strawberry.ID(str(value)) if value is not None else None

        return cls(id=strawberry.ID(str(r.id)), member_login_id=r.member_login_id, member_id=pk(r.member_id),
                   code=r.code, issued_at=r.issued_at, used_at=r.used_at, order_ref=r.order_ref,
                   member_coupon_id=pk(r.member_coupon_id), moved_at=r.moved_at)


@strawberry.type(name="LegacyCoupon")
class LegacyCouponNode:
    id: strawberry.ID
    kind: LegacyKindEnum
    number: str
    name: str
    description: str
    benefit: str
    issue_from: datetime | None
    issue_to: datetime | None
    issue_days: int | None = strawberry.field(description="\"N days after issue\" instead of issue dates.")
    display_from: datetime | None
    display_to: datetime | None
    issue_status: LegacyIssueStatusEnum
    paper_method: PaperMethodEnum | None
    issued_count: int
    used_count: int
    available_count: int
    eligible: bool
    ineligibility: UserError | None = strawberry.field(
        description="Why it cannot migrate: ISSUANCE_EXPIRED, NO_ISSUE_HISTORY or NO_USABLE_COUPONS "
                    "(the first that applies).")
    action: SmartCouponActionEnum
    target_coupon_id: strawberry.ID | None
    target_serial_id: strawberry.ID | None
    stage: MigrationStageEnum
    requested_at: datetime | None
    migrated_at: datetime | None

    @strawberry.field(permission_classes=[IsOperator])
    async def records(self, info: Info, first: int = 20, after: str | None = None,
                      unmatched_only: bool = False) -> Connection[LegacyRecordNode]:
        page = await query_or_error(legacy.list_legacy_records(info.context.actor, int(self.id),
                                                               page_request(first, after), unmatched_only))
        return connection_from_page(page, LegacyRecordNode.from_model)

    @classmethod
    def from_model(cls, c: LegacyCoupon) -> LegacyCouponNode:
        reason = legacy.ineligibility(c)
        ids = {name: strawberry.ID(str(value)) if value is not None else None
               for name, value in (("target_coupon_id", c.target_coupon_id), ("target_serial_id", c.target_serial_id))}
        return cls(id=strawberry.ID(str(c.id)), kind=c.kind, number=c.number, name=c.name, description=c.description,
                   benefit=c.benefit, issue_from=c.issue_from, issue_to=c.issue_to, issue_days=c.issue_days,
                   display_from=c.display_from, display_to=c.display_to, issue_status=c.issue_status,
                   paper_method=c.paper_method, issued_count=c.issued_count, used_count=c.used_count,
                   available_count=c.available_count, eligible=reason is None,
                   ineligibility=user_errors(Refused.because(reason))[0] if reason else None,
                   action=legacy.smart_coupon_action(c), stage=c.stage, requested_at=c.requested_at,
                   migrated_at=c.migrated_at, **ids)


@strawberry.type(name="MigrationApplication")
class MigrationApplicationNode:
    id: strawberry.ID
    wished_date: date
    consent: bool
    consented_at: datetime | None
    status: ApplicationStatusEnum
    scheduled_at: datetime | None
    moved_count: int
    already_count: int
    unmatched_count: int
    erased_at: datetime | None = strawberry.field(description="When the applicant's personal data was erased.")
    created_at: datetime
    raw: strawberry.Private[MigrationApplication]

    @strawberry.field(description="Masked for operators who cannot change shop data; empty once erased.")
    def applicant_name(self, info: Info) -> str:
        name = self.raw.applicant_name
        return name if info.context.actor.can_change_shop or not name else name[0] + "*" * (len(name) - 1)

    @strawberry.field
    def applicant_email(self, info: Info) -> str:
        email = self.raw.applicant_email
        return email if info.context.actor.can_change_shop or not email else mask_email(email)

    @strawberry.field
    def applicant_phone(self, info: Info) -> str:
        phone = self.raw.applicant_phone
        return phone if info.context.actor.can_change_shop or not phone else mask_phone(phone)

    @strawberry.field
    async def legacy_coupons(self) -> list[LegacyCouponNode]:
        return [LegacyCouponNode.from_model(c) for c in await legacy_applications.application_coupons(int(self.id))]

    @classmethod
    def from_model(cls, a: MigrationApplication) -> MigrationApplicationNode:
        return cls(id=strawberry.ID(str(a.id)), wished_date=a.wished_date, consent=a.consent,
                   consented_at=a.consented_at, status=a.status, scheduled_at=a.scheduled_at,
                   moved_count=a.moved_count, already_count=a.already_count, unmatched_count=a.unmatched_count,
                   erased_at=a.erased_at, created_at=a.created_at, raw=a)


# Import rows (the file columns of README "Legacy coupon import", as text) -------------------------------

@strawberry.input
class LegacyCouponRowInput:
    number: str
    kind: str = strawberry.field(description="JACKPOT or PAPER (왕대박, 紙종이 also accepted).")
    name: str
    issue_status: str = strawberry.field(description="AVAILABLE or EXPIRED (가능, 만료).")
    description: str = ""
    benefit: str = ""
    issue_from: str = strawberry.field(default="", description="Seoul time: 2021-02-18 or 2021-02-18 10:00.")
    issue_to: str = ""
    issue_days: str = ""
    display_from: str = ""
    display_to: str = ""
    paper_method: str = strawberry.field(default="", description="SAME_SERIAL or RANDOM_SERIALS (paper only).")
    paper_code: str = ""


@strawberry.input
class LegacyRecordRowInput:
    coupon_number: str
    member_login_id: str = ""
    code: str = ""
    issued_at: str = ""
    used_at: str = ""
    order_ref: str = ""
    record_id: str = strawberry.field(default="", description="The old system's record id, when it has one.")


@strawberry.input
class LegacyTriggerRowInput:
    event: LegacyEventEnum
    coupon_number: str
    note: str = ""


@strawberry.type(name="LegacyImportReport")
class LegacyImportReportNode:
    rows_read: int
    imported: int
    updated: int
    unchanged: int
    rejected: list[RejectedImportRowNode] = strawberry.field(description="Rows numbered from 1 in the list sent.")
    unmatched_login_ids: list[str]


@strawberry.type
class LegacyImportPayload:
    """`report` whenever the rows were read; `errors` (IMPORT_HAS_BAD_ROWS) when nothing was stored."""

    report: LegacyImportReportNode | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


async def _import(importer, actor, inputs: list, keep_good_rows: bool) -> LegacyImportPayload:
    if len(inputs) > MAX_ROWS_PER_CALL:
        return LegacyImportPayload(errors=user_errors(Refused.because("TOO_MANY", "rows")))
    rows = legacy_import.numbered([{k: v.value if hasattr(v, "value") else v for k, v in
                                    dataclasses.asdict(row).items()} for row in inputs])
    try:
        report = await importer(actor, rows, keep_good_rows)
    except Refused as refused:
        return LegacyImportPayload(errors=user_errors(refused))
    node = LegacyImportReportNode(
        rows_read=report.rows_read, imported=report.imported, updated=report.updated, unchanged=report.unchanged,
        unmatched_login_ids=report.unmatched_login_ids, rejected=[
            RejectedImportRowNode(row=r.row, code=r.code, reason=r.reason, message=r.message,
                                  message_ko=r.message_ko) for r in report.rejected])
    errors = user_errors(Refused(Problem("IMPORT_HAS_BAD_ROWS", "rows"))) if report.refused_for_bad_rows else []
    return LegacyImportPayload(report=node, errors=errors)


@strawberry.type
class LegacyCouponPayload:
    legacy_coupon: LegacyCouponNode | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class LegacyRefusal:
    legacy_coupon_id: strawberry.ID
    code: str
    message: str
    message_ko: str


@strawberry.type
class LegacyRequestPayload:
    requested: list[LegacyCouponNode] = strawberry.field(default_factory=list)
    refused: list[LegacyRefusal] = strawberry.field(default_factory=list, description="Per coupon, why not.")
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class MigrationApplicationPayload:
    application: MigrationApplicationNode | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class LegacyQuery:
    @strawberry.field(permission_classes=[CanReadShop], description="Seed 000's search, in import order.")
    async def legacy_coupons(self, info: Info, first: int = 20, after: str | None = None,
                             kind: LegacyKindEnum | None = None,
                             condition: LegacyConditionEnum = legacy.LegacyCondition.ALL,
                             search: str = "") -> Connection[LegacyCouponNode]:
        flt = legacy.LegacySearch(kind=kind, condition=condition, text=search)
        page = await query_or_error(legacy.search_legacy_coupons(info.context.actor, flt, page_request(first, after)))
        return connection_from_page(page, LegacyCouponNode.from_model)

    @strawberry.field(permission_classes=[IsOperator])
    async def legacy_coupon(self, info: Info, id: strawberry.ID) -> LegacyCouponNode | None:
        try:
            return LegacyCouponNode.from_model(await legacy.get_legacy_coupon(info.context.actor, to_pk(id, "id")))
        except Refused:
            return None

    @strawberry.field(permission_classes=[IsOperator])
    async def migration_applications(self, info: Info, first: int = 20, after: str | None = None,
                                     status: ApplicationStatusEnum | None = None
                                     ) -> Connection[MigrationApplicationNode]:
        page = await query_or_error(legacy_applications.list_applications(
            info.context.actor, page_request(first, after), status))
        return connection_from_page(page, MigrationApplicationNode.from_model)


@strawberry.type
class LegacyMutation:
    @strawberry.mutation(permission_classes=[CanChangeShop], description="All or nothing unless keepGoodRows.")
    async def import_legacy_coupons(self, info: Info, rows: list[LegacyCouponRowInput],
                                    keep_good_rows: bool = False) -> LegacyImportPayload:
        return await _import(legacy_import.import_legacy_coupons, info.context.actor, rows, keep_good_rows)

    @strawberry.mutation(permission_classes=[CanChangeShop], description="All or nothing unless keepGoodRows.")
    async def import_legacy_records(self, info: Info, rows: list[LegacyRecordRowInput],
                                    keep_good_rows: bool = False) -> LegacyImportPayload:
        return await _import(legacy_import.import_legacy_records, info.context.actor, rows, keep_good_rows)

    @strawberry.mutation(permission_classes=[CanChangeShop], description="All or nothing unless keepGoodRows.")
    async def import_legacy_triggers(self, info: Info, rows: list[LegacyTriggerRowInput],
                                     keep_good_rows: bool = False) -> LegacyImportPayload:
        return await _import(legacy_import.import_legacy_triggers, info.context.actor, rows, keep_good_rows)

    @strawberry.mutation(permission_classes=[CanChangeShop],
                         description="Record the target smart coupon (couponId) or, for a paper coupon, serial code.")
    async def link_legacy_target(self, info: Info, legacy_coupon_id: strawberry.ID,
                                 coupon_id: strawberry.ID | None = None,
                                 serial_id: strawberry.ID | None = None) -> LegacyCouponPayload:
        return await payload_of(LegacyCouponPayload, "legacy_coupon", LegacyCouponNode.from_model, legacy.link_target(
            info.context.actor, to_pk(legacy_coupon_id, "legacyCouponId"), to_pk(coupon_id, "couponId"),
            to_pk(serial_id, "serialId")))

    @strawberry.mutation(permission_classes=[CanChangeShop])
    async def request_legacy_migration(self, info: Info,
                                       legacy_coupon_ids: list[strawberry.ID]) -> LegacyRequestPayload:
        try:
            result = await legacy_applications.request_migration(
                info.context.actor, [to_pk(i, "legacyCouponIds") for i in legacy_coupon_ids])
        except Refused as refused:
            return LegacyRequestPayload(errors=user_errors(refused))
        return LegacyRequestPayload(
            requested=[LegacyCouponNode.from_model(c) for c in result.requested],
            refused=[LegacyRefusal(legacy_coupon_id=strawberry.ID(str(i)), code=code, message=REASONS[code][0],
                                   message_ko=REASONS[code][1]) for i, code in result.refused.items()])

    @strawberry.mutation(permission_classes=[CanChangeShop])
    async def submit_migration_application(self, info: Info, applicant_name: str, email: str, phone: str,
                                           wished_date: date | None, consent: bool) -> MigrationApplicationPayload:
        return await payload_of(MigrationApplicationPayload, "application", MigrationApplicationNode.from_model,
                                legacy_applications.submit_application(info.context.actor, applicant_name, email,
                                                                       phone, wished_date, consent))

    @strawberry.mutation(permission_classes=[IsOwner])
    async def schedule_migration_application(self, info: Info, id: strawberry.ID,
                                             at: datetime) -> MigrationApplicationPayload:
        return await payload_of(MigrationApplicationPayload, "application", MigrationApplicationNode.from_model,
                                legacy_applications.schedule_application(info.context.actor, to_pk(id, "id"), at))

    @strawberry.mutation(permission_classes=[IsOwner], description="Also erases the applicant's personal data.")
    async def cancel_migration_application(self, info: Info, id: strawberry.ID) -> MigrationApplicationPayload:
        return await payload_of(MigrationApplicationPayload, "application", MigrationApplicationNode.from_model,
                                legacy_applications.cancel_application(info.context.actor, to_pk(id, "id")))
