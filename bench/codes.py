"""`codes`: generating and storing a million random serial codes, against a raw COPY of as many rows.

kupon's side is what the generation job (`gql.resolvers.serials.generate_serial_codes`) runs for a
RANDOM serial campaign: `generate_codes(CodeKind.SERIAL, shape, N, campaign_id)`, drawing the codes
with `secrets` and storing them in the shared `code` table, whose primary key keeps a code unique
across kinds (a collision is drawn again). The baseline is the least any implementation must do to
store as many rows: one asyncpg `copy_records_to_table` of N rows of the same shape (code, kind,
serial_campaign_id, registrations, created_at), drawn beforehand, into an empty copy of the table
made by `CREATE TABLE code_copy (LIKE code INCLUDING ALL)` (same primary key and indexes).

Both sides start every turn on an empty table, after a CHECKPOINT, and take turns `--rounds` times;
each figure is the median turn in seconds, and the ratio is COPY's time over kupon's. After every
kupon turn the campaign must hold exactly N distinct codes of the campaign's shape, and the
baseline's table N rows. N is KUPON_BENCH_CODES (default 1,000,000, the issue's figure).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time

from bench.registry import Options, Result, benchmark
from bench.servers import throwaway_postgres

CODES_ENV = "KUPON_BENCH_CODES"
DEFAULT_CODES = 1_000_000
# The unmeasured first turn of each side (connections, caches, the temp table), when --warmup is not 0.
WARMUP_CODES = 10_000
# A turn that takes longer than this has gone wrong: fail rather than hang.
TURN_TIMEOUT = 300.0
# The campaign's shape: kupon's default, 12 characters from its alphabet.
CODE_LENGTH = 12


def code_count(environ: dict[str, str] | None = None) -> int:
    """N, from KUPON_BENCH_CODES (underscores and commas allowed: 1_000_000), else the issue's million."""
    text = (os.environ if environ is None else environ).get(CODES_ENV, "").strip()
    if not text:
        return DEFAULT_CODES
    try:
        count = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise ValueError(f"{CODES_ENV} must be a whole number of codes, not {text!r}") from None
    if count < 1:
        raise ValueError(f"{CODES_ENV} must be at least 1, not {count}")
    return count


@benchmark("codes")
def codes_benchmark(options: Options) -> Result:
    from bench.fixtures import environ, new_database

    count = code_count()
    with throwaway_postgres() as postgres:
        env = new_database(postgres)
        with environ(env):
            kupon, copy = asyncio.run(run(env["KUPON_DATABASE_URL"], count, options))
    return Result.duration("codes", "s", statistics.median(kupon), statistics.median(copy))


async def run(url: str, count: int, options: Options) -> tuple[list[float], list[float]]:
    """Seconds per measured turn: kupon's, then COPY's."""
    import asyncpg

    from bench.fixtures import tortoise

    async with tortoise(url):
        campaign, shape = await make_campaign(count)
        admin = await asyncpg.connect(url)
        try:
            await admin.execute("CREATE TABLE code_copy (LIKE code INCLUDING ALL)")
            kupon = KuponSide(admin, campaign.id, shape)
            copy = CopySide(admin, campaign.id, shape)
            if options.warmup > 0:
                for side in (kupon, copy):
                    await side.turn(min(count, WARMUP_CODES))
            kupon_times, copy_times = [], []
            for _ in range(options.rounds):
                kupon_times.append(await kupon.turn(count))
                copy_times.append(await copy.turn(count))
            return kupon_times, copy_times
        finally:
            await admin.close()


async def make_campaign(count: int):
    """A RANDOM serial campaign for `count` codes of kupon's default shape, with one reward coupon."""
    from bench.fixtures import make_coupon
    from kupon.codes import CodeShape
    from models.serials import SerialCampaign, SerialReward, SerialType

    shape = CodeShape(length=CODE_LENGTH)
    problem = shape.problem(count)
    if problem:
        raise ValueError(f"codes: {count:,} codes of {CODE_LENGTH} characters: {problem}")
    coupon = await make_coupon()
    campaign = await SerialCampaign.create(name="벤치 시리얼", type=SerialType.RANDOM, quantity_limit=count,
                                           code_length=shape.length)
    await SerialReward.create(campaign=campaign, coupon=coupon, quantity=1)
    return campaign, shape


