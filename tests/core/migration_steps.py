"""Run in a subprocess by test_migrations.py (Tortoise's state is process-wide).

`stepwise URL`: applies the migrations one by one; after each, inserts that
step's seed rows (SEEDS) and records the row count of every table. Prints the
counts per step as JSON. Later migrations add their seed rows here, so every
table holds rows when the migrations after it run.

`pending`: prints the migrations `makemigrations` would write (none when the
models and the committed migrations agree).
"""

from __future__ import annotations

import asyncio
import json
import pkgutil
import sys

from tortoise import Tortoise, connections

import models.migrations
from kupon.db import migrate
from kupon.settings import is_postgres_url, tortoise_config

NOW = "2026-01-02 03:04:05+00:00"
SEEDS: dict[str, list[str]] = {
    "0001_initial": [
        f"INSERT INTO site (id, code, name, domain, created_at) VALUES (1, 'edu', '에듀', 'edu.kr', '{NOW}')",
        "INSERT INTO category (id, site_id, name, sort_order) VALUES (1, 1, '어학', 0)",
        "INSERT INTO product (id, site_id, category_id, code, name, kind, price, training_card_eligible, is_active, "
        f"created_at) VALUES (1, 1, 1, 'P1', '토익', 'COURSE', 189000, false, true, '{NOW}')",
        "INSERT INTO member (id, site_id, login_id, name, phone, email, grade, birthday, is_active, signed_up_at, "
        f"created_at, updated_at) VALUES (1, 1, 'kim001', '김민준', '010-1234-5678', 'k@example.com', 'VIP', "
        f"'1990-01-02', true, '{NOW}', '{NOW}', '{NOW}')",
        "INSERT INTO member_token (id, member_id, token_hash, label, created_at) "
        f"VALUES (1, 1, 'abc', 'app', '{NOW}')",
        "INSERT INTO operator (id, login_id, name, email, password_hash, role, is_active, created_at) "
        f"VALUES (1, 'admin', '관리자', '', 'x', 'OWNER', true, '{NOW}')",
        "INSERT INTO api_key (id, name, prefix, key_hash, scope, created_by_id, created_at) "
        f"VALUES (1, 'dash', 'p1', 'h', 'READ', 1, '{NOW}')",
        "INSERT INTO audit_entry (id, operator_id, actor_label, action, entity_type, entity_id, at) "
        f"VALUES (1, 1, 'operator:admin', 'member.update', 'Member', '1', '{NOW}')",
        "INSERT INTO job (id, kind, params, status, progress, total, error, attempts, created_at) "
        f"VALUES (1, 'members.export', '{{}}', 'SUCCEEDED', 1, 1, '', 1, '{NOW}')",
        f"INSERT INTO job_file (id, job_id, filename, content_type, data, created_at) "
        f"VALUES (1, 1, 'm.xlsx', 'x', {{blob}}, '{NOW}')",
    ],
}


def migration_names() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(models.migrations.__path__) if m.name[:4].isdigit())


async def table_counts(url: str) -> dict[str, int]:
    await Tortoise.init(config=tortoise_config(url))
    try:
        tables = [m._meta.db_table for m in Tortoise.apps["models"].values()]
        conn = connections.get("default")
        counts = {}
        for table in tables:
            try:
                _, rows = await conn.execute_query(f'SELECT COUNT(*) AS n FROM "{table}"')
            except Exception:
                continue  # not created yet at this step
            counts[table] = rows[0]["n"] if isinstance(rows[0], dict) else rows[0][0]
        return counts
    finally:
        await Tortoise.close_connections()


async def seed(url: str, statements: list[str]) -> None:
    blob = "'\\x01'::bytea" if is_postgres_url(url) else "X'01'"
    await Tortoise.init(config=tortoise_config(url))
    try:
        conn = connections.get("default")
        for statement in statements:
            await conn.execute_script(statement.replace("{blob}", blob))
        if is_postgres_url(url):  # explicit ids do not move the sequences
            for table in ("site", "category", "product", "member", "member_token", "operator", "api_key",
                          "audit_entry", "job", "job_file"):
                await conn.execute_script(
                    f"""SELECT setval(pg_get_serial_sequence('"{table}"', 'id'), (SELECT MAX(id) FROM "{table}"))"""
                )
    finally:
        await Tortoise.close_connections()


async def stepwise(url: str) -> list[dict]:
    steps = []
    for name in migration_names():
        await migrate(url, target=f"models.{name}")
        if name in SEEDS:
            await seed(url, SEEDS[name])
        steps.append({"migration": name, "counts": await table_counts(url)})
    await migrate(url)  # and again: nothing pending, nothing changes
    steps.append({"migration": "again", "counts": await table_counts(url)})
    return steps


async def pending() -> list[str]:
    from tortoise.migrations.autodetector import MigrationAutodetector

    config = tortoise_config("sqlite://:memory:")
    await Tortoise.init(config=config, init_connections=False)
    try:
        apps = {label: dict(app) for label, app in config["apps"].items()}
        detector = MigrationAutodetector(Tortoise.apps, apps)
        return [writer.name for writer in await detector.changes()]
    finally:
        await Tortoise.close_connections()


if __name__ == "__main__":
    command = sys.argv[1]
    result = asyncio.run(stepwise(sys.argv[2]) if command == "stepwise" else pending())
    print(json.dumps(result))
