"""Member activity from the shop's back end (SPEC 7, seed 003): visits, the points ledger and tags.
Member details and marketing consent: gql/resolvers/member_upsert.py.

Written by the integration API key (GraphQL) and by operators (GraphQL, and the console's CSV
import in gql/resolvers/activity_import.py); `require_write_activity` guards every write.

Batches take a list of rows and return one RowResult per row, in order: good rows are stored,
bad rows are reported with reason codes and change nothing. Retries are safe:
- a point entry with an external id is recorded once; the retry returns the same entry;
- a visit identical to a stored one (member, site, channel and time) is not stored again;
- tagging converges: tagging a tagged member (or untagging an untagged one) changes nothing.

Every call is audited: one entry per member it changed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.functions import Count, Sum
from tortoise.transactions import in_transaction

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
    site_ids_by_code,
)
from gql.resolvers.audit import record_change
from gql.resolvers.errors import Problem, Refused
from kupon.timeutil import now_utc
from models.activity import GradeChange, MarketingConsent, MemberTag, PointEntry, PointKind, Visit
from models.coupons import Channel
from models.members import Member

MAX_POINTS = 100_000_000  # POINTS_AMOUNT_INVALID's message names this number
TAG_LENGTH = 50


async def _audit_members(actor: Actor, action: str, counts: dict[int, dict]) -> None:
    """One audit entry per member changed, inside the caller's transaction."""
    for member_id, after in counts.items():
        await record_change(actor, action, ("Member", member_id), after=after)


# Visits ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class VisitInput:
    member: MemberRef
    channel: str
    at: datetime | None = None  # None: now; without an offset: Asia/Seoul
    site_code: str = ""  # empty: the member's own site


async def record_visits(actor: Actor, rows: Sequence[VisitInput]) -> list[RowResult]:
    """Up to MAX_BATCH visits; RowResult.value is the Visit."""
    require_write_activity(actor)
    check_batch_size(rows)
    return await store_visits(actor, rows)


async def record_visit(actor: Actor, row: VisitInput) -> Visit:
    return single((await record_visits(actor, [row]))[0]).value


async def store_visits(actor: Actor, rows: Sequence[VisitInput], first_index: int = 0) -> list[RowResult]:
    """record_visits without the permission check and the size limit (the CSV import)."""
    now = now_utc()
    members = await resolve_members([r.member for r in rows])
    sites = await site_ids_by_code({r.site_code for r in rows})
    results: dict[int, RowResult] = {}
    wanted: list[tuple[int, Visit]] = []
    for i, (row, member) in enumerate(zip(rows, members, strict=True), start=first_index):
        problems = [] if isinstance(member, ResolvedMember) else [member]
        channel = row.channel.strip().upper() if row.channel else ""
        if channel not in Channel.__members__:
            problems.append(Problem("INVALID_CHOICE", "channel"))
        at = moment(row.at, now, problems)
        site_id = sites.get(row.site_code.strip()) if row.site_code.strip() else getattr(member, "site_id", None)
        if row.site_code.strip() and site_id is None:
            problems.append(Problem("SITE_UNKNOWN", "site_code"))
        if problems:
            results[i] = refused_row(i, *problems)
        else:
            wanted.append((i, Visit(member_id=member.member_id, site_id=site_id, channel=Channel(channel), at=at)))
    stored = await _stored_visits([v for _, v in wanted])
    per_member: Counter[int] = Counter()
    async with in_transaction():
        for i, visit in wanted:
            key = _visit_key(visit)
            if key in stored:
                results[i] = RowResult(i, value=stored[key], repeated=True)
                continue
            await visit.save()
            stored[key] = visit
            per_member[visit.member_id] += 1
            results[i] = RowResult(i, value=visit)
        await _audit_members(actor, "member.visits", {m: {"recorded": n} for m, n in per_member.items()})
    return [results[i] for i in sorted(results)]


def _visit_key(visit: Visit) -> tuple:
    return visit.member_id, visit.site_id, Channel(visit.channel), visit.at


async def _stored_visits(visits: list[Visit]) -> dict[tuple, Visit]:
    """Stored visits identical to some of `visits` (found through the (member_id, at) index)."""
    found: dict[tuple, Visit] = {}
    by_member: dict[int, set[datetime]] = defaultdict(set)
    for visit in visits:
        by_member[visit.member_id].add(visit.at)
    for member_id, moments in by_member.items():
        for chunk in chunks(sorted(moments)):
            for visit in await Visit.filter(member_id=member_id, at__in=list(chunk)):
                found[_visit_key(visit)] = visit
    return found


