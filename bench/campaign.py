"""`campaign` and `campaign_select`: sending a campaign through the fake gateway, and selecting its targets.

`campaign`: kupon selects the targets of an SMS campaign to N members (KUPON_BENCH_CAMPAIGN_MEMBERS,
default 100,000, the issue's figure) and dispatches it (`campaign_dispatch.dispatch_run`: the
run's message rows, consent read again per batch, credit holds, rendering, the token bucket,
recording each batch) through the fake gateway running in its own process. The baseline is
the gateway's own throughput for the same number of requests from a bare httpx client in the
same run: the same signed JSON bodies, the same pool of connections (GatewayConfig's 10) and
the same number of sends in flight (CONCURRENCY), and nothing else. The shop's rate limit is set
above what the gateway can take, so the figure prices kupon's work, not the configured rate.
Figures in messages/s; target ratio at least 0.5.

`campaign_select`: kupon's `campaign_targets.select_targets` for an advertising SMS campaign
to a segment's latest snapshot of M members (KUPON_BENCH_SELECT_MEMBERS, default 1,000,000):
one INSERT ... SELECT writing every member's row, QUEUED or EXCLUDED with its reason (no
consent for 10%, no phone for 1%, no visit in 30 days for 30%), then the run's counts. The
baseline is the bare statement a person would write for the same rows, run on its own asyncpg
connection: the message table is the result either way, so both write it. Each side runs
--rounds times (the table emptied between calls); figures are median seconds, and both sides'
rows are checked equal first. Target ratio at least 0.8.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

from bench.registry import Options, Result, benchmark
from bench.servers import throwaway_postgres

MEMBERS_ENV = "KUPON_BENCH_CAMPAIGN_MEMBERS"
SELECT_ENV = "KUPON_BENCH_SELECT_MEMBERS"
DEFAULT_MEMBERS = 100_000
DEFAULT_SELECT_MEMBERS = 1_000_000
NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 11:00 in Seoul: outside the night-time ban
TEXT = "{name}님, 봄맞이 10% 할인 쿠폰을 드려요. 이번 주말까지 사용하세요."


def size(name: str, default: int, environ: dict[str, str] | None = None) -> int:
    text = (os.environ if environ is None else environ).get(name, "").strip()
    if not text:
        return default
    try:
        count = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise ValueError(f"{name} must be a whole number of members, not {text!r}") from None
    if count < 1:
        raise ValueError(f"{name} must be at least 1, not {count}")
    return count


async def generate(members: int, visited_share: bool) -> tuple[int, int]:
    """N members (1% without a phone), SMS consent for 90%, visits in the last 30 days for 70%
    (when `visited_share`), and a segment whose latest snapshot holds them all: (site id, segment id)."""
    from tortoise import connections

    from bench.fixtures import make_site
    from models.segments import Segment

    site = await make_site()
    day = NOW.date()
    segment = await Segment.create(name="벤치 세그먼트", tree={"field": "GRADE", "grades": ["BASIC"]}, size=members,
                                   computed_for=day, computed_at=NOW)
    async with connections.get("default").acquire_connection() as raw:
        await raw.execute(
            "INSERT INTO member (id, site_id, login_id, name, phone, email, grade, is_active, signed_up_at, "
            "created_at, updated_at) SELECT g, $1, 'bench' || g, '회원' || g, CASE WHEN g % 100 = 0 THEN '' "
            "ELSE '010-' || lpad(((g / 10000) % 10000)::text, 4, '0') || '-' || lpad((g % 10000)::text, 4, '0') END, "
            "'bench' || g || '@example.com', 'BASIC', true, $2, $2, $2 FROM generate_series(1, $3) g",
            site.id, NOW, members)
        await raw.execute("SELECT setval(pg_get_serial_sequence('member', 'id'), $1::bigint)", members)
        await raw.execute(
            "INSERT INTO marketing_consent (member_id, channel, granted, changed_at, source) "
            "SELECT g, 'SMS', true, $1, 'bench' FROM generate_series(1, $2) g WHERE g % 10 <> 3", NOW, members)
        if visited_share:
            await raw.execute(
                "INSERT INTO member_visit (member_id, site_id, channel, at) SELECT g, $1, 'APP', $2::timestamptz "
                "- (g % 20) * interval '1 day' FROM generate_series(1, $3) g WHERE g % 10 NOT IN (1, 4, 7)",
                site.id, NOW, members)
        await raw.execute("INSERT INTO segment_member (segment_id, day, member_id) "
                          "SELECT $1, $2, g FROM generate_series(1, $3) g", segment.id, day, members)
        for table in ("member", "marketing_consent", "member_visit", "segment_member"):
            await raw.execute(f"VACUUM ANALYZE {table}")
    return site.id, segment.id


async def make_campaign(segment_id: int, **fields):
    from models.campaigns import Campaign, CampaignRun

    campaign = await Campaign.create(
        name="벤치 캠페인", message_type="ADVERTISING", channel="SMS", text=TEXT,
        targets={"segment_ids": [segment_id]}, schedule="NOW", status="RUNNING", **fields)
    run = await CampaignRun.create(campaign=campaign, scheduled_for=NOW)
    return campaign, run


# --- campaign: dispatching ----------------------------------------------------------------------

@benchmark("campaign")
def campaign_benchmark(options: Options) -> Result:
    from bench.fixtures import environ, new_database
    from kupon.messaging.fake_gateway import running_fake_gateway

    members = size(MEMBERS_ENV, DEFAULT_MEMBERS)
    with throwaway_postgres() as postgres:
        env = new_database(postgres)
        with environ(env), running_fake_gateway(process=True) as gateway:
            kupon, bare = asyncio.run(dispatching(env["KUPON_DATABASE_URL"], members, gateway))
    return Result.throughput("campaign", "msg/s", kupon, bare)


async def dispatching(url: str, members: int, gateway) -> tuple[float, float]:
    from bench.fixtures import BENCH_SECRET_KEY, tortoise
    from gql.resolvers.campaign_dispatch import dispatch_run
    from kupon.messaging import Providers
    from kupon.settings import Settings
    from kupon.timeutil import clock_at
    from models.campaigns import CampaignMessage, CampaignRun, CreditEntry
    from models.coupons import ShopSetting

    settings = Settings(sms_base_url=gateway.url, kakao_base_url=gateway.url, gateway_api_key=gateway.api_key,
                        gateway_api_secret=gateway.api_secret, sms_sender_number="0212345678",
                        kakao_sender_key="bench-key")
    async with tortoise(url):
        await generate(members, visited_share=False)
        await ShopSetting.create(key="messaging", value={
            "shop_name": "벤치몰", "opt_out_number": "080-123-4567", "rate_limits": {"SMS": 1_000_000}})
        await CreditEntry.create(kind="TOP_UP", amount=100 * members, at=NOW)
        _, run = await make_campaign(await _segment_id())
        bare = await bare_client(gateway, members)
        gateway.reset()
        started = time.perf_counter()
        with clock_at(NOW, ticking=True):
            async with Providers.from_settings(settings) as providers:
                outcome = await dispatch_run(run.id, providers, BENCH_SECRET_KEY)
        seconds = time.perf_counter() - started
        run = await CampaignRun.get(id=run.id)
        delivered = gateway.stats().get("accepted", 0)
        sent = await CampaignMessage.filter(run_id=run.id, status="SENT").count()
        print(f"bench: campaign: {outcome}; {run.targets:,} targets, {sent:,} sent, {delivered:,} delivered in "
              f"{seconds:.1f} s (selection included); bare client {bare:,.0f} msg/s", file=sys.stderr)
        if outcome.get("status") != "DONE" or sent != delivered or sent < members * 0.85:
            raise RuntimeError(f"campaign: the run did not deliver its members: {outcome}, {sent} sent, "
                               f"{delivered} delivered")
        return sent / seconds, bare


async def _segment_id() -> int:
    from models.segments import Segment

    return (await Segment.first()).id


async def bare_client(gateway, count: int) -> float:
    """Messages/s of signed sends from one httpx client: same pool size, same sends in flight."""
    import httpx

    from gql.resolvers.campaign_dispatch import CONCURRENCY
    from kupon.messaging.http_gateway import SMS_PATH, GatewayConfig, signed_headers

    pool = GatewayConfig(gateway.url, gateway.api_key, gateway.api_secret).max_connections
    limits = httpx.Limits(max_connections=pool, max_keepalive_connections=pool)
    numbers = iter(range(count))
    accepted = 0
    async with httpx.AsyncClient(base_url=gateway.url, limits=limits, timeout=10.0) as client:
        async def sender():
            nonlocal accepted
            for n in numbers:
                body = json.dumps({"to": f"0105555{n % 10000:04d}", "from": "0212345678", "kind": "SMS",
                                   "subject": "", "idempotency_key": f"bare-{n}",
                                   "text": f"(광고)[벤치몰]\n회원{n}{TEXT[6:]}\n\n무료수신거부 080-123-4567"},
                                  ensure_ascii=False, separators=(",", ":")).encode()
                response = await client.post(SMS_PATH, content=body, headers=signed_headers(
                    gateway.api_key, gateway.api_secret, "POST", SMS_PATH, body))
                accepted += response.status_code == 200

        started = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(CONCURRENCY)))
        seconds = time.perf_counter() - started
    if accepted != count:
        raise RuntimeError(f"campaign: the bare client got {accepted} of {count} accepted")
    return count / seconds


# --- campaign_select: target selection ----------------------------------------------------------

BARE_SELECT = """
INSERT INTO campaign_message (run_id, campaign_id, member_id, channel, recipient, subject, text, status, reason,
                              provider_message_id, price, attempts, queued_at)
