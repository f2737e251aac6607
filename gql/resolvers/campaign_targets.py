"""Who a campaign run goes to: one INSERT ... SELECT writes a message row per target member.

Targets (Campaign.targets) are the union, deduplicated, of the members of the chosen segments
(each one's latest snapshot; a segment never computed is computed for today first), of the
built-in groups and of a filter tree (both compiled as of today, segment_sql), and of members
picked by hand; only active members. Each is written as QUEUED, or EXCLUDED with the first
reason that applies:

- NO_CONSENT: advertising, and no granted marketing consent on the channel (the law; also for
  members picked by hand);
- NO_CONTACT: no phone number (SMS, Kakao) or e-mail address (e-mail);
- DUPLICATE: `never_twice`, and the member already has this campaign SENT or QUEUED in
  another run;
- RECENTLY_MESSAGED: `skip_messaged_within_days`, and any message SENT to the member in that
  period;
- NOT_VISITED: `visited_within_days`, and no visit in that period.

The last three are send settings; seed 003 applies only the performance setting to members
picked by hand, so they never exclude a member picked by hand. The row key (run, member) and
ON CONFLICT DO NOTHING make selecting again after a crash add nothing twice. Raw SQL because
it is one set-based statement over up to millions of members (benchmark `campaign`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tortoise import connections

from gql.resolvers.ad_rules import CONSENT_FOR_CHANNEL
from gql.resolvers.raw_sql import execute, fetch, sql_instant
from gql.resolvers.segment_sql import compile_segment
from gql.resolvers.segment_tree import validate_tree
from gql.resolvers.segments import BUILTIN_GROUPS, recompute, sql_day
from kupon.timeutil import seoul_today
from models.campaigns import Campaign, CampaignChannel, CampaignMessage, CampaignRun, MessageStatus, MessageType
from models.segments import Segment


def is_postgres() -> bool:
    return connections.get("default").capabilities.dialect == "postgres"


SEND_SETTING_REASONS = ("DUPLICATE", "RECENTLY_MESSAGED", "NOT_VISITED")
EXCLUSION_REASONS = ("NO_CONSENT", "NO_CONTACT", *SEND_SETTING_REASONS)


@dataclass
class TargetQuery:
    """`sql` selects (id, contact, reason) of every target member; `params` in text order."""

    sql: str
    params: list[Any] = field(default_factory=list)


async def _sources(targets: dict, postgres: bool) -> tuple[list[str], list[Any]]:
    """SELECTs of member ids, one per kind of target, and their parameters."""
    parts: list[str] = []
    params: list[Any] = []
    today = seoul_today()
    segment_ids = [int(i) for i in targets.get("segment_ids") or []]
    if segment_ids:
        for segment in await Segment.filter(id__in=segment_ids, computed_for=None, is_deleted=False):
            await recompute(segment, today)
        latest = await Segment.filter(id__in=segment_ids, is_deleted=False).values_list("id", "computed_for")
        # Each segment's day bound as a value: joining segment.computed_for hides the row count from the planner.
        days = " OR ".join("(segment_id = ? AND day = ?)" for _ in latest)
        if latest:
            distinct = "DISTINCT " if len(latest) > 1 else ""
            parts.append(f"SELECT {distinct}member_id AS id FROM segment_member WHERE {days}")
            params += [value for segment_id, day in latest for value in (segment_id, sql_day(day))]
    trees = [BUILTIN_GROUPS[key][2] for key in targets.get("groups") or [] if key in BUILTIN_GROUPS]
    if targets.get("filters"):
        trees.append(validate_tree(targets["filters"]))
    for tree in trees:
        sql, tree_params = compile_segment(tree, today, None, postgres).select_ids()
        parts.append(sql)
        params += tree_params
    picked = [int(i) for i in targets.get("member_ids") or []]
    if picked:
        parts.append(f"SELECT id FROM member WHERE id IN ({', '.join('?' * len(picked))})")
        params += picked
    return parts, params


@dataclass
class _Exclusions:
    """The CASE naming each member's first exclusion reason ('' for none), and the LEFT JOINs it reads."""

    cases: list[str] = field(default_factory=list)
    case_params: list[Any] = field(default_factory=list)
    joins: list[str] = field(default_factory=list)
    join_params: list[Any] = field(default_factory=list)

    def join(self, alias: str, subquery: str, params: list[Any], reason: str, when_found: bool) -> None:
        self.joins.append(f"LEFT JOIN ({subquery}) {alias} ON {alias}.member_id = m.id")
        self.join_params += params
        self.cases.append(f"WHEN {alias}.member_id IS {'NOT ' if when_found else ''}NULL THEN '{reason}'")