async def visit_counts(member_ids: Sequence[int]) -> list[int]:
    """Visits ever, per member id (a DataLoader's batch function)."""
    counts: dict[int, int] = {}
    for chunk in chunks(sorted(set(member_ids))):
        rows = await Visit.filter(member_id__in=list(chunk)).group_by("member_id").annotate(
            n=Count("id")).values_list("member_id", "n")
        counts.update(rows)
    return [counts.get(m, 0) for m in member_ids]


# Points ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PointInput:
    member: MemberRef
    kind: str  # EARN or SPEND
    amount: int
    reason: str = ""
    at: datetime | None = None
    external_id: str = ""  # the back end's id of the entry: a retry with it records nothing new


@dataclass(frozen=True)
class PointResult:
    entry: PointEntry
    points_held: int
    repeated: bool


async def adjust_points_batch(actor: Actor, rows: Sequence[PointInput]) -> list[RowResult]:
    """Up to MAX_BATCH ledger entries, applied in order (an EARN earlier in the batch can pay
    for a SPEND later). RowResult.value is the PointEntry. A SPEND beyond the points held then
    is refused (POINTS_INSUFFICIENT); points held never go below zero."""
    require_write_activity(actor)
    check_batch_size(rows)
    return await store_points(actor, rows)


async def adjust_points(actor: Actor, row: PointInput) -> PointResult:
    result = single((await adjust_points_batch(actor, [row]))[0])
    return PointResult(result.value, await points_held(result.value.member_id), result.repeated)


def _point_problems(row: PointInput) -> list[Problem]:
    problems = []
    if row.kind not in PointKind.__members__:
        problems.append(Problem("INVALID_CHOICE", "kind"))
    if isinstance(row.amount, bool) or not isinstance(row.amount, int) or not 1 <= row.amount <= MAX_POINTS:
        problems.append(Problem("POINTS_AMOUNT_INVALID", "amount"))
    if len(row.reason or "") > 200:
        problems.append(Problem("TOO_LONG", "reason"))
    if len((row.external_id or "").strip()) > 64:
        problems.append(Problem("TOO_LONG", "external_id"))
    return problems


async def store_points(actor: Actor, rows: Sequence[PointInput], first_index: int = 0) -> list[RowResult]:
    """adjust_points_batch without the permission check and the size limit (the CSV import).
    Two calls racing with the same new external id: the loser's transaction fails on the unique
    index and is run once more, when it finds the winner's entry."""
    try:
        return await _store_points(actor, rows, first_index)
    except IntegrityError:
        return await _store_points(actor, rows, first_index)


async def _store_points(actor: Actor, rows: Sequence[PointInput], first_index: int) -> list[RowResult]:
    now = now_utc()
    members = await resolve_members([r.member for r in rows])
    results: dict[int, RowResult] = {}
    wanted: list[tuple[int, PointEntry]] = []
    for i, (row, member) in enumerate(zip(rows, members, strict=True), start=first_index):
        problems = ([] if isinstance(member, ResolvedMember) else [member]) + _point_problems(row)
        at = moment(row.at, now, problems)
        if problems:
            results[i] = refused_row(i, *problems)
            continue
        wanted.append((i, PointEntry(member_id=member.member_id, kind=PointKind(row.kind), amount=row.amount,
                                     reason=(row.reason or "").strip(), at=at,
                                     external_id=(row.external_id or "").strip() or None)))
    member_ids = sorted({e.member_id for _, e in wanted})
    known = await _entries_by_external_id([e.external_id for _, e in wanted if e.external_id])
    changed: dict[int, dict] = defaultdict(lambda: {"earned": 0, "spent": 0})
    async with in_transaction():
        # Locked in id order, so two batches over the same members cannot deadlock; a SPEND then
        # reads the points held with no other SPEND of the member in between.
        for chunk in chunks(member_ids):
            await Member.select_for_update().filter(id__in=list(chunk)).order_by("id").only("id")
        held = dict(zip(member_ids, await points_held_by_members(member_ids), strict=True))
        for i, entry in wanted:
            results[i] = await _store_entry(i, entry, known, held, changed)
        await _audit_members(actor, "member.points", changed)
    return [results[i] for i in sorted(results)]


async def _store_entry(i: int, entry: PointEntry, known: dict, held: dict, changed: dict) -> RowResult:
    earlier = known.get(entry.external_id) if entry.external_id else None
    if earlier is not None:
        same = (earlier.member_id, earlier.kind, earlier.amount) == (entry.member_id, entry.kind, entry.amount)
        return RowResult(i, value=earlier, repeated=True) if same else refused_row(
            i, Problem("POINTS_EXTERNAL_ID_REUSED", "external_id"))
    sign = 1 if entry.kind == PointKind.EARN else -1
    if held[entry.member_id] + sign * entry.amount < 0:
        return refused_row(i, Problem("POINTS_INSUFFICIENT", "amount"))
    await entry.save()
    held[entry.member_id] += sign * entry.amount
    changed[entry.member_id]["earned" if sign > 0 else "spent"] += entry.amount
    if entry.external_id:
        known[entry.external_id] = entry
    return RowResult(i, value=entry)


