"""Settings read from environment variables (documented in the README).

`Settings.from_env()` is the only place that reads `KUPON_*` variables; the
secret key is kept out of `repr()` so it never lands in logs or tracebacks.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlsplit

DEFAULT_DATABASE_URL = "sqlite://kupon.db"
MODEL_MODULES = [
    "models.sites",
    "models.catalog",
    "models.members",
    "models.access",
    "models.audit",
    "models.jobs",
    "models.coupons",
    "models.orders",
    "models.codes",
    "models.serials",
    "models.giftcards",
]


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    env: str = "development"
    secret_key: str = field(default="", repr=False)
    host: str = "127.0.0.1"
    port: int = 8000
    session_max_age: int = 8 * 3600
    query_depth_limit: int = 10
    query_alias_limit: int = 30
    query_token_limit: int = 3000

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        mode = env.get("KUPON_ENV", "development")
        secret = env.get("KUPON_SECRET_KEY", "")
        if not secret:
            if mode == "production":
                raise RuntimeError("KUPON_SECRET_KEY must be set when KUPON_ENV=production")
            # Development only: a fixed key so sessions and encrypted demo data survive restarts.
            secret = "kupon-development-secret-do-not-use-in-production"
        return cls(
            database_url=env.get("KUPON_DATABASE_URL", DEFAULT_DATABASE_URL),
            env=mode,
            secret_key=secret,
            host=env.get("KUPON_HOST", "127.0.0.1"),
            port=int(env.get("KUPON_PORT", "8000")),
            session_max_age=int(env.get("KUPON_SESSION_MAX_AGE", str(8 * 3600))),
        )

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def is_postgres(self) -> bool:
        return is_postgres_url(self.database_url)


def is_postgres_url(url: str) -> bool:
    return urlsplit(url).scheme in {"postgres", "postgresql", "asyncpg", "psycopg"}


def tortoise_config(database_url: str) -> dict:
    """The Tortoise ORM config for one database; migrations live in models/migrations."""
    return {
        "connections": {"default": database_url},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "models.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


# Read by the `tortoise` CLI (pyproject [tool.tortoise]) for makemigrations.
TORTOISE_ORM = tortoise_config(os.environ.get("KUPON_DATABASE_URL", DEFAULT_DATABASE_URL))