async def fresh_start(admin, table: str) -> None:
    """An empty table and a clean checkpoint, so no turn pays for the one before it."""
    await admin.execute(f"TRUNCATE {table} CASCADE")
    await admin.execute("CHECKPOINT")


class KuponSide:
    """kupon's generation path, timed from drawing the first code to the last batch committed."""

    def __init__(self, admin, campaign_id: int, shape):
        self.admin, self.campaign_id, self.shape = admin, campaign_id, shape

    async def turn(self, count: int) -> float:
        from gql.resolvers.codes import generate_codes
        from models.codes import CodeKind

        await fresh_start(self.admin, "code")
        start = time.perf_counter()
        async with asyncio.timeout(TURN_TIMEOUT):
            made = await generate_codes(CodeKind.SERIAL, self.shape, count, self.campaign_id)
        elapsed = time.perf_counter() - start
        await self.check(made, count)
        return elapsed

    async def check(self, made: list[str], count: int) -> None:
        """Exactly `count` distinct codes of the campaign's shape, stored for the campaign and returned."""
        from kupon.codes import ALPHABET

        stored, distinct, serial = await self.admin.fetchrow(
            "SELECT count(*), count(DISTINCT code), count(*) FILTER (WHERE kind = 'SERIAL' AND registrations = 0) "
            "FROM code WHERE serial_campaign_id = $1", self.campaign_id)
        if not stored == distinct == serial == count:
            raise RuntimeError(f"codes: kupon stored {stored:,} codes ({distinct:,} distinct, {serial:,} unused "
                               f"serial codes) for the campaign, not {count:,}")
        if len(made) != count or len(set(made)) != count:
            raise RuntimeError(f"codes: generate_codes returned {len(made):,} codes "
                               f"({len(set(made)):,} distinct), not {count:,}")
        template = self.shape.template
        if any(len(code) != len(template) for code in made) or not set("".join(made)) <= set(ALPHABET):
            raise RuntimeError("codes: a generated code does not have the campaign's shape")
        sample = made[:: max(1, count // 1000)]
        found = await self.admin.fetchval(
            "SELECT count(*) FROM code WHERE serial_campaign_id = $1 AND code = ANY($2::text[])",
            self.campaign_id, sample)
        if found != len(sample):
            raise RuntimeError(f"codes: {len(sample) - found} of the codes generate_codes returned are not stored")


class CopySide:
    """The baseline: N pre-drawn rows of the same shape, COPYed into an empty `code_copy`."""

    def __init__(self, admin, campaign_id: int, shape):
        self.admin, self.campaign_id, self.shape = admin, campaign_id, shape
        self.rows: list[tuple] = []

    def rows_for(self, count: int) -> list[tuple]:
        """Drawn once (outside the measured time) and reused: the table is empty at every turn."""
        from kupon.timeutil import now_utc

        if len(self.rows) < count:
            now = now_utc()
            codes = self.shape.draw_many(count)
            self.rows = [(code, "SERIAL", self.campaign_id, 0, now) for code in codes]
        return self.rows[:count]

    async def turn(self, count: int) -> float:
        rows = self.rows_for(count)
        await fresh_start(self.admin, "code_copy")
        start = time.perf_counter()
        async with asyncio.timeout(TURN_TIMEOUT):
            await self.admin.copy_records_to_table(
                "code_copy", records=rows,
                columns=["code", "kind", "serial_campaign_id", "registrations", "created_at"])
        elapsed = time.perf_counter() - start
        stored = await self.admin.fetchval("SELECT count(*) FROM code_copy")
        if stored != count:
            raise RuntimeError(f"codes: COPY stored {stored:,} rows, not {count:,}")
        return elapsed
