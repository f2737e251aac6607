"""Fixtures for legacy coupon migration tests: the seed 000 sample files imported for an owner."""

from __future__ import annotations

from pathlib import Path

import pytest

from gql.resolvers import legacy_import
from gql.resolvers.access import operator_actor
from models.access import Operator, Role
from models.legacy import LegacyCoupon
from tests.factories import make_member, make_site

SAMPLES = Path(__file__).parent / "samples"
SHOPPERS = [f"shopper0{n}" for n in range(1, 7)]


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


@pytest.fixture
async def owner(db):
    """An OWNER who never signs in (created directly: hashing a password is slow)."""
    return operator_actor(await Operator.create(login_id="legacy-owner", name="대표", password_hash="!",
                                                role=Role.OWNER))


@pytest.fixture
async def shoppers(db):
    """The sample records' members, shopper01..shopper06 (left_member has no account)."""
    site = await make_site()
    return {login: await make_member(site, login_id=login) for login in SHOPPERS}


@pytest.fixture
async def imported(owner, shoppers) -> dict[str, LegacyCoupon]:
    """The three sample files imported; legacy coupons by number."""
    for what in ("coupons", "records", "triggers"):
        report = await legacy_import.import_legacy_file(owner, what, sample(f"{what}.csv"))
        assert not report.rejected, report.rejected
    return {c.number: c for c in await LegacyCoupon.all()}
