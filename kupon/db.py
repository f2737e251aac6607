"""Opening the database and applying migrations.

Production paths never call `generate_schemas`: the schema comes only from
the migrations in models/migrations.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate as tortoise_migrate

from kupon.settings import is_postgres_url, tortoise_config


class MigrationIntegrityError(RuntimeError):
    """A migration left rows pointing at rows that no longer exist."""


def with_sqlite_pragmas(url: str, **pragmas: str) -> str:
    """Add PRAGMAs (as query parameters) to a sqlite:// URL, keeping any already given."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.update(pragmas)
    return urlunsplit(parts._replace(query=urlencode(query)))


def serving_url(url: str) -> str:
    """SQLite waits for a lock instead of failing at once; PostgreSQL as given."""
    if is_postgres_url(url):
        return url
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.setdefault("busy_timeout", "5000")
    return urlunsplit(parts._replace(query=urlencode(query)))


async def open_db(url: str) -> None:
    """Open the connections for this process.

    Uvicorn runs the lifespan in another task than the requests, and Tortoise 1.x
    keeps its state in a context variable, so the state is also made the global
    fallback that request tasks see.
    """
    await Tortoise.init(config=tortoise_config(serving_url(url)), _enable_global_fallback=True)


async def close_db() -> None:
    """Close the connections and drop the global fallback set by `open_db`."""
    await Tortoise.close_connections()


async def migrate(url: str, target: str | None = None) -> None:
    """Apply every pending migration (or up to `target`, "models.0001_initial").

    On SQLite, Tortoise rebuilds a table to alter a column (create, copy, drop,
    rename); with foreign keys on, the DROP cascades into child rows. So the
    migration runs with foreign keys off and the result is checked afterwards.
    """
    postgres = is_postgres_url(url)
    config_url = url if postgres else with_sqlite_pragmas(url, foreign_keys="OFF")
    violations = []
    try:
        await tortoise_migrate(config=tortoise_config(config_url), target=target)
        if not postgres:
            _, violations = await connections.get("default").execute_query("PRAGMA foreign_key_check")
    finally:
        await close_db()
    if violations:
        raise MigrationIntegrityError(f"foreign key check failed after migration: {violations[:5]}")
