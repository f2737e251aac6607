"""Shared fixtures. Database tests run twice: on SQLite and on a throwaway PostgreSQL.

A test that needs the database asks for `db` (or a fixture built on it). The
PostgreSQL run is skipped, with the reason in the summary, when PostgreSQL's
binaries are not installed; set KUPON_TEST_DATABASES=sqlite to skip it anyway.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import httpx
import pytest
from tortoise import Tortoise, connections
from tortoise.backends.base.executor import EXECUTOR_CACHE

from kupon import jobs
from kupon.app import create_app
from kupon.db import close_db, migrate, open_db
from kupon.settings import Settings
from kupon.throwaway_postgres import ThrowawayPostgres, find_pg_bin

TEST_SECRET = "test-secret-key-for-kupon-tests-only"
DATABASES = [d for d in os.environ.get("KUPON_TEST_DATABASES", "sqlite,postgres").split(",") if d]
PROCRASTINATE_TABLES = ["procrastinate_events", "procrastinate_periodic_defers", "procrastinate_jobs",
                        "procrastinate_workers"]


@dataclass(frozen=True)
class Database:
    kind: str
    url: str

    @property
    def is_postgres(self) -> bool:
        return self.kind == "postgres"


@pytest.fixture(scope="session")
def postgres_server():
    bin_dir = find_pg_bin()
    if bin_dir is None:
        if os.environ.get("KUPON_REQUIRE_POSTGRES"):
            pytest.fail("KUPON_REQUIRE_POSTGRES is set but PostgreSQL's binaries were not found")
        pytest.skip("PostgreSQL binaries not found (apt-get install postgresql): PostgreSQL run skipped")
    server = ThrowawayPostgres(bin_dir).start()
    yield server
    server.stop()


@pytest.fixture(scope="session", params=DATABASES)
async def database(request, tmp_path_factory):
    """A migrated database, open for the whole session (one per kind)."""
    os.environ["KUPON_SECRET_KEY"] = TEST_SECRET
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_server").create_database("kupon_test")
    else:
        url = f"sqlite://{tmp_path_factory.mktemp('sqlite')}/kupon_test.db"
    await migrate(url)
    await open_db(url)
    yield Database(request.param, url)
    await close_db()
    # Tortoise caches each model's INSERT/DELETE SQL by connection name, not by dialect:
    # the next database kind in this process must not reuse SQLite's "?" placeholders.
    EXECUTOR_CACHE.clear()


async def wipe(database: Database) -> None:
    tables = [model._meta.db_table for model in Tortoise.apps["models"].values()]
    connection = connections.get("default")
    if database.is_postgres:
        await connection.execute_script(
            "TRUNCATE " + ", ".join(f'"{t}"' for t in tables + PROCRASTINATE_TABLES) + " RESTART IDENTITY CASCADE"
        )
    else:
        statements = (["PRAGMA foreign_keys=OFF"] + [f'DELETE FROM "{t}"' for t in tables]
                      + ["DELETE FROM sqlite_sequence", "PRAGMA foreign_keys=ON"])
        await connection.execute_script(";\n".join(statements))


@pytest.fixture
async def db(database):
    """An empty database (every table wiped before the test)."""
    await wipe(database)
    return database


@pytest.fixture
def settings(db) -> Settings:
    return Settings(database_url=db.url, env="development", secret_key=TEST_SECRET)


@pytest.fixture
async def app(settings):
    """The ASGI app over the test database. httpx does not run the lifespan, so the
    database is already open and jobs are collected by an in-process runner that
    tests drive with `runner.run_pending()`."""
    jobs.load_job_functions()
    runner = jobs.InProcessRunner()
    jobs.set_runner(runner)
    application = create_app(settings)
    application.state.job_runner = runner
    return application


@pytest.fixture
async def client(app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kupon.test") as c:
        yield c


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


async def console_login(client: httpx.AsyncClient, login_id: str, password: str) -> str:
    """Sign in through the login form; returns the CSRF token of the new session."""
    page = await client.get("/admin/login")
    token = CSRF_RE.search(page.text).group(1)
    response = await client.post("/admin/login", data={"csrf_token": token, "login_id": login_id,
                                                       "password": password, "next": "/admin/"})
    assert response.status_code == 303, response.text
    home = await client.get("/admin/")
    return CSRF_RE.search(home.text).group(1)


async def graphql(client: httpx.AsyncClient, query: str, variables: dict | None = None,
                  token: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()
