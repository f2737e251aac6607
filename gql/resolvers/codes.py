"""Claiming codes in the shared `code` table, in batches, on both databases.

Raw SQL here is deliberate (benchmark `codes`). On PostgreSQL, generated codes are
COPYed straight into `code`, a batch per transaction: random codes almost never
collide, and when one does the primary key refuses the whole COPY, which is then
redone with INSERT ... ON CONFLICT DO NOTHING (and so is the rest of that call) and
the codes it could not claim are drawn again. Codes claimed as given (`claim_codes`:
imports, a fixed code) always go through a temporary table and that INSERT. SQLite
takes plain batched INSERTs inside one transaction. Values are always bound
parameters or COPY data, never formatted into SQL.
"""

from __future__ import annotations

from collections.abc import Collection

import asyncpg
from tortoise import connections
from tortoise.transactions import in_transaction

from kupon.codes import CodeShape
from kupon.timeutil import now_utc
from models.codes import Code, CodeKind

BATCH = 20_000
SQLITE_CHUNK = 400  # stays under SQLite's bound-variable limit
COLUMNS = ("code", "kind", "serial_campaign_id", "registrations", "created_at")


def _is_postgres() -> bool:
    return connections.get("default").capabilities.dialect == "postgres"


async def claim_codes(kind: CodeKind, codes: set[str], serial_campaign_id: int | None = None) -> set[str]:
    """Insert the codes not yet taken by any kind; returns those this call claimed."""
    if not codes:
        return set()
    if _is_postgres():
        return await _claim_postgres(kind, codes, serial_campaign_id)
    return await _claim_sqlite(kind, codes, serial_campaign_id)


async def _claim_postgres(kind: CodeKind, codes: Collection[str], campaign_id: int | None) -> set[str]:
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


async def _copy_postgres(kind: CodeKind, codes: Collection[str], campaign_id: int | None) -> bool:
    """COPY `codes` (distinct among themselves) into `code` in one transaction: True when all of
    them were stored, False (nothing stored) when one was already taken."""
    now, kind_value = now_utc(), kind.value
    records = [(code, kind_value, campaign_id, 0, now) for code in codes]
    try:
        async with connections.get("default").acquire_connection() as raw, raw.transaction():
            await raw.copy_records_to_table("code", records=records, columns=COLUMNS)
    except asyncpg.UniqueViolationError:
        return False
    return True


async def generate_codes(kind: CodeKind, shape: CodeShape, count: int, serial_campaign_id: int | None = None,
                         progress=None) -> list[str]:
    """Draw and claim `count` new codes in batches; a collision is simply drawn again.
    `progress(done, total)` is awaited after each batch."""
    claimed: list[str] = []
    postgres = _is_postgres()
    copying = postgres  # until a batch collides: then ON CONFLICT for the rest of this call
    while len(claimed) < count:
        batch = shape.draw_many(min(BATCH, count - len(claimed)))
        if copying and await _copy_postgres(kind, batch, serial_campaign_id):
            claimed.extend(batch)
        else:
            copying = False
            claimed.extend(await claim_codes(kind, batch, serial_campaign_id))
        if progress:
            await progress(len(claimed), count)
    return claimed
