"""The console in headless Chromium, against the real app in a subprocess.

The app runs under uvicorn on a free port over a database holding the demo data.
`live_server`/`live_env` are those of the SQLite server unless a module chooses
with `live_database`; a walk runs on both databases with

    pytestmark = pytest.mark.parametrize("live_database", ["sqlite", "postgres"], scope="module")

(direct parametrization overrides the fixture). On SQLite the app runs its jobs
in-process; on PostgreSQL a `kupon worker` subprocess runs them. The PostgreSQL
server is started only when a module asks for it, on the session's throwaway
PostgreSQL (tests/conftest.py `postgres_server`: skipped without its binaries
unless KUPON_REQUIRE_POSTGRES is set, or when KUPON_TEST_DATABASES leaves it out).
Each server has its own database, sign-in (`operator_session` follows the module's
server) and data: a walk starts from its server's demo data. These fixtures use
neither `db` nor `database`, so the other walks run once, not once per database.

Playwright's sync API marks its own event loop as running between calls, which
would stop pytest-asyncio's loop from running: the browser therefore lives for
one module only, and no async test or fixture may share a module with it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from kupon.demo import DEMO_OPERATOR
from kupon.throwaway_postgres import free_port
from tests.conftest import DATABASES

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
SECRET_KEY = "browser-test-secret-key-not-for-production"
STARTUP_TIMEOUT = 20.0
TIMEOUT_MS = 10_000

expect.set_options(timeout=TIMEOUT_MS)


def _kupon(env: dict[str, str], *args: str) -> None:
    """Run a `kupon` CLI command; fail with its output if it fails."""
    done = subprocess.run([sys.executable, "-m", "kupon.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        pytest.fail(f"kupon {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def _wait_until_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    """Poll /healthz until it answers 200; fail with the server's log otherwise."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the app exited with {server.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    pytest.fail(f"the app did not answer /healthz within {STARTUP_TIMEOUT:.0f} s:\n{log.read_text()}")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _serve(env: dict[str, str], directory: Path, worker: bool = False) -> Iterator[str]:
    """Migrate, load the demo data and serve the app (and, if `worker`, run `kupon worker`
    beside it); yields its base URL."""
    _kupon(env, "migrate")
    _kupon(env, "demo-data")
    port = free_port()
    log = directory / "server.log"
    with log.open("w") as out:
        processes = [subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "kupon.app:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )]
    if worker:
        with (directory / "worker.log").open("w") as out:
            processes.append(subprocess.Popen([sys.executable, "-m", "kupon.cli", "worker"], cwd=ROOT, env=env,
                                              stdout=out, stderr=subprocess.STDOUT))
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, processes[0], log)
        if worker and processes[1].poll() is not None:
            worker_log = (directory / "worker.log").read_text()
            pytest.fail(f"kupon worker exited with {processes[1].returncode}:\n{worker_log}")
        yield url
    finally:
        for process in processes:
            _stop(process)


def _environment(database_url: str) -> dict[str, str]:
    return {**os.environ, "KUPON_ENV": "development", "KUPON_SECRET_KEY": SECRET_KEY,
            "KUPON_DATABASE_URL": database_url}


@pytest.fixture(scope="session")
def sqlite_live_env(tmp_path_factory) -> dict[str, str]:
    return _environment(f"sqlite://{tmp_path_factory.mktemp('browser')}/browser.db")


@pytest.fixture(scope="session")
def sqlite_live_server(sqlite_live_env) -> Iterator[str]:
    yield from _serve(sqlite_live_env, Path(sqlite_live_env["KUPON_DATABASE_URL"].removeprefix("sqlite://")).parent)


@pytest.fixture(scope="session")
def postgres_live_env(request) -> dict[str, str]:
    if "postgres" not in DATABASES:
        pytest.skip("KUPON_TEST_DATABASES leaves out postgres: PostgreSQL run skipped")
    return _environment(request.getfixturevalue("postgres_server").create_database("kupon_browser"))


@pytest.fixture(scope="session")
def postgres_live_server(postgres_live_env, tmp_path_factory) -> Iterator[str]:
    yield from _serve(postgres_live_env, tmp_path_factory.mktemp("browser-postgres"), worker=True)


@pytest.fixture(scope="module")
def live_database() -> str:
    """The database of the module's live server: "sqlite" unless the module parametrizes it."""
    return "sqlite"


@pytest.fixture(scope="module")
def live_env(request, live_database) -> dict[str, str]:
    """The environment the app under test runs with; KUPON_DATABASE_URL is its database, which a
    test may also write to from a subprocess (as tests/browser/test_segment_walk.py does)."""
    return request.getfixturevalue(f"{live_database}_live_env")


@pytest.fixture(scope="module")
def live_server(request, live_database) -> str:
    """The base URL of the app with demo data, served by uvicorn in a subprocess."""
    return request.getfixturevalue(f"{live_database}_live_server")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, for one test module."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def sign_in(page: Page, login_id: str = DEMO_OPERATOR[0], password: str = DEMO_OPERATOR[1]) -> None:
    """Fill in and submit the console's login form."""
    page.goto("/admin/login")
    page.fill("input[name=login_id]", login_id)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")


def _new_context(browser: Browser, base_url: str, locale: str = "en-US", **options) -> BrowserContext:
    context = browser.new_context(base_url=base_url, locale=locale, **options)
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.fixture(scope="module")
def operator_session(chromium, live_server) -> dict:
    """The cookies of one sign-in as the demo operator (signing in takes ~1 s: argon2)."""
    context = _new_context(chromium, live_server)
    page = context.new_page()
    sign_in(page)
    expect(page).to_have_url(re.compile(r"/admin/$"))
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture
def open_context(chromium, live_server) -> Iterator[Callable[..., BrowserContext]]:
    """Open browser contexts on the app (English unless told), closed after the test."""
    opened: list[BrowserContext] = []

    def open_one(locale: str = "en-US", **options) -> BrowserContext:
        opened.append(_new_context(chromium, live_server, locale, **options))
        return opened[-1]

    yield open_one
    for context in opened:
        context.close()


@pytest.fixture
def guest(open_context) -> Page:
    """An English page, not signed in."""
    return open_context().new_page()


@pytest.fixture
def console(open_context, operator_session) -> Page:
    """An English page signed in as the demo operator, on the console's start page."""
    page = open_context(storage_state=operator_session).new_page()
    page.goto("/admin/")
    expect(page.locator("header .who")).to_be_visible()
    return page