SELECT $1, $2, m.id, 'SMS', m.phone, '', '',
       CASE WHEN c.member_id IS NULL OR m.phone = '' OR v.member_id IS NULL THEN 'EXCLUDED' ELSE 'QUEUED' END,
       CASE WHEN c.member_id IS NULL THEN 'NO_CONSENT' WHEN m.phone = '' THEN 'NO_CONTACT'
            WHEN v.member_id IS NULL THEN 'NOT_VISITED' ELSE '' END,
       '', 0, 0, $3
FROM segment_member sm
JOIN member m ON m.id = sm.member_id AND m.is_active
LEFT JOIN marketing_consent c ON c.member_id = m.id AND c.channel = 'SMS' AND c.granted
LEFT JOIN (SELECT member_id FROM member_visit WHERE at >= $4 GROUP BY member_id) v ON v.member_id = m.id
WHERE sm.segment_id = $5 AND sm.day = $6
"""


@benchmark("campaign_select")
def campaign_select_benchmark(options: Options) -> Result:
    from bench.fixtures import environ, new_database

    members = size(SELECT_ENV, DEFAULT_SELECT_MEMBERS)
    with throwaway_postgres() as postgres:
        env = new_database(postgres)
        with environ(env):
            kupon, bare = asyncio.run(selecting(env["KUPON_DATABASE_URL"], members, options))
    return Result.duration("campaign_select", "s", statistics.median(kupon), statistics.median(bare))


async def selecting(url: str, members: int, options: Options) -> tuple[list[float], list[float]]:
    import asyncpg
    from tortoise import connections

    from bench.fixtures import tortoise
    from gql.resolvers.campaign_targets import select_targets
    from kupon.timeutil import clock_at

    async with tortoise(url):
        started = time.perf_counter()
        _, segment_id = await generate(members, visited_share=True)
        print(f"bench: campaign_select: {members:,} members loaded in {time.perf_counter() - started:.1f} s",
              file=sys.stderr)
        campaign, run = await make_campaign(segment_id, visited_within_days=30)
        bare_connection = await asyncpg.connect(url)

        async def empty() -> None:
            async with connections.get("default").acquire_connection() as raw:
                await raw.execute("TRUNCATE campaign_message CASCADE")

        async def kupon_call():
            with clock_at(NOW):
                return await select_targets(run, campaign, NOW)

        async def bare_call():
            await bare_connection.execute(BARE_SELECT, run.id, campaign.id, NOW, NOW - timedelta(days=30),
                                          segment_id, NOW.date())

        try:
            expected = await _rows_after(kupon_call, empty)
            if await _rows_after(bare_call, empty) != expected:
                raise RuntimeError("campaign_select: the bare statement's rows differ from kupon's")
            print(f"bench: campaign_select: {expected[1]}", file=sys.stderr)
            kupon_times, bare_times = [], []
            for _ in range(max(options.rounds, 1)):
                for call, times in ((kupon_call, kupon_times), (bare_call, bare_times)):
                    start = time.perf_counter()
                    await call()
                    times.append(time.perf_counter() - start)
                    await empty()
            return kupon_times, bare_times
        finally:
            await bare_connection.close()


async def _rows_after(call, empty) -> tuple[int, dict]:
    from gql.resolvers.raw_sql import fetch

    await call()
    rows = await fetch("SELECT status, reason, COUNT(*), SUM(member_id) FROM campaign_message "
                       "GROUP BY status, reason ORDER BY status, reason")
    await empty()
    return sum(row[2] for row in rows), {f"{status} {reason}": (count, int(ids)) for status, reason, count, ids in rows}


def main(argv: list[str]) -> int:
    """`python -m bench.campaign [--members N] [--select-members M] [bench options]`: both, sized."""
    import argparse

    from bench.__main__ import main as bench_main

    parser = argparse.ArgumentParser(prog="python -m bench.campaign", add_help=False)
    parser.add_argument("--members", help=f"members the campaign goes to (default {DEFAULT_MEMBERS:,})")
    parser.add_argument("--select-members", help=f"members to select from (default {DEFAULT_SELECT_MEMBERS:,})")
    known, rest = parser.parse_known_args(argv)
    for env, value in ((MEMBERS_ENV, known.members), (SELECT_ENV, known.select_members)):
        if value is not None:
            os.environ[env] = value
    size(MEMBERS_ENV, DEFAULT_MEMBERS)  # refuse a bad size before starting PostgreSQL
    size(SELECT_ENV, DEFAULT_SELECT_MEMBERS)
    names = [name for name in ("campaign", "campaign_select") if name in rest] or ["campaign", "campaign_select"]
    return bench_main([*names, *[arg for arg in rest if arg not in names]])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
