"""Rows of member activity: naming members, checking times, and one result per row.

Shared by the batch resolvers (gql/resolvers/member_activity.py) and the CSV import
(gql/resolvers/activity_import.py), so a row means the same whichever way it arrives.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from gql.resolvers.errors import Problem, Refused
from kupon.timeutil import SEOUL
from models.members import Member
from models.sites import Site

MAX_BATCH = 1000  # rows per GraphQL call; the CSV import feeds its rows in chunks of this size
READ_CHUNK = 500  # ids per IN (...) query, under SQLite's bound-variable limit
# The back end's clock may run a little ahead of ours.
FUTURE_SLACK = timedelta(minutes=5)


@dataclass(frozen=True)
class MemberRef:
    """A member by kupon id, or by the site's code and the login id the shop's back end knows."""

    member_id: int | None = None
    site_code: str = ""
    login_id: str = ""


@dataclass(frozen=True)
class ResolvedMember:
    member_id: int
    site_id: int


@dataclass(frozen=True)
class RowResult:
    """The outcome of one row: `problems` when refused (nothing stored), else `value` (what is
    stored), with `repeated` when an earlier call had stored it already (nothing new stored)."""

    index: int
    problems: tuple[Problem, ...] = ()
    value: Any = None
    repeated: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def refused_row(index: int, *problems: Problem) -> RowResult:
    return RowResult(index, tuple(problems))


def chunks(values: Sequence, size: int = READ_CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def check_batch_size(rows: Sequence) -> None:
    if len(rows) > MAX_BATCH:
        raise Refused.because("TOO_MANY", "rows")


def single(result: RowResult) -> RowResult:
    """The one result of a one-row call, raised as a refusal when the row was refused."""
    if result.problems:
        raise Refused(*result.problems)
    return result


def moment(at: datetime | None, now: datetime, problems: list[Problem], field: str = "at") -> datetime:
    """`at` as UTC (a time without an offset is Asia/Seoul wall-clock time); `now` when None.
    A time in the future is a problem."""
    if at is None:
        return now
    if at.tzinfo is None:
        at = at.replace(tzinfo=SEOUL)
    at = at.astimezone(UTC)
    if at > now + FUTURE_SLACK:
        problems.append(Problem("ACTIVITY_IN_FUTURE", field))
    return at


async def site_ids_by_code(codes: set[str]) -> dict[str, int]:
    codes = {c.strip() for c in codes if c and c.strip()}
    if not codes:
        return {}
    return dict(await Site.filter(code__in=sorted(codes)).values_list("code", "id"))


async def resolve_members(refs: Sequence[MemberRef]) -> list[ResolvedMember | Problem]:
    """Each ref as its member (id and site), or the problem naming it. A handful of queries
    whatever the number of refs."""
    ids = sorted({r.member_id for r in refs if r.member_id is not None})
    by_id: dict[int, ResolvedMember] = {}
    for chunk in chunks(ids):
        for member_id, site_id in await Member.filter(id__in=list(chunk)).values_list("id", "site_id"):
            by_id[member_id] = ResolvedMember(member_id, site_id)
    sites = await site_ids_by_code({r.site_code for r in refs if r.member_id is None})
    wanted: dict[int, set[str]] = defaultdict(set)
    for ref in refs:
        if ref.member_id is None and ref.site_code.strip() in sites and ref.login_id.strip():
            wanted[sites[ref.site_code.strip()]].add(ref.login_id.strip())
    by_login: dict[tuple[int, str], int] = {}
    for site_id, logins in wanted.items():
        for chunk in chunks(sorted(logins)):
            query = Member.filter(site_id=site_id, login_id__in=list(chunk))
            for member_id, login_id in await query.values_list("id", "login_id"):
                by_login[(site_id, login_id)] = member_id
    return [_resolved(ref, by_id, sites, by_login) for ref in refs]


def _resolved(ref: MemberRef, by_id: dict, sites: dict, by_login: dict) -> ResolvedMember | Problem:
    if ref.member_id is not None:
        return by_id.get(ref.member_id) or Problem("MEMBER_UNKNOWN", "member_id")
    code, login_id = ref.site_code.strip(), ref.login_id.strip()
    if not code or not login_id:
        return Problem("MEMBER_REF_REQUIRED", "member")
    if code not in sites:
        return Problem("SITE_UNKNOWN", "site_code")
    member_id = by_login.get((sites[code], login_id))
    return ResolvedMember(member_id, sites[code]) if member_id else Problem("MEMBER_UNKNOWN", "login_id")