def _exclusions(campaign: Campaign, run_id: int, picked: list[int], now: datetime) -> _Exclusions:
    """LEFT JOINs on grouped subqueries rather than EXISTS in the CASE: PostgreSQL hashes them once
    instead of probing per member (benchmark `campaign_select`)."""
    found = _Exclusions()
    if campaign.message_type == MessageType.ADVERTISING:
        found.join("c", "SELECT member_id FROM marketing_consent WHERE channel = ? AND granted = ?",
                   [CONSENT_FOR_CHANNEL[CampaignChannel(campaign.channel)].value, True], "NO_CONSENT", False)
    contact = "m.email" if campaign.channel == CampaignChannel.EMAIL else "m.phone"
    found.cases.append(f"WHEN {contact} = '' THEN 'NO_CONTACT'")
    if picked and (campaign.never_twice or campaign.skip_messaged_within_days or campaign.visited_within_days):
        # Members picked by hand skip the send settings (seed 003).
        found.cases.append(f"WHEN m.id IN ({', '.join('?' * len(picked))}) THEN ''")
        found.case_params += picked
    if campaign.never_twice:
        found.join("d", "SELECT member_id FROM campaign_message WHERE campaign_id = ? AND run_id <> ? "
                   "AND status IN ('SENT', 'QUEUED') GROUP BY member_id", [campaign.id, run_id], "DUPLICATE", True)
    if campaign.skip_messaged_within_days:
        since = now - timedelta(days=campaign.skip_messaged_within_days)
        found.join("r", "SELECT member_id FROM campaign_message WHERE status = 'SENT' AND sent_at >= ? "
                   "GROUP BY member_id", [sql_instant(since)], "RECENTLY_MESSAGED", True)
    if campaign.visited_within_days:
        since = now - timedelta(days=campaign.visited_within_days)
        found.join("v", "SELECT member_id FROM member_visit WHERE at >= ? GROUP BY member_id",
                   [sql_instant(since)], "NOT_VISITED", False)
    return found


async def target_query(campaign: Campaign, run_id: int, now: datetime) -> TargetQuery:
    parts, source_params = await _sources(campaign.targets or {}, is_postgres())
    if not parts:
        return TargetQuery("SELECT m.id, m.phone AS contact, '' AS reason FROM member m WHERE 1 = 0")
    picked = [int(i) for i in (campaign.targets or {}).get("member_ids") or []]
    found = _exclusions(campaign, run_id, picked, now)
    contact = "m.email" if campaign.channel == CampaignChannel.EMAIL else "m.phone"
    # One kind of target selects each member once; several are deduplicated by UNION.
    sql = (f"SELECT m.id, {contact} AS contact, CASE {' '.join(found.cases)} ELSE '' END AS reason FROM member m "
           f"JOIN ({' UNION '.join(parts)}) t ON t.id = m.id {' '.join(found.joins)} WHERE m.is_active = ?")
    return TargetQuery(sql, [*found.case_params, *source_params, *found.join_params, True])


async def select_targets(run: CampaignRun, campaign: Campaign, now: datetime) -> dict:
    """Write the run's message rows (QUEUED or EXCLUDED with a reason) and its counts; safe to
    repeat. Returns {"targets": n, "excluded": {reason: n}}."""
    query = await target_query(campaign, run.id, now)
    first = not await CampaignMessage.exists(run_id=run.id)
    # The first selection of a run inserts plainly (the unique (run, member) key still holds: a
    # second job selecting at once fails and retries); a repeat after a crash skips the rows there.
    insert = (
        "INSERT INTO campaign_message (run_id, campaign_id, member_id, channel, recipient, subject, text, status, "
        "reason, provider_message_id, price, attempts, queued_at) "
        f"SELECT ?, ?, s.id, ?, s.contact, '', '', CASE WHEN s.reason = '' THEN '{MessageStatus.QUEUED}' "
        f"ELSE '{MessageStatus.EXCLUDED}' END, s.reason, '', 0, 0, ? "
        f"FROM ({query.sql}) s{'' if first else ' WHERE 1 = 1 ON CONFLICT (run_id, member_id) DO NOTHING'}")
    params = [run.id, campaign.id, str(campaign.channel), sql_instant(now), *query.params]
    if first and is_postgres():
        # Counted from the rows the statement returns, not by reading a million rows again
        # (benchmark `campaign_select`). A repeat after a crash counts what is stored instead.
        rows = await fetch(f"WITH written AS ({insert} RETURNING reason) "
                           "SELECT reason, COUNT(*) FROM written GROUP BY reason", *params)
        return await _store_counts(run, {reason: int(count) for reason, count in rows})
    await execute(insert, *params)
    return await count_targets(run)


async def count_targets(run: CampaignRun) -> dict:
    """The run's counts from its stored rows: targets, and EXCLUDED by reason."""
    rows = await fetch("SELECT reason, COUNT(*) FROM campaign_message WHERE run_id = ? AND status = ? GROUP BY reason",
                       run.id, MessageStatus.EXCLUDED.value)
    excluded = {reason: int(count) for reason, count in rows}
    return await _store_counts(run, excluded, await CampaignMessage.filter(run_id=run.id).count())


async def _store_counts(run: CampaignRun, by_reason: dict[str, int], total: int | None = None) -> dict:
    """`by_reason` holds the excluded counts (and '' for the rest when `total` is None)."""
    total = sum(by_reason.values()) if total is None else total
    excluded = {reason: count for reason, count in by_reason.items() if reason}
    run.targets, run.excluded = total, excluded
    await CampaignRun.filter(id=run.id).update(targets=total, excluded=excluded)
    return {"targets": total, "excluded": excluded}