async def _entries_by_external_id(external_ids: list[str]) -> dict[str, PointEntry]:
    found: dict[str, PointEntry] = {}
    for chunk in chunks(sorted(set(external_ids))):
        for entry in await PointEntry.filter(external_id__in=list(chunk)):
            found[entry.external_id] = entry
    return found


async def points_held_by_members(member_ids: Sequence[int]) -> list[int]:
    """Points held per member id: earned minus spent over the whole ledger (never stored)."""
    totals: dict[int, int] = defaultdict(int)
    for chunk in chunks(sorted(set(member_ids))):
        rows = await PointEntry.filter(member_id__in=list(chunk)).group_by("member_id", "kind").annotate(
            total=Sum("amount")).values_list("member_id", "kind", "total")
        for member_id, kind, total in rows:
            totals[member_id] += int(total or 0) * (1 if kind == PointKind.EARN else -1)
    return [totals[m] for m in member_ids]


async def points_held(member_id: int) -> int:
    return (await points_held_by_members([member_id]))[0]


# Tags --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TagReport:
    changed: int  # members tagged (or untagged) now
    results: list[RowResult]  # per ref: value is the member id, repeated when it had (or lacked) the tag


def clean_tag(tag: str) -> str:
    tag = (tag or "").strip()
    if not tag:
        raise Refused.because("REQUIRED", "tag")
    if len(tag) > TAG_LENGTH:
        raise Refused.because("TOO_LONG", "tag")
    return tag


async def tag_members(actor: Actor, tag: str, refs: Sequence[MemberRef], remove: bool = False) -> TagReport:
    """Give (or, with `remove`, take away) one tag to up to MAX_BATCH members. Idempotent."""
    require_write_activity(actor)
    check_batch_size(refs)
    return await store_tags(actor, clean_tag(tag), refs, remove)


async def store_tags(actor: Actor, tag: str, refs: Sequence[MemberRef], remove: bool,
                     indexes: Sequence[int] | None = None) -> TagReport:
    """tag_members without the permission check and the size limit; `indexes` numbers the rows."""
    indexes = list(indexes) if indexes is not None else list(range(len(refs)))
    members = await resolve_members(refs)
    ids = sorted({m.member_id for m in members if isinstance(m, ResolvedMember)})
    tagged: set[int] = set()
    for chunk in chunks(ids):
        tagged |= set(await MemberTag.filter(tag=tag, member_id__in=list(chunk)).values_list("member_id", flat=True))
    to_change = sorted((set(ids) - tagged) if not remove else (set(ids) & tagged))
    async with in_transaction():
        if remove:
            for chunk in chunks(to_change):
                await MemberTag.filter(tag=tag, member_id__in=list(chunk)).delete()
        else:
            await MemberTag.bulk_create([MemberTag(member_id=m, tag=tag) for m in to_change],
                                        batch_size=500, ignore_conflicts=True)
        await _audit_members(actor, "member.untag" if remove else "member.tag", {m: {"tag": tag} for m in to_change})
    changing = set(to_change)
    results = [RowResult(i, value=m.member_id, repeated=m.member_id not in changing)
               if isinstance(m, ResolvedMember) else refused_row(i, m) for i, m in zip(indexes, members, strict=True)]
    return TagReport(len(to_change), results)


async def tags_by_members(member_ids: Sequence[int]) -> list[list[str]]:
    tags: dict[int, list[str]] = defaultdict(list)
    for chunk in chunks(sorted(set(member_ids))):
        for member_id, tag in await MemberTag.filter(member_id__in=list(chunk)).order_by("tag").values_list(
                "member_id", "tag"):
            tags[member_id].append(tag)
    return [tags[m] for m in member_ids]


# Reads for the Member type (DataLoader batch functions) --------------------------------------------------

async def consents_by_members(member_ids: Sequence[int]) -> list[list[MarketingConsent]]:
    found: dict[int, list[MarketingConsent]] = defaultdict(list)
    for chunk in chunks(sorted(set(member_ids))):
        for consent in await MarketingConsent.filter(member_id__in=list(chunk)).order_by("channel"):
            found[consent.member_id].append(consent)
    return [found[m] for m in member_ids]


async def grade_history_by_members(member_ids: Sequence[int]) -> list[list[GradeChange]]:
    found: dict[int, list[GradeChange]] = defaultdict(list)
    for chunk in chunks(sorted(set(member_ids))):
        for change in await GradeChange.filter(member_id__in=list(chunk)).order_by("-at", "-id"):
            found[change.member_id].append(change)
    return [found[m] for m in member_ids]

