"""The `kupon` command: serve, worker, migrate, demo-data, create-operator, create-api-key."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys

from kupon.settings import Settings


async def _with_db(settings: Settings, work):
    from kupon.db import close_db, open_db

    await open_db(settings.database_url)
    try:
        return await work()
    finally:
        await close_db()


def cmd_migrate(settings: Settings, args) -> int:
    from kupon.db import migrate

    asyncio.run(migrate(settings.database_url))
    print(f"migrations applied to {_safe_url(settings.database_url)}")
    return 0


def cmd_demo_data(settings: Settings, args) -> int:
    from kupon.demo import load_demo_data

    counts = asyncio.run(_with_db(settings, load_demo_data))
    print("demo data: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def cmd_create_operator(settings: Settings, args) -> int:
    from gql.resolvers.auth import create_operator
    from gql.resolvers.errors import Refused
    from models.access import Role

    password = args.password or os.environ.get("KUPON_OPERATOR_PASSWORD") or getpass.getpass("Password: ")
    try:
        operator = asyncio.run(_with_db(settings, lambda: create_operator(
            None, args.login_id, args.name or args.login_id, password, Role(args.role), args.email)))
    except Refused as refused:
        for problem in refused.problems:
            print(f"refused: {problem.code} ({problem.field}): {problem.message}", file=sys.stderr)
        return 2
    print(f"operator {operator.login_id} created with role {operator.role.value}")
    return 0


def cmd_create_api_key(settings: Settings, args) -> int:
    from gql.resolvers.auth import create_api_key

    issued = asyncio.run(_with_db(settings, lambda: create_api_key(None, args.name, args.scope)))
    print(issued.secret)
    return 0


def cmd_serve(settings: Settings, args) -> int:
    import uvicorn

    from kupon.db import migrate

    if settings.production and not settings.is_postgres and args.workers > 1:
        print("SQLite serves from one process: use PostgreSQL for several workers.", file=sys.stderr)
        return 2
    asyncio.run(migrate(settings.database_url))
    if args.demo:
        cmd_demo_data(settings, args)
    if args.workers > 1 and not settings.is_postgres:
        print("SQLite serves from one process (writes across processes fail): --workers ignored.")
        args.workers = 1
    base = f"http://{args.host}:{args.port}"
    print(f"kupon on {base}\n  GraphiQL: {base}/graphql\n  console:  {base}/admin/")
    if args.demo:
        from kupon.demo import DEMO_OPERATOR

        print(f"  demo operator: {DEMO_OPERATOR[0]} / {DEMO_OPERATOR[1]}")
    os.environ["KUPON_DATABASE_URL"] = settings.database_url
    uvicorn.run("kupon.app:create_app", factory=True, host=args.host, port=args.port, workers=args.workers,
                log_level="info", proxy_headers=True)
    return 0


def cmd_worker(settings: Settings, args) -> int:
    """Execute jobs from procrastinate (PostgreSQL). On SQLite, `kupon serve` runs them."""
    if not settings.is_postgres:
        print("kupon worker needs PostgreSQL; on SQLite jobs run inside `kupon serve`.", file=sys.stderr)
        return 2
    from kupon import jobs

    async def work():
        jobs.load_job_functions()
        app = jobs.procrastinate_app(settings.database_url)
        async with app.open_async():
            # Finished procrastinate rows are dropped: kupon keeps the history in its own job table.
            await app.run_worker_async(queues=["kupon"], concurrency=args.concurrency, install_signal_handlers=True,
                                       delete_jobs="successful")

    asyncio.run(_with_db(settings, work))
    return 0


def _safe_url(url: str) -> str:
    """The database URL without its password, for messages."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        parts = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@"))
    return urlunsplit(parts)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kupon", description="kupon coupon and promotion backend")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="apply migrations and serve GraphQL and the console")
    serve.add_argument("--host", default=os.environ.get("KUPON_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("KUPON_PORT", "8000")))
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--demo", action="store_true", help="load demo data first")
    serve.set_defaults(func=cmd_serve)
    worker = sub.add_parser("worker", help="run background jobs (PostgreSQL)")
    worker.add_argument("--concurrency", type=int, default=2)
    worker.set_defaults(func=cmd_worker)
    sub.add_parser("migrate", help="apply pending migrations").set_defaults(func=cmd_migrate)
    sub.add_parser("demo-data", help="load demo data").set_defaults(func=cmd_demo_data)
    op = sub.add_parser("create-operator", help="create a console operator")
    op.add_argument("login_id")
    op.add_argument("--name", default="")
    op.add_argument("--email", default="")
    op.add_argument("--role", choices=["OWNER", "OPERATOR", "VIEWER"], default="OPERATOR")
    op.add_argument("--password", help="or KUPON_OPERATOR_PASSWORD, or asked for")
    op.set_defaults(func=cmd_create_operator)
    key = sub.add_parser("create-api-key", help="create an API key and print it once: READ for dashboards, "
                                                "INTEGRATION for the shop's back end (member activity)")
    key.add_argument("name")
    key.add_argument("--scope", choices=["READ", "INTEGRATION"], default="READ")
    key.set_defaults(func=cmd_create_api_key)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings.from_env()
    return args.func(settings, args)


if __name__ == "__main__":
    raise SystemExit(main())
