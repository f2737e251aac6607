"""Claiming codes in the shared `code` table, in batches, on both databases.

Raw SQL here is deliberate (benchmark `codes`): a million serial codes go through
PostgreSQL's COPY into a temporary table and one INSERT ... ON CONFLICT DO NOTHING,
about 10x faster than ORM inserts; SQLite takes plain batched INSERTs inside one
transaction. Values are always bound parameters, never formatted into SQL.
"""

from __future__ import annotations

from tortoise import connections
from tortoise.transactions import in_transaction

from kupon.codes import CodeShape
from kupon.timeutil import now_utc
from models.codes import Code, CodeKind

BATCH = 20_000
SQLITE_CHUNK = 400  # stays under SQLite's bound-variable limit


def _is_postgres() -> bool:
    return connections.get("default").capabilities.dialect == "postgres"


async def claim_codes(kind: CodeKind, codes: set[str], serial_campaign_id: int | None = None) -> set[str]:
    """Insert the codes not yet taken by any kind; returns those this call claimed."""
    if not codes:
        return set()
    if _is_postgres():
        return await _claim_postgres(kind, codes, serial_campaign_id)
    return await _claim_sqlite(kind, codes, serial_campaign_id)


async def _claim_postgres(kind: CodeKind, codes: set[str], campaign_id: int | None) -> set[str]:
    async with connections.get("default").acquire_connection() as raw, raw.transaction():
        await raw.execute("CREATE TEMP TABLE IF NOT EXISTS code_batch (code text) ON COMMIT DELETE ROWS")
        await raw.copy_records_to_table("code_batch", records=[(c,) for c in codes])
        rows = await raw.fetch(
            "INSERT INTO code (code, kind, serial_campaign_id, registrations, created_at) "
            "SELECT code, $1, $2, 0, $3 FROM code_batch ON CONFLICT DO NOTHING RETURNING code",
            kind.value, campaign_id, now_utc())
    return {row["code"] for row in rows}


async def _claim_sqlite(kind: CodeKind, codes: set[str], campaign_id: int | None) -> set[str]:
    ordered = sorted(codes)
    async with in_transaction() as connection:
        taken: set[str] = set()
        for start in range(0, len(ordered), SQLITE_CHUNK):
            chunk = ordered[start:start + SQLITE_CHUNK]
            taken |= set(await Code.filter(code__in=chunk).values_list("code", flat=True))
        fresh = [c for c in ordered if c not in taken]
        now = now_utc().isoformat()
        await connection.execute_many(
            "INSERT INTO code (code, kind, serial_campaign_id, registrations, created_at) VALUES (?, ?, ?, 0, ?)",
            [[c, kind.value, campaign_id, now] for c in fresh])
    return set(fresh)


async def generate_codes(kind: CodeKind, shape: CodeShape, count: int, serial_campaign_id: int | None = None,
                         progress=None) -> list[str]:
    """Draw and claim `count` new codes in batches; a collision is simply drawn again.
    `progress(done, total)` is awaited after each batch."""
    claimed: list[str] = []
    while len(claimed) < count:
        batch = shape.draw_many(min(BATCH, count - len(claimed)))
        claimed.extend(sorted(await claim_codes(kind, batch, serial_campaign_id)))
        if progress:
            await progress(len(claimed), count)
    return claimed
