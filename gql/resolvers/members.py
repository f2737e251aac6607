"""Members: search, read, create and edit."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from gql.resolvers.access import Actor, require_change_shop, require_member, require_read_shop
from gql.resolvers.audit import record_change, snapshot
from gql.resolvers.coupon_issuing import fire_event
from gql.resolvers.errors import Problem, Refused
from gql.resolvers.pagination import Page, PageRequest, paginate
from gql.resolvers.validation import Checker
from kupon.timeutil import now_utc, seoul_day_start_utc
from models.activity import GradeChange
from models.coupons import TriggerEvent
from models.members import Grade, Member
from models.sites import Site

EDITABLE_FIELDS = ["name", "phone", "email", "grade", "birthday", "is_active"]


@dataclass(frozen=True)
class MemberFilter:
    search: str = ""
    site_id: int | None = None
    grade: Grade | None = None
    is_active: bool | None = None
    signed_up_from: date | None = None
    signed_up_to: date | None = None


@dataclass(frozen=True)
class MemberChanges:
    """Fields to change; None leaves a field as it is."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None
    grade: str | None = None
    birthday: str | date | None = None
    is_active: bool | None = None


def member_query(flt: MemberFilter):
    query = Member.all()
    if flt.search.strip():
        term = flt.search.strip()
        condition = Q(name__icontains=term) | Q(login_id__icontains=term) | Q(email__icontains=term)
        digits = "".join(ch for ch in term if ch.isdigit())
        if len(digits) >= 4:
            condition |= Q(phone__contains=digits[-4:]) if len(digits) == 4 else Q(phone__contains=term)
        query = query.filter(condition)
    if flt.site_id:
        query = query.filter(site_id=flt.site_id)
    if flt.grade:
        query = query.filter(grade=flt.grade)
    if flt.is_active is not None:
        query = query.filter(is_active=flt.is_active)
    if flt.signed_up_from:
        query = query.filter(signed_up_at__gte=seoul_day_start_utc(flt.signed_up_from))
    if flt.signed_up_to:
        query = query.filter(signed_up_at__lt=seoul_day_start_utc(flt.signed_up_to + timedelta(days=1)))
    return query.order_by("-signed_up_at", "-id")


async def list_members(actor: Actor, flt: MemberFilter, page: PageRequest) -> Page[Member]:
    require_read_shop(actor)
    return await paginate(member_query(flt), page)


async def get_member(actor: Actor, member_id: int) -> Member:
    require_read_shop(actor)
    member = await Member.get_or_none(id=member_id)
    if member is None:
        raise Refused.because("NOT_FOUND", "id")
    return member


async def get_own_member(actor: Actor) -> Member:
    return await Member.get(id=require_member(actor))


def _clean_changes(changes: MemberChanges) -> dict:
    check = Checker()
    cleaned: dict = {}
    if changes.name is not None:
        cleaned["name"] = check.text("name", changes.name, 50)
    if changes.phone is not None:
        cleaned["phone"] = check.mobile_phone("phone", changes.phone)
    if changes.email is not None:
        cleaned["email"] = check.email("email", changes.email)
    if changes.grade is not None:
        cleaned["grade"] = check.choice("grade", changes.grade, Grade)
    if changes.birthday is not None:
        cleaned["birthday"] = check.iso_date("birthday", changes.birthday)
    if changes.is_active is not None:
        cleaned["is_active"] = bool(changes.is_active)
    if check.problems:
        raise Refused(*check.problems)
    return cleaned


async def update_member(actor: Actor, member_id: int, changes: MemberChanges) -> Member:
    """Validates every field first; an invalid request changes nothing. Audited."""
    require_change_shop(actor)
    return await apply_member_changes(actor, member_id, changes)


async def apply_member_changes(actor: Actor, member_id: int, changes: MemberChanges) -> Member:
    """`update_member` without the permission check, for callers that checked their own
    (gql/resolvers/member_upsert.py). The one update path: a grade change gets its GradeChange row."""
    cleaned = _clean_changes(changes)
    async with in_transaction():
        member = await Member.select_for_update().get_or_none(id=member_id)
        if member is None:
            raise Refused.because("NOT_FOUND", "id")
        before = snapshot(member, EDITABLE_FIELDS)
        for name, value in cleaned.items():
            setattr(member, name, value)
        after = snapshot(member, EDITABLE_FIELDS)
        if before == after:  # a back end's repeated sync: no write, no empty audit entry
            return member
        await member.save()
        if before["grade"] != after["grade"]:
            await GradeChange.create(member=member, from_grade=before["grade"], to_grade=member.grade, at=now_utc())
        await record_change(actor, "member.update", member, before, after)
    await fire_member_events(member, before, after)
    return member


async def fire_member_events(member: Member, before: dict, after: dict) -> None:
    """AUTO coupons for a changed member: a new grade (once per grade), and a member-info
    update (once ever). Called after the change is committed."""
    if before == after:
        return
    if before.get("grade") != after.get("grade"):
        await fire_event(TriggerEvent.GRADE_CHANGE, member, f"GRADE_CHANGE:{after['grade']}")
    await fire_event(TriggerEvent.MEMBER_UPDATE, member, "MEMBER_UPDATE")


@dataclass(frozen=True)
class NewMember:
    site_id: int
    login_id: str
    name: str
    phone: str = ""
    email: str = ""
    grade: str = Grade.BASIC.value
    birthday: str | date | None = None
    signed_up_at: datetime | None = None


async def create_member(actor: Actor, new: NewMember) -> Member:
    require_change_shop(actor)
    return await add_member(actor, new)


async def add_member(actor: Actor, new: NewMember) -> Member:
    """`create_member` without the permission check (see apply_member_changes). The starting
    grade is the first GradeChange row (from_grade None)."""
    check = Checker()
    login_id = check.login_id("login_id", new.login_id)
    base = _try_clean(MemberChanges(**{f.name: getattr(new, f.name) for f in fields(MemberChanges)
                                       if hasattr(new, f.name)}))
    problems = check.problems + base.problems
    if not await Site.exists(id=new.site_id):
        problems.append(Problem("NOT_FOUND", "site_id"))
    elif await Member.exists(site_id=new.site_id, login_id=login_id):
        problems.append(Problem("DUPLICATE", "login_id"))
    if problems:
        raise Refused(*problems)
    async with in_transaction():
        member = await Member.create(
            site_id=new.site_id, login_id=login_id, signed_up_at=new.signed_up_at or now_utc(), **base.cleaned
        )
        await GradeChange.create(member=member, from_grade=None, to_grade=member.grade, at=member.signed_up_at)
        await record_change(actor, "member.create", member, after=snapshot(member, ["login_id", *EDITABLE_FIELDS]))
    await fire_event(TriggerEvent.SIGN_UP, member, "SIGN_UP")
    return member


@dataclass
class _Cleaned:
    cleaned: dict
    problems: list[Problem]


def _try_clean(changes: MemberChanges) -> _Cleaned:
    try:
        return _Cleaned(_clean_changes(changes), [])
    except Refused as refused:
        return _Cleaned({}, refused.problems)
