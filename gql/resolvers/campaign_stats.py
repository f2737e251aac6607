"""Campaign statistics (seed 002: send rate, targets, history; seed 003: message performance),
the credit's spending, and the compliance list. Every figure comes from a grouped SQL query
over the message rows, never from counting in Python.

- Per run and per campaign: targets (message rows), excluded by reason (NO_CONSENT, NIGHT_BAN,
  DUPLICATE, RECENTLY_MESSAGED, NO_CONTACT, NOT_VISITED...), queued, sent, failed, the send rate
  (sent / targets) and what the sent messages cost.
- Performance within the campaign's performance_days (7 when unset) after each recipient's
  message: visits, orders (those segments count: paid or refunded, not carts) with their paid
  won, and downloads and redemptions of the campaign's coupon (member coupons issued, or USED,
  in the window). Per run it counts each message of the run; per campaign each recipient once,
  from their first message.
- Credit: the balance and spending per channel (charges minus refunds) over a period.
- Compliance: ComplianceEvent rows, and excluded messages counted by campaign and reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from gql.resolvers.access import Actor, require_read_shop
from gql.resolvers.campaigns import get_campaign
from gql.resolvers.errors import Refused
from gql.resolvers.message_credit import credit_balance
from gql.resolvers.pagination import Page, PageRequest, paginate
from gql.resolvers.raw_sql import fetch, sql_instant
from gql.resolvers.segment_sql import COUNTED_ORDER_STATUSES
from models.campaigns import Campaign, CampaignRun, ComplianceEvent, MessageStatus

DEFAULT_PERFORMANCE_DAYS = 7


@dataclass
class Counts:
    targets: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    queued: int = 0
    sent: int = 0
    failed: int = 0
    spent: int = 0

    @property
    def excluded_total(self) -> int:
        return sum(self.excluded.values())

    @property
    def send_rate(self) -> float:
        """Sent over targets (0.0 without targets)."""
        return self.sent / self.targets if self.targets else 0.0

    def add(self, status: str, reason: str, count: int, spent: int) -> None:
        self.targets += count
        if status == MessageStatus.EXCLUDED:
            self.excluded[reason or "UNKNOWN"] = self.excluded.get(reason or "UNKNOWN", 0) + count
        elif status == MessageStatus.SENT:
            self.sent += count
            self.spent += spent
        elif status == MessageStatus.FAILED:
            self.failed += count
        else:
            self.queued += count


@dataclass
class RunStats:
    run: CampaignRun
    counts: Counts


@dataclass
class CampaignStats:
    campaign: Campaign
    counts: Counts
    runs: list[RunStats]


async def _counts_by_run(campaign_id: int) -> dict[int, Counts]:
    rows = await fetch(
        "SELECT run_id, status, reason, COUNT(*), COALESCE(SUM(price), 0) FROM campaign_message "
        "WHERE campaign_id = ? GROUP BY run_id, status, reason", campaign_id)
    by_run: dict[int, Counts] = {}
    for run_id, status, reason, count, spent in rows:
        by_run.setdefault(run_id, Counts()).add(status, reason, int(count), int(spent))
    return by_run


async def campaign_stats(actor: Actor, campaign_id: int) -> CampaignStats:
    """The campaign's totals and every run's figures, newest run first (the history)."""
    campaign = await get_campaign(actor, campaign_id)
    by_run = await _counts_by_run(campaign.id)
    runs = await CampaignRun.filter(campaign_id=campaign.id).order_by("-scheduled_for")
    total = Counts()
    for counts in by_run.values():
        total.targets += counts.targets
        total.queued += counts.queued
        total.sent += counts.sent
        total.failed += counts.failed
        total.spent += counts.spent
        for reason, count in counts.excluded.items():
            total.excluded[reason] = total.excluded.get(reason, 0) + count
    return CampaignStats(campaign, total, [RunStats(run, by_run.get(run.id, Counts())) for run in runs])


async def run_stats(actor: Actor, run_id: int) -> RunStats:
    require_read_shop(actor)
    run = await CampaignRun.get_or_none(id=run_id)
    if run is None:
        raise Refused.because("NOT_FOUND", "id")
    return RunStats(run, (await _counts_by_run(run.campaign_id)).get(run.id, Counts()))


# --- performance ------------------------------------------------------------------------------

@dataclass
class Performance:
    run_id: int | None  # None: the whole campaign
    days: int
    recipients: int = 0
    visitors: int = 0
    visits: int = 0
    buyers: int = 0
    orders: int = 0
    revenue: int = 0
    downloads: int = 0
    redemptions: int = 0

    @property
    def visit_rate(self) -> float:
        return self.visitors / self.recipients if self.recipients else 0.0

    @property
    def purchase_rate(self) -> float:
        return self.buyers / self.recipients if self.recipients else 0.0


def _postgres() -> bool:
    from tortoise import connections

    return connections.get("default").capabilities.dialect == "postgres"


def _window(column: str, days: int) -> str:
    """`column` falls within [p.sent_at, p.sent_at + days): SQL for either database."""
    if _postgres():
        return f"{column} >= p.sent_at AND {column} < p.sent_at + {int(days)} * INTERVAL '1 day'"
    # whole milliseconds apart, so the window's exact end is compared without floating-point doubt
    apart = f"ROUND((julianday({column}) - julianday(p.sent_at)) * 86400000)"
    return f"{apart} >= 0 AND {apart} < {int(days) * 86_400_000}"


def _performance_sql(days: int, coupon_id: int | None, per_run: bool) -> tuple[str, list]:
    statuses = [s.value for s in COUNTED_ORDER_STATUSES]
    marks = ", ".join("?" * len(statuses))
    visits = f"SELECT COUNT(*) FROM member_visit v WHERE v.member_id = p.member_id AND {_window('v.at', days)}"
    orders = (f"FROM shop_order o WHERE o.member_id = p.member_id AND o.status IN ({marks}) "
              f"AND o.is_temporary = ? AND {_window('o.ordered_at', days)}")
    coupons = "FROM member_coupon c WHERE c.member_id = p.member_id AND c.coupon_id = ?"
    source = ("SELECT run_id AS run_id, member_id, sent_at FROM campaign_message WHERE campaign_id = ? AND status = ?"
              if per_run else
              "SELECT 0 AS run_id, member_id, MIN(sent_at) AS sent_at FROM campaign_message "
              "WHERE campaign_id = ? AND status = ? GROUP BY member_id")
    sql = (f"SELECT p.run_id, COUNT(*), "
           f"SUM(CASE WHEN ({visits}) > 0 THEN 1 ELSE 0 END), SUM(({visits})), "
           f"SUM(CASE WHEN EXISTS (SELECT 1 {orders}) THEN 1 ELSE 0 END), SUM((SELECT COUNT(*) {orders})), "
           f"SUM((SELECT COALESCE(SUM(o.paid_amount), 0) {orders})), "
           f"SUM(CASE WHEN EXISTS (SELECT 1 {coupons} AND {_window('c.issued_at', days)}) THEN 1 ELSE 0 END), "
           f"SUM(CASE WHEN EXISTS (SELECT 1 {coupons} AND c.status = ? AND {_window('c.used_at', days)}) "
           f"THEN 1 ELSE 0 END) "
           f"FROM ({source}) p GROUP BY p.run_id")
    order_params = [*statuses, False]
    coupon = coupon_id or 0
    params = [*order_params, *order_params, *order_params, coupon, coupon, "USED"]
    return sql, params


async def performance(actor: Actor, campaign_id: int, per_run: bool = False) -> list[Performance]:
    """Performance of the campaign as a whole (one item) or per run (one per run that sent)."""
    campaign = await get_campaign(actor, campaign_id)
    days = campaign.performance_days or DEFAULT_PERFORMANCE_DAYS
    coupon_id = (campaign.coupon_block or {}).get("coupon_id")
    sql, params = _performance_sql(days, coupon_id, per_run)
    # the source subquery's parameters come last in the text
    rows = await fetch(sql, *params, campaign.id, MessageStatus.SENT.value)
    found = [Performance(run_id if per_run else None, days, *(int(v or 0) for v in values))
             for run_id, *values in rows]
    if not per_run and not found:
        found = [Performance(None, days)]
    return found


# --- credit -----------------------------------------------------------------------------------

@dataclass
class Spending:
    channel: str
    messages: int
    amount: int


async def spending_by_channel(actor: Actor, since: datetime | None = None,
                              until: datetime | None = None) -> list[Spending]:
    """Won spent per channel (charges minus refunds) and messages charged, over [since, until)."""
    require_read_shop(actor)
    conditions, params = ["e.kind IN ('CHARGE', 'REFUND')"], []
    if since is not None:
        conditions.append("e.at >= ?")
        params.append(sql_instant(since))
    if until is not None:
        conditions.append("e.at < ?")
        params.append(sql_instant(until))
    rows = await fetch(
        "SELECT m.channel, SUM(CASE WHEN e.kind = 'CHARGE' THEN 1 ELSE -1 END), -SUM(e.amount) "
        "FROM credit_entry e JOIN campaign_message m ON m.id = e.message_id "
        f"WHERE {' AND '.join(conditions)} GROUP BY m.channel ORDER BY m.channel", *params)
    return [Spending(channel, int(messages), int(amount)) for channel, messages, amount in rows]


async def balance(actor: Actor) -> int:
    require_read_shop(actor)
    return await credit_balance()


# --- compliance -------------------------------------------------------------------------------

@dataclass
class Exclusion:
    campaign_id: int
    campaign_name: str
    reason: str
    count: int


async def compliance_events(actor: Actor, page: PageRequest, kind: str = "",
                            campaign_id: int | None = None) -> Page[ComplianceEvent]:
    require_read_shop(actor)
    query = ComplianceEvent.all()
    if kind:
        query = query.filter(kind=kind)
    if campaign_id is not None:
        query = query.filter(campaign_id=campaign_id)
    return await paginate(query.order_by("-at", "-id"), page)


async def exclusions(actor: Actor, campaign_id: int | None = None, limit: int = 200) -> list[Exclusion]:
    """Excluded messages counted by campaign and reason, the most recent campaigns first."""
    require_read_shop(actor)
    where, params = "m.status = ?", [MessageStatus.EXCLUDED.value]
    if campaign_id is not None:
        where += " AND m.campaign_id = ?"
        params.append(campaign_id)
    rows = await fetch(
        "SELECT m.campaign_id, c.name, m.reason, COUNT(*) FROM campaign_message m "
        f"JOIN campaign c ON c.id = m.campaign_id WHERE {where} "
        "GROUP BY m.campaign_id, c.name, m.reason ORDER BY m.campaign_id DESC, m.reason LIMIT ?", *params, limit)
    return [Exclusion(cid, name, reason, int(count)) for cid, name, reason, count in rows]
