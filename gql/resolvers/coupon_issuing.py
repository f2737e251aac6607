"""Putting coupons into wallets: by an operator (MANUAL), by events (AUTO), by the member
(DOWNLOAD), and taking an unused one back (revoke).

Limits are enforced with conditional UPDATEs (`... WHERE issued < limit`), which
stay exact under concurrent requests on both databases; a count read first and
written later would overshoot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from gql.resolvers.access import Actor, require_change_shop, require_member, require_read_shop
from gql.resolvers.audit import record_change
from gql.resolvers.errors import Problem, Refused
from kupon.jobs import JobRun, job_function
from kupon.timeutil import now_utc, to_seoul
from models.coupons import (
    Coupon,
    CouponCode,
    CouponMemberCount,
    CouponStatus,
    CouponTrigger,
    IssueMethod,
    MemberCoupon,
    MemberCouponStatus,
    TriggerEvent,
    UseWindow,
)
from models.members import Member

# A member downloads a coupon once unless its per-member limit says more.
DEFAULT_DOWNLOADS_PER_MEMBER = 1


def weekday_allowed(weekdays: list[int], moment: datetime) -> bool:
    """Weekdays are Seoul weekdays, 0 = Monday; an empty list allows every day."""
    return not weekdays or to_seoul(moment).weekday() in weekdays


def issue_refusal(coupon: Coupon, now: datetime) -> str | None:
    """Why this coupon cannot be issued at `now`, or None."""
    if coupon.issue_status != CouponStatus.ACTIVE:
        return "ISSUE_NOT_ACTIVE"
    if coupon.issue_from and now < coupon.issue_from:
        return "ISSUE_NOT_OPEN"
    if coupon.issue_to and now > coupon.issue_to:
        return "ISSUE_CLOSED"
    if not weekday_allowed(coupon.issue_weekdays, now):
        return "WRONG_WEEKDAY"
    return None


def expiry_for(coupon: Coupon, issued_at: datetime) -> datetime | None:
    if coupon.use_window == UseWindow.RANGE:
        return coupon.use_to
    if coupon.use_window == UseWindow.DAYS_AFTER_ISSUE:
        return issued_at + timedelta(days=coupon.use_days_after_issue or 0)
    return None


async def member_count_row(coupon_id: int, member_id: int) -> None:
    """Make sure the per-member counter row exists (created once; a concurrent creator wins)."""
    if await CouponMemberCount.exists(coupon_id=coupon_id, member_id=member_id):
        return
    try:
        async with in_transaction():
            await CouponMemberCount.create(coupon_id=coupon_id, member_id=member_id)
    except IntegrityError:
        pass


async def issue_coupon(
    coupon: Coupon, member: Member, via: IssueMethod, *, issue_key: str | None = None,
    member_cap: int | None = None, use_total_cap: bool = False, code: CouponCode | None = None,
    now: datetime | None = None,
) -> MemberCoupon:
    """Issue one coupon to one member, all or nothing.

    `member_cap`: at most this many issued to the member (downloads, shared codes).
    `use_total_cap`: count against the coupon's total limit (first come, first served).
    `issue_key`: at most one coupon per key and member (event issuing is idempotent).
    """
    now = now or now_utc()
    reason = issue_refusal(coupon, now)
    if reason:
        raise Refused.because(reason)
    if coupon.site_id is not None and coupon.site_id != member.site_id:
        raise Refused.because("WRONG_SITE")
    await member_count_row(coupon.id, member.id)
    async with in_transaction():
        if use_total_cap and coupon.total_limit is not None:
            taken = await Coupon.filter(id=coupon.id, issued_count__lt=coupon.total_limit).update(
                issued_count=F("issued_count") + 1)
            if not taken:
                raise Refused.because("ISSUE_LIMIT_REACHED")
        else:
            await Coupon.filter(id=coupon.id).update(issued_count=F("issued_count") + 1)
        counter = CouponMemberCount.filter(coupon_id=coupon.id, member_id=member.id)
        if member_cap is not None:
            counter = counter.filter(issued__lt=member_cap)
        if not await counter.update(issued=F("issued") + 1):
            raise Refused.because("ALREADY_ISSUED")
        try:
            async with in_transaction():
                return await MemberCoupon.create(
                    coupon=coupon, member=member, issued_via=via, issue_key=issue_key, code=code,
                    issued_at=now, expires_at=expiry_for(coupon, now),
                )
        except IntegrityError:
            raise Refused.because("ALREADY_ISSUED") from None


@dataclass
class IssueReport:
    issued: list[MemberCoupon] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)


async def issue_manually(actor: Actor, coupon_id: int, member_ids: list[int]) -> IssueReport:
    """An operator gives a MANUAL coupon to chosen members; each refusal is reported per member."""
    require_change_shop(actor)
    coupon = await Coupon.get_or_none(id=coupon_id)
    if coupon is None:
        raise Refused.because("NOT_FOUND", "coupon_id")
    if coupon.issue_method != IssueMethod.MANUAL:
        raise Refused.because("WRONG_ISSUE_METHOD", "coupon_id")
    members = {m.id: m for m in await Member.filter(id__in=set(member_ids))}
    report = IssueReport()
    for member_id in dict.fromkeys(member_ids):
        member = members.get(member_id)
        if member is None:
            report.refused[member_id] = "NOT_FOUND"
            continue
        try:
            issued = await issue_coupon(coupon, member, IssueMethod.MANUAL, member_cap=coupon.per_member_limit)
        except Refused as refused:
            report.refused[member_id] = refused.codes[0]
            continue
        report.issued.append(issued)
    await record_change(actor, "coupon.issue", coupon, after={
        "issued_to": [mc.member_id for mc in report.issued],
        "refused": {str(member_id): code for member_id, code in report.refused.items()}})
    return report


async def coupon_by_download_token(token: str) -> Coupon:
    coupon = await Coupon.get_or_none(download_token=token)
    if coupon is None or coupon.issue_method != IssueMethod.DOWNLOAD:
        raise Refused.because("NOT_FOUND", "token")
    return coupon


def public_coupon_refusal(coupon: Coupon, now: datetime | None = None) -> str | None:
    """A download page shows the coupon only inside its display window (and weekdays)."""
    now = now or now_utc()
    if coupon.issue_status == CouponStatus.WAITING:
        return "NOT_FOUND"
    if (coupon.display_from and now < coupon.display_from) or (coupon.display_to and now > coupon.display_to):
        return "NOT_FOUND"
    if not weekday_allowed(coupon.display_weekdays, now):
        return "NOT_FOUND"
    return None


async def download_coupon(actor: Actor, token: str) -> MemberCoupon:
    """A member claims a DOWNLOAD coupon from its URL: first come, first served within the
    total limit, and at most the per-member limit (1 when unlimited) per member."""
    member = await Member.get(id=require_member(actor))
    coupon = await coupon_by_download_token(token)
    return await issue_coupon(coupon, member, IssueMethod.DOWNLOAD, use_total_cap=True,
                              member_cap=coupon.per_member_limit or DEFAULT_DOWNLOADS_PER_MEMBER)


async def revoke_member_coupon(actor: Actor, member_coupon_id: int) -> MemberCoupon:
    """Only an unused coupon can be taken back."""
    require_change_shop(actor)
    async with in_transaction():
        revoked = await MemberCoupon.filter(id=member_coupon_id, status=MemberCouponStatus.AVAILABLE).update(
            status=MemberCouponStatus.REVOKED, revoked_at=now_utc())
        member_coupon = await MemberCoupon.get_or_none(id=member_coupon_id)
        if member_coupon is None:
            raise Refused.because("NOT_FOUND", "id")
        if not revoked:
            raise Refused.because("NOT_REVOCABLE", "id")
        # Revoking undoes the issue: the member may be given this coupon again within the limits.
        await Coupon.filter(id=member_coupon.coupon_id, issued_count__gt=0).update(
            issued_count=F("issued_count") - 1)
        await CouponMemberCount.filter(coupon_id=member_coupon.coupon_id, member_id=member_coupon.member_id,
                                       issued__gt=0).update(issued=F("issued") - 1)
        await record_change(actor, "member_coupon.revoke", member_coupon,
                            before={"status": "AVAILABLE"}, after={"status": "REVOKED"})
    return member_coupon


# AUTO issuing ---------------------------------------------------------------

async def set_trigger(actor: Actor, event: str, coupon_id: int, active: bool = True) -> CouponTrigger:
    require_change_shop(actor)
    try:
        event_value = TriggerEvent(event)
    except ValueError:
        raise Refused.because("INVALID_CHOICE", "event") from None
    coupon = await Coupon.get_or_none(id=coupon_id)
    if coupon is None:
        raise Refused.because("NOT_FOUND", "coupon_id")
    if coupon.issue_method != IssueMethod.AUTO:
        raise Refused.because("WRONG_ISSUE_METHOD", "coupon_id")
    async with in_transaction():
        trigger, _ = await CouponTrigger.get_or_create(event=event_value, coupon=coupon)
        trigger.is_active = active
        await trigger.save()
        await record_change(actor, "coupon_trigger.set", trigger,
                            after={"event": event_value.value, "coupon_id": coupon.id, "active": active})
    return trigger


async def list_triggers(actor: Actor) -> list[CouponTrigger]:
    require_change_shop(actor)
    # Triggers carried over from legacy coupons and not re-pointed point at nothing: legacy_triggers lists them.
    return list(await CouponTrigger.filter(coupon_id__not_isnull=True).select_related("coupon").order_by("event", "id"))


async def triggers_of_coupon(actor: Actor, coupon_id: int) -> list[CouponTrigger]:
    """The events wired to one coupon, active or not; readable by anyone who reads the shop
    (unlike `list_triggers`, which is for changing them)."""
    require_read_shop(actor)
    return list(await CouponTrigger.filter(coupon_id=coupon_id, event__not_isnull=True).order_by("event", "id"))


async def fire_event(event: TriggerEvent, member: Member, key: str) -> list[MemberCoupon]:
    """Issue every active AUTO coupon wired to `event`. `key` (e.g. "BIRTHDAY:2026") makes a
    repeated event issue nothing new. Refusals (stopped coupon, closed window) are skipped:
    an event never fails the action that raised it. A trigger carried over from a legacy coupon issues
    nothing until re-pointed (no coupon), then also a MANUAL coupon (legacy_triggers.repoint_trigger)."""
    issued = []
    triggers = await CouponTrigger.filter(event=event, is_active=True, coupon_id__not_isnull=True
                                          ).select_related("coupon")
    for trigger in triggers:
        coupon = trigger.coupon
        if coupon.issue_method != IssueMethod.AUTO and not (
                trigger.legacy_event and coupon.issue_method == IssueMethod.MANUAL):
            continue
        try:
            issued.append(await issue_coupon(coupon, member, IssueMethod.AUTO, issue_key=key,
                                             member_cap=coupon.per_member_limit))
        except Refused:
            continue
    return issued


@job_function("coupons.birthday", daily=True)
async def birthday_job(run: JobRun) -> dict:
    return {"issued": await issue_birthday_coupons(date.fromisoformat(run.params["day"]))}


async def issue_birthday_coupons(today: date) -> int:
    """Members whose birthday is `today` (a Seoul date) get the BIRTHDAY coupons, once a year."""
    if not await CouponTrigger.exists(event=TriggerEvent.BIRTHDAY, is_active=True):
        return 0
    count = 0
    members = await Member.filter(is_active=True, birthday__not_isnull=True)
    for member in members:
        if (member.birthday.month, member.birthday.day) == (today.month, today.day):
            count += len(await fire_event(TriggerEvent.BIRTHDAY, member, f"BIRTHDAY:{today.year}"))
    return count


def problems_for(report: IssueReport) -> list[Problem]:
    return [Problem(code, f"member:{member_id}") for member_id, code in report.refused.items()]
