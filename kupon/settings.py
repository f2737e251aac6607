"""Settings read from environment variables (documented in the README).

`Settings.from_env()` is the only place that reads `KUPON_*` variables; the
secret key, the webhook secret and the SMTP password are kept out of `repr()`
so they never land in logs or tracebacks.
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
    "models.shipping",
    "models.refunds",
    "models.training",
    "models.notices",
    "models.activity",
    "models.segments",
    "models.campaigns",
    "models.legacy",
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
    # Notices (failed gift-card redemptions) and e-mail; empty means "not configured".
    webhook_url: str = ""
    webhook_secret: str = field(default="", repr=False)
    notice_email: str = ""
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_from: str = ""
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    # None: STARTTLS when the server offers it (aiosmtplib's default); True: required; False: never.
    smtp_starttls: bool | None = None
    # SMS/LMS and Kakao gateways (kupon.messaging); an empty base URL means "not configured".
    sms_base_url: str = ""
    kakao_base_url: str = ""
    gateway_api_key: str = ""
    gateway_api_secret: str = field(default="", repr=False)
    gateway_connect_timeout: float = 3.0
    gateway_read_timeout: float = 10.0
    sms_sender_number: str = ""
    kakao_sender_key: str = ""

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
            **_notice_settings(env),
            **_gateway_settings(env),
        )

    @property
    def smtp_configured(self) -> bool:
        return bool(self.smtp_host and self.smtp_from)

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def is_postgres(self) -> bool:
        return is_postgres_url(self.database_url)


def _flag(value: str | None) -> bool | None:
    if value is None or not value.strip():
        return None
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise RuntimeError(f"expected true or false, got {value!r}")


def _notice_settings(env) -> dict:
    """Webhook and SMTP settings; a webhook without its signing secret is refused at start-up."""
    webhook_url = env.get("KUPON_WEBHOOK_URL", "").strip()
    webhook_secret = env.get("KUPON_WEBHOOK_SECRET", "")
    if webhook_url:
        if urlsplit(webhook_url).scheme not in {"http", "https"}:
            raise RuntimeError("KUPON_WEBHOOK_URL must be an http:// or https:// URL")
        if not webhook_secret:
            raise RuntimeError("KUPON_WEBHOOK_SECRET must be set when KUPON_WEBHOOK_URL is set")
    return {
        "webhook_url": webhook_url,
        "webhook_secret": webhook_secret,
        "notice_email": env.get("KUPON_NOTICE_EMAIL", "").strip(),
        "smtp_host": env.get("KUPON_SMTP_HOST", "").strip(),
        "smtp_port": int(env.get("KUPON_SMTP_PORT") or "587"),
        "smtp_from": env.get("KUPON_SMTP_FROM", "").strip(),
        "smtp_user": env.get("KUPON_SMTP_USER", ""),
        "smtp_password": env.get("KUPON_SMTP_PASSWORD", ""),
        "smtp_starttls": _flag(env.get("KUPON_SMTP_STARTTLS")),
    }


def _gateway_settings(env) -> dict:
    """SMS and Kakao gateway settings; a gateway URL without the API key and secret is refused at start-up."""
    urls = {name: env.get(f"KUPON_{name.upper()}", "").strip().rstrip("/")
            for name in ("sms_base_url", "kakao_base_url")}
    key, secret = env.get("KUPON_GATEWAY_API_KEY", "").strip(), env.get("KUPON_GATEWAY_API_SECRET", "")
    for name, url in urls.items():
        if url and urlsplit(url).scheme not in {"http", "https"}:
            raise RuntimeError(f"KUPON_{name.upper()} must be an http:// or https:// URL")
        if url and not (key and secret):
            raise RuntimeError(f"KUPON_GATEWAY_API_KEY and _SECRET must be set with KUPON_{name.upper()}")
    return {
        **urls,
        "gateway_api_key": key,
        "gateway_api_secret": secret,
        "gateway_connect_timeout": float(env.get("KUPON_GATEWAY_CONNECT_TIMEOUT") or "3"),
        "gateway_read_timeout": float(env.get("KUPON_GATEWAY_READ_TIMEOUT") or "10"),
        "sms_sender_number": env.get("KUPON_SMS_SENDER_NUMBER", "").strip(),
        "kakao_sender_key": env.get("KUPON_KAKAO_SENDER_KEY", "").strip(),
    }


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
