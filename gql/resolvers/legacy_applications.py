"""Requesting a legacy coupon's migration and applying for it (SPEC 3, seed 000 "이전 신청", "신청서 제출").

- `request_migration(actor, legacy_ids)` -> RequestResult: eligible coupons whose targets exist
  (smart coupon; for paper coupons also the serial) become REQUESTED; the others are refused one by
  one with a reason (`refused`: legacy id -> REASONS code), the rest still go through.
- `submit_application(actor, name, email, phone, wished_date, consent)`: covers every REQUESTED
  coupon not already in an open application (SUBMITTED, SCHEDULED, RUNNING); applications can be
  made many times. The applicant's name, e-mail and phone are encrypted at rest.
- OWNER: `schedule_application(actor, id, at)`, `cancel_application(actor, id)`. Cancelling erases the
  applicant's personal data; so does the run on completion, through `erase_applicant(application)`.
  The audit log records that the data was erased, never the data.
- `open_application_coupons(application_id)`: the legacy coupons an application covers (for the run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from tortoise.transactions import in_transaction

from gql.resolvers.access import Actor, ActorKind, require_change_shop, require_owner, require_read_shop
from gql.resolvers.audit import record_change
from gql.resolvers.errors import Refused
from gql.resolvers.legacy import ineligibility, targets_ready
from gql.resolvers.pagination import Page, PageRequest, paginate
from gql.resolvers.validation import Checker
from kupon.timeutil import now_utc
from models.legacy import ApplicationCoupon, ApplicationStatus, LegacyCoupon, MigrationApplication, MigrationStage

OPEN = [ApplicationStatus.SUBMITTED, ApplicationStatus.SCHEDULED, ApplicationStatus.RUNNING]
MAX_REQUEST = 500
SYSTEM = Actor(ActorKind.ANONYMOUS, label="system")  # audit author of the run's own changes


@dataclass
class RequestResult:
    requested: list[LegacyCoupon] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)  # legacy id -> reason code


async def request_migration(actor: Actor, legacy_ids: list[int]) -> RequestResult:
    """이전 신청: the first stage, saved at once. Refusals per coupon, in this order: unknown
    (NOT_FOUND), already requested or migrated, not eligible (its reason), targets missing."""
    require_change_shop(actor)
    ids = list(dict.fromkeys(legacy_ids))
    if not ids:
        raise Refused.because("NOTHING_SELECTED", "legacy_ids")
    if len(ids) > MAX_REQUEST:
        raise Refused.because("TOO_MANY", "legacy_ids")
    coupons = {c.id: c for c in await LegacyCoupon.filter(id__in=ids)}
    result = RequestResult()
    now = now_utc()
    async with in_transaction():
        for legacy_id in ids:
            coupon = coupons.get(legacy_id)
            reason = ("NOT_FOUND" if coupon is None
                      else "LEGACY_ALREADY_REQUESTED" if coupon.stage != MigrationStage.NONE
                      else ineligibility(coupon) or (None if targets_ready(coupon) else "LEGACY_TARGET_MISSING"))
            # The conditional UPDATE makes two concurrent requests of one coupon count once.
            if reason is None and not await LegacyCoupon.filter(id=legacy_id, stage=MigrationStage.NONE).update(
                    stage=MigrationStage.REQUESTED, requested_at=now):
                reason = "LEGACY_ALREADY_REQUESTED"
            if reason:
                result.refused[legacy_id] = reason
                continue
            coupon.stage, coupon.requested_at = MigrationStage.REQUESTED, now
            result.requested.append(coupon)
            await record_change(actor, "legacy.request", coupon, after={"stage": MigrationStage.REQUESTED.value})
    return result


async def submit_application(actor: Actor, name: str, email: str, phone: str, wished_date: date | str | None,
                             consent: bool) -> MigrationApplication:
    """신청서 제출. Refused without consent (CONSENT_REQUIRED), with every bad field listed at once,
    or when no requested coupon is left to apply for (NOTHING_REQUESTED)."""
    require_change_shop(actor)
    check = Checker()
    name = check.text("name", name, 50)
    email = check.email("email", email, required=True)
    phone = check.mobile_phone("phone", phone, required=True)
    wished = check.iso_date("wished_date", wished_date)
    if wished is None and not any(p.field == "wished_date" for p in check.problems):
        check.fail("REQUIRED", "wished_date")
    if not consent:
        check.fail("CONSENT_REQUIRED", "consent")
    if check.problems:
        raise Refused(*check.problems)
    taken = ApplicationCoupon.filter(application__status__in=OPEN).values_list("legacy_coupon_id", flat=True)
    async with in_transaction():
        covered = await LegacyCoupon.filter(stage=MigrationStage.REQUESTED).exclude(id__in=await taken).order_by(
            "id").values_list("id", flat=True)
        if not covered:
            raise Refused.because("NOTHING_REQUESTED", "legacy_ids")
        now = now_utc()
        application = await MigrationApplication.create(
            applicant_name=name, applicant_email=email, applicant_phone=phone, wished_date=wished, consent=True,
            consented_at=now, submitted_by=actor.label)
        await ApplicationCoupon.bulk_create([ApplicationCoupon(application_id=application.id, legacy_coupon_id=i)
                                             for i in covered])
        # The audit entry names the coupons and the date, not the applicant.
        await record_change(actor, "legacy.application_submit", application,
                            after={"legacy_coupon_ids": list(covered), "wished_date": wished.isoformat()})
    return application


async def _application(application_id: int) -> MigrationApplication:
    application = await MigrationApplication.get_or_none(id=application_id)
    if application is None:
        raise Refused.because("NOT_FOUND", "id")
    return application


async def schedule_application(actor: Actor, application_id: int, at: datetime) -> MigrationApplication:
    """OWNER: when the run starts (it is started by the run's own code at that time)."""
    require_owner(actor)
    application = await _application(application_id)
    if application.status not in (ApplicationStatus.SUBMITTED, ApplicationStatus.SCHEDULED):
        raise Refused.because("APPLICATION_CLOSED", "id")
    if at <= now_utc():
        raise Refused.because("SCHEDULE_IN_PAST", "at")
    before = {"status": application.status.value, "scheduled_at": application.scheduled_at}
    async with in_transaction():
        if not await MigrationApplication.filter(id=application.id, status__in=[
                ApplicationStatus.SUBMITTED, ApplicationStatus.SCHEDULED]).update(
                status=ApplicationStatus.SCHEDULED, scheduled_at=at, updated_at=now_utc()):
            raise Refused.because("APPLICATION_CLOSED", "id")
        await record_change(actor, "legacy.application_schedule", application,
                            before={k: v.isoformat() if isinstance(v, datetime) else v for k, v in before.items()},
                            after={"status": ApplicationStatus.SCHEDULED.value, "scheduled_at": at.isoformat()})
    return await _application(application.id)


async def erase_applicant(application: MigrationApplication, actor: Actor | None = None) -> None:
    """Forget the applicant's name, e-mail and phone ("" and erased_at); the audit entry says so
    without them. Idempotent. The run calls it on completion (actor None: the system)."""
    if application.erased_at is not None:
        return
    now = now_utc()
    application.applicant_name = application.applicant_email = application.applicant_phone = ""
    application.erased_at = now
    await application.save(update_fields=["applicant_name", "applicant_email", "applicant_phone", "erased_at",
                                          "updated_at"])
    await record_change(actor or SYSTEM, "legacy.applicant_erased", application,
                        after={"erased": ["applicant_name", "applicant_email", "applicant_phone"],
                               "erased_at": now.isoformat()})


async def cancel_application(actor: Actor, application_id: int) -> MigrationApplication:
    """OWNER: cancel a submitted or scheduled application and erase its personal data. The legacy
    coupons stay REQUESTED, ready for a new application."""
    require_owner(actor)
    application = await _application(application_id)
    async with in_transaction():
        if not await MigrationApplication.filter(id=application.id, status__in=[
                ApplicationStatus.SUBMITTED, ApplicationStatus.SCHEDULED]).update(
                status=ApplicationStatus.CANCELLED, cancelled_at=now_utc(), updated_at=now_utc()):
            raise Refused.because("APPLICATION_CLOSED", "id")
        await record_change(actor, "legacy.application_cancel", application,
                            before={"status": application.status.value},
                            after={"status": ApplicationStatus.CANCELLED.value})
        application = await _application(application.id)
        await erase_applicant(application, actor)
    return application


async def list_applications(actor: Actor, page: PageRequest,
                            status: ApplicationStatus | None = None) -> Page[MigrationApplication]:
    """Newest first. Personal data is shown only to operators who can change shop data (mask it
    for others: kupon.privacy)."""
    require_read_shop(actor)
    query = MigrationApplication.all()
    if status is not None:
        query = query.filter(status=status)
    return await paginate(query.order_by("-id"), page)


async def application_coupons(application_id: int) -> list[LegacyCoupon]:
    """The legacy coupons an application covers, in id order."""
    ids = await ApplicationCoupon.filter(application_id=application_id).values_list("legacy_coupon_id", flat=True)
    return await LegacyCoupon.filter(id__in=list(ids)).order_by("id")


async def get_application(actor: Actor, application_id: int) -> MigrationApplication:
    require_read_shop(actor)
    return await _application(application_id)
