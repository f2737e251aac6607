"""The Starlette application factory: /graphql, /admin, /healthz, /static."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from tortoise import connections

from gql.schema import get_schema
from gql.schema.view import KuponGraphQL
from kupon import jobs
from kupon.db import close_db, open_db
from kupon.settings import Settings
from web.public_coupons import coupon_page
from web.routes import console_routes
from web.unsubscribe import unsubscribe_page

log = logging.getLogger("kupon")
STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"


async def healthz(request: Request) -> JSONResponse:
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception as exc:
        log.warning("health check failed: %s", type(exc).__name__)
        return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "up"})


def create_app(settings: Settings | None = None, *, run_jobs_in_process: bool | None = None) -> Starlette:
    """`run_jobs_in_process` defaults to True on SQLite (no procrastinate there)."""
    settings = settings or Settings.from_env()
    in_process = (not settings.is_postgres) if run_jobs_in_process is None else run_jobs_in_process

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        await open_db(settings.database_url)
        jobs.load_job_functions()
        runner = None
        procrastinate_app = None
        if in_process:
            runner = jobs.InProcessRunner()
            runner.start()
            jobs.set_runner(runner)
        else:
            procrastinate_app = jobs.procrastinate_app(settings.database_url)
            await procrastinate_app.open_async()
            jobs.set_runner(jobs.ProcrastinateRunner(procrastinate_app))
        try:
            yield
        finally:
            if runner:
                await runner.stop()
            if procrastinate_app:
                await procrastinate_app.close_async()
            await close_db()

    graphql = KuponGraphQL(
        get_schema(settings.production),
        graphql_ide=None if settings.production else "graphiql",
        allow_queries_via_get=not settings.production,
    )
    routes = [
        Route("/", lambda request: RedirectResponse("/admin/", status_code=302)),
        Route("/healthz", healthz),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Route("/coupons/{token:str}", coupon_page, methods=["GET", "POST"]),
        Route("/unsubscribe/{token:str}", unsubscribe_page, methods=["GET", "POST"]),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        Mount("/admin", routes=console_routes(), name="admin"),
    ]
    middleware = [
        Middleware(
            SessionMiddleware,
            secret_key=settings.secret_key,
            session_cookie="kupon_session",
            max_age=settings.session_max_age,
            same_site="lax",
            https_only=settings.production,
        )
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.settings = settings
    return app
