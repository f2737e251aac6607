"""Kupon's side of a benchmark: its settings, a migrated database, and rows made by its own code.

Rows are made the way the shop makes them (coupons through `create_coupon`,
member tokens through `issue_member_token`), so what is measured reads
realistic data; the tests' factories are not used, since the benchmarks ship
without the test suite. Everything here is imported lazily by the benchmarks
so that `python -m bench --list` does not load the whole app.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import AsyncIterator, Iterator

from gql.resolvers.access import Actor, ActorKind
from gql.resolvers.auth import issue_member_token
from gql.resolvers.coupon_issuing import expiry_for, member_count_row
from gql.resolvers.coupons import CouponInput, create_coupon
from kupon.db import close_db, migrate, open_db
from kupon.throwaway_postgres import ThrowawayPostgres
from kupon.timeutil import now_utc
from models.access import Role
from models.catalog import Category, Product, ProductKind
from models.coupons import Coupon, IssueMethod, MemberCoupon
from models.members import Member
from models.sites import Site

BENCH_SECRET_KEY = "kupon-bench-secret-key-not-for-production"
# The shop's owner, as the back office acts: audit rows name "bench".
OWNER = Actor(ActorKind.OPERATOR, id=None, label="bench", role=Role.OWNER)
_seq = itertools.count(1)


def kupon_env(database_url: str) -> dict[str, str]:
    """Kupon as deployed: production settings, its own secret key."""
    return {"KUPON_DATABASE_URL": database_url, "KUPON_SECRET_KEY": BENCH_SECRET_KEY, "KUPON_ENV": "production"}


@contextlib.contextmanager
def environ(env: dict[str, str]) -> Iterator[None]:
    """Load the data under the server's settings, so anything encrypted reads back with its key."""
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def new_database(postgres: ThrowawayPostgres, name: str = "kupon_bench") -> dict[str, str]:
    """An empty database on the throwaway server; kupon's settings for it."""
    return kupon_env(postgres.create_database(name))


@contextlib.asynccontextmanager
async def tortoise(url: str, *, migrated: bool = True) -> AsyncIterator[None]:
    """Kupon's connections in this process (kupon.db.open_db), migrated first, closed on the way out."""
    if migrated:
        await migrate(url)
    await open_db(url)
    try:
        yield
    finally:
        await close_db()


def member_actor(member: Member) -> Actor:
    """The member as a member token signs them in (gql.resolvers.auth)."""
    return Actor(ActorKind.MEMBER, id=member.id, label=member.login_id, member_id=member.id)


async def make_site(**fields) -> Site:
    n = next(_seq)
    return await Site.create(**{"code": f"bench{n}", "name": f"벤치 사이트 {n}", **fields})


async def make_members(site: Site, count: int) -> list[Member]:
    now = now_utc()
    members = []
    for _ in range(count):
        n = next(_seq)
        members.append(await Member.create(
            site=site, login_id=f"bench{n:05d}", name=f"홍길동{n}", phone=f"010-2000-{n % 10000:04d}",
            email=f"bench{n}@example.com", signed_up_at=now))
    return members


async def make_category(site: Site, **fields) -> Category:
    return await Category.create(**{"site": site, "name": f"분류 {next(_seq)}", **fields})


async def make_product(site: Site, category: Category | None = None, **fields) -> Product:
    n = next(_seq)
    return await Product.create(**{"site": site, "category": category, "code": f"BENCH-{n:05d}",
                                   "name": f"상품 {n}", "kind": ProductKind.COURSE, "price": 100_000, **fields})


async def make_coupon(**fields) -> Coupon:
    """An active MANUAL coupon made by the owner through `create_coupon`: 1,000 won off the cart by default."""
    values = {"name": f"벤치 쿠폰 {next(_seq)}", "type": "CART", "benefit": "FIXED", "amount": 1000,
              "issue_method": "MANUAL", "issue_status": "ACTIVE", "use_status": "ACTIVE", **fields}
    return await create_coupon(OWNER, CouponInput(**values))


async def give_coupons(coupon: Coupon, member: Member, count: int = 1) -> None:
    """Put `count` of a coupon in a member's wallet, as manual issuing would, in one INSERT."""
    await member_count_row(coupon.id, member.id)
    now = now_utc()
    rows = [MemberCoupon(coupon=coupon, member=member, issued_via=IssueMethod.MANUAL, issued_at=now,
                         expires_at=expiry_for(coupon, now)) for _ in range(count)]
    await MemberCoupon.bulk_create(rows, batch_size=1000)


async def member_token(member: Member) -> str:
    """A member bearer token, issued by the owner as the shop's back end does."""
    return (await issue_member_token(OWNER, member.id, label="bench")).secret
