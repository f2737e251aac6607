"""Member details and marketing consent from the shop's back end (SPEC 7 and 10, seed 003).

`upsert_member` creates or updates a kupon member through the member resolvers
(gql/resolvers/members.py), so the sign-up, grade-change and member-update coupon triggers
fire as for an operator's edit, and a grade change gets its GradeChange row there.

Marketing consent is one row per member and channel: granted or withdrawn, and when. A
withdrawal keeps the row (granted false). The newest news wins: a change dated before the
stored one is ignored, and repeating the stored state keeps the date it was first given.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from gql.resolvers import members
from gql.resolvers.access import Actor, require_write_activity
from gql.resolvers.activity_rows import (
    MemberRef,
    ResolvedMember,
    RowResult,
    check_batch_size,
    chunks,
    moment,
    refused_row,
    resolve_members,
    single,
)
from gql.resolvers.audit import record_change
from gql.resolvers.errors import Problem, Refused
from kupon.timeutil import now_utc
from models.activity import ConsentChannel, MarketingConsent
from models.members import Grade, Member
from models.sites import Site


@dataclass(frozen=True)
class ConsentInput:
    channel: str  # SMS, KAKAO, EMAIL, PUSH or NIGHT
    granted: bool
    at: datetime | None = None  # when it was given or withdrawn; None: now


@dataclass(frozen=True)
class ConsentRow:
    member: MemberRef
    consent: ConsentInput


def _consent_problems(consent: ConsentInput, now: datetime, prefix: str = "") -> tuple[datetime, list[Problem]]:
    problems = []
    if consent.channel not in ConsentChannel.__members__:
        problems.append(Problem("INVALID_CHOICE", f"{prefix}channel"))
    if not isinstance(consent.granted, bool):
        problems.append(Problem("CONSENT_VALUE_INVALID", f"{prefix}granted"))
    return moment(consent.at, now, problems, f"{prefix}at"), problems


async def set_marketing_consents(actor: Actor, rows: Sequence[ConsentRow], source: str = "api") -> list[RowResult]:
    """Up to MAX_BATCH consent changes; RowResult.value is the member's MarketingConsent row of that
    channel, `repeated` when it did not change."""
    require_write_activity(actor)
    check_batch_size(rows)
    return await store_consents(actor, rows, source)


async def set_marketing_consent(actor: Actor, member: MemberRef, consents: Sequence[ConsentInput],
                                source: str = "api") -> list[MarketingConsent]:
    """One member's consents, all or nothing: one bad channel and nothing changes."""
    require_write_activity(actor)
    check_batch_size(consents)
    now = now_utc()
    problems = [p for i, c in enumerate(consents) for p in _consent_problems(c, now, f"consents[{i}].")[1]]
    if problems:
        raise Refused(*problems)
    results = await store_consents(actor, [ConsentRow(member, c) for c in consents], source)
    return [single(r).value for r in results]


async def store_consents(actor: Actor, rows: Sequence[ConsentRow], source: str,
                         first_index: int = 0) -> list[RowResult]:
    """set_marketing_consents without the permission check and the size limit (the CSV import).
    A first consent racing another for the same member and channel: run once more."""
    try:
        return await _store_consents(actor, rows, source, first_index)
    except IntegrityError:
        return await _store_consents(actor, rows, source, first_index)


