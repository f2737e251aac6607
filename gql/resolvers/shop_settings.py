"""Shop-wide switches kept in the shop_setting table."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from gql.resolvers.access import Actor, require_change_shop
from gql.resolvers.audit import record_change
from gql.resolvers.errors import Refused
from models.coupons import ShopSetting

COUPONS_ENABLED = "coupons_enabled"


def switch_is_on(stored: object | None) -> bool:
    """A switch from its stored value, None when it was never set (the column itself is NOT NULL)."""
    return True if stored is None else bool(stored)


async def coupons_enabled() -> bool:
    """SPEC 1: "coupons usable in checkout"; on unless an operator turned it off.
    (Checkout reads it in its own query: gql.resolvers.checkout.read_wallet.)"""
    row = await ShopSetting.get_or_none(key=COUPONS_ENABLED)
    return switch_is_on(row.value if row else None)


async def _migration_running() -> bool:
    """A legacy migration run is queued or running: checkout must not use coupons meanwhile (SPEC 3)."""
    from gql.resolvers.legacy_run import run_in_progress  # it reads this module's switch

    return await run_in_progress()


async def set_coupons_enabled(actor: Actor | None, enabled: bool) -> bool:
    """`actor` None: the system itself (e.g. a legacy migration run turning coupons off). Turning it on
    is refused with MIGRATION_RUNNING while a legacy migration run is in progress."""
    if actor is not None:
        require_change_shop(actor)
    async with in_transaction():
        before = await coupons_enabled()
        await ShopSetting.update_or_create(key=COUPONS_ENABLED, defaults={"value": bool(enabled)})
        # After the row is locked (update_or_create), the same row a legacy run's start locks: of the
        # two, one sees the other (gql/resolvers/legacy_run.py).
        if enabled and await _migration_running():
            raise Refused.because("MIGRATION_RUNNING", "enabled")
        if actor is not None:
            await record_change(actor, "settings.coupons_enabled", ("ShopSetting", COUPONS_ENABLED),
                                before={"enabled": before}, after={"enabled": bool(enabled)})
    return bool(enabled)
