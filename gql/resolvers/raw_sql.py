"""Running raw SQL on either database, for the few hot paths a benchmark showed need it.

SQL stays in the ORM unless a measured hot path needs raw SQL (shared/STYLE.md); the
raw queries themselves sit in the resolver modules that run them, each with a comment
naming its benchmark. This module only makes them portable: the SQL is written with `?`
placeholders (SQLite's; no other `?` may appear in the text), numbered `$1, $2, ...` for
PostgreSQL; values are always bound, never formatted into the text; and selected columns
come back as the same model instances the ORM would build, through `Model._init_from_db`,
which Tortoise's own executor calls for each row (its per-field conversion, so SQLite's
text timestamps and JSON read back exactly as through a queryset).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache, lru_cache
from typing import Any, TypeVar

from tortoise import connections
from tortoise.models import Model

M = TypeVar("M", bound=Model)


@cache
def db_columns(model: type[Model]) -> tuple[str, ...]:
    """The model's columns, in the order `columns()` selects them and `hydrate()` reads them.
    Known only once Tortoise is initialised (foreign keys gain their `_id` columns then)."""
    if not model._meta._inited:
        raise RuntimeError(f"{model.__name__}: columns asked for before Tortoise.init")
    return tuple(model._meta.fields_db_projection.values())


def columns(model: type[Model], alias: str) -> str:
    """`alias."col", ...` for every column of the model, to read back with `hydrate()`."""
    return ", ".join(f'{alias}."{column}"' for column in db_columns(model))


@cache
def _pk_position(model: type[Model]) -> int:
    return db_columns(model).index(model._meta.db_pk_column)


def hydrate(model: type[M], row: Sequence[Any], start: int) -> tuple[M | None, int]:
    """The instance whose columns start at `row[start]` (None when a LEFT JOIN found none),
    and where the next columns start."""
    names = db_columns(model)
    end = start + len(names)
    values = row[start:end]
    if values[_pk_position(model)] is None:
        return None, end
    return model._init_from_db(**dict(zip(names, values, strict=True))), end


def to_python(model: type[Model], field: str, value: Any) -> Any:
    """One selected value as the ORM would give it (SQLite returns timestamps and JSON as text)."""
    return model._meta.fields_map[field].to_python_value(value)


def attach(instance: Model, relation: str, related: Model | None) -> None:
    """Set a foreign key's object as select_related would, so `instance.<relation>` needs no query."""
    object.__setattr__(instance, f"_{relation}", related)


@lru_cache(maxsize=256)
def _numbered(sql: str) -> str:
    parts = sql.split("?")
    return "".join(f"{part}${n}" for n, part in enumerate(parts[:-1], 1)) + parts[-1]


def _prepared(sql: str):
    connection = connections.get("default")  # the transaction's own connection inside in_transaction()
    return connection, (_numbered(sql) if connection.capabilities.dialect == "postgres" else sql)


async def fetch(sql: str, *params: Any) -> list[tuple]:
    """The rows of a query with `?` placeholders, as tuples."""
    connection, text = _prepared(sql)
    _, rows = await connection.execute_query(text, list(params))
    return [tuple(row) for row in rows]


async def execute(sql: str, *params: Any) -> int:
    """Run an INSERT/UPDATE/DELETE with `?` placeholders; the number of rows it changed."""
    connection, text = _prepared(sql)
    changed, _ = await connection.execute_query(text, list(params))
    return changed


async def execute_many(sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """Run one statement with `?` placeholders once per row of parameters (the driver's executemany)."""
    if rows:
        connection, text = _prepared(sql)
        await connection.execute_many(text, [list(row) for row in rows])


def sql_instant(moment):
    """A timestamp as a bound parameter: the datetime on PostgreSQL, the ISO text Tortoise stores on SQLite
    (so text comparison orders instants)."""
    if connections.get("default").capabilities.dialect == "postgres" or moment is None:
        return moment
    return moment.isoformat(" ")