async def _store_consents(actor: Actor, rows: Sequence[ConsentRow], source: str, first_index: int) -> list[RowResult]:
    now = now_utc()
    resolved = await resolve_members([r.member for r in rows])
    results: dict[int, RowResult] = {}
    wanted: list[tuple[int, int, ConsentInput, datetime]] = []
    for i, (row, member) in enumerate(zip(rows, resolved, strict=True), start=first_index):
        at, problems = _consent_problems(row.consent, now)
        if not isinstance(member, ResolvedMember):
            problems.insert(0, member)
        if problems:
            results[i] = refused_row(i, *problems)
        else:
            wanted.append((i, member.member_id, row.consent, at))
    stored: dict[tuple[int, str], MarketingConsent] = {}
    for chunk in chunks(sorted({m for _, m, _, _ in wanted})):
        for consent in await MarketingConsent.filter(member_id__in=list(chunk)):
            stored[(consent.member_id, consent.channel.value)] = consent
    before: dict[int, dict] = defaultdict(dict)
    after: dict[int, dict] = defaultdict(dict)
    async with in_transaction():
        for i, member_id, consent, at in wanted:
            key = (member_id, ConsentChannel(consent.channel).value)
            row = stored.get(key)
            if row is not None and (row.granted == consent.granted or at < row.changed_at):
                results[i] = RowResult(i, value=row, repeated=True)
                continue
            before[member_id][key[1]] = None if row is None else row.granted
            if row is None:
                row = stored[key] = await MarketingConsent.create(
                    member_id=member_id, channel=key[1], granted=consent.granted, changed_at=at, source=source)
            else:
                row.granted, row.changed_at, row.source = consent.granted, at, source
                await row.save(update_fields=["granted", "changed_at", "source"])
            after[member_id][key[1]] = consent.granted
            results[i] = RowResult(i, value=row)
        for member_id in after:
            await record_change(actor, "member.consent", ("Member", member_id), before[member_id], after[member_id])
    return [results[i] for i in sorted(results)]


# Member details -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MemberUpsert:
    """A member as the shop's back end knows it. None leaves a field as it is (on creation:
    empty, BASIC grade, signed up now); `name` is needed to create."""

    site_code: str
    login_id: str
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    grade: str | None = None
    birthday: str | date | None = None
    signed_up_at: datetime | None = None
    consents: tuple[ConsentInput, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class UpsertResult:
    member: Member
    created: bool


async def upsert_member(actor: Actor, data: MemberUpsert, source: str = "api") -> UpsertResult:
    """Create the member (site code, login id) or update the fields given, then its consents.
    Every field and consent is checked first: a bad one and nothing changes."""
    require_write_activity(actor)
    now = now_utc()
    problems = [p for i, c in enumerate(data.consents) for p in _consent_problems(c, now, f"consents[{i}].")[1]]
    site = await Site.get_or_none(code=(data.site_code or "").strip())
    if site is None:
        problems.append(Problem("SITE_UNKNOWN", "site_code"))
    login_id = (data.login_id or "").strip()
    member = await Member.get_or_none(site_id=site.id, login_id=login_id) if site and login_id else None
    if member is None and not (data.name or "").strip():
        problems.append(Problem("REQUIRED", "name"))
    if problems:
        raise Refused(*problems)
    created = member is None
    if created:
        member = await members.add_member(actor, members.NewMember(
            site_id=site.id, login_id=login_id, name=data.name or "", phone=data.phone or "",
            email=data.email or "", grade=data.grade or Grade.BASIC.value, birthday=data.birthday,
            signed_up_at=moment(data.signed_up_at, now, []) if data.signed_up_at else None))
    else:
        changes = members.MemberChanges(name=data.name, phone=data.phone, email=data.email, grade=data.grade,
                                        birthday=data.birthday)
        member = await members.apply_member_changes(actor, member.id, changes)
    if data.consents:
        await store_consents(actor, [ConsentRow(MemberRef(member.id), c) for c in data.consents], source)
    return UpsertResult(member, created)


async def upsert_members(actor: Actor, rows: Sequence[MemberUpsert]) -> list[RowResult]:
    """Up to MAX_BATCH members, each as `upsert_member` (a bad one is reported, the others stored);
    RowResult.value is the UpsertResult."""
    require_write_activity(actor)
    check_batch_size(rows)
    results = []
    for i, row in enumerate(rows):
        try:
            results.append(RowResult(i, value=await upsert_member(actor, row)))
        except Refused as refused:
            results.append(refused_row(i, *refused.problems))
    return results
