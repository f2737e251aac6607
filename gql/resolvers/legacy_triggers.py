"""The old system's automatic-issue settings after migration (SPEC 3, seed 000 "자동발급 쿠폰 적용").

When a legacy coupon is migrated, each of its LegacyTrigger rows becomes a kupon CouponTrigger that
points at nothing (coupon NULL, inactive) and keeps the old event's name in `legacy_event`; until an
operator re-points it, it issues nothing (coupon_issuing.fire_event skips it).

Events: the old events kupon raises itself map to its TriggerEvent (BIRTHDAY_ANNIVERSARY -> BIRTHDAY,
GRADE_CHANGE, MEMBER_UPDATE); the others (referral, lifetime membership, attendance, cart target
message, return membership, review reward, app login, hidden-icon event) have no kupon event, so
`event` stays NULL: they are still listed and re-pointable (the setting is kept), and the console says
kupon does not raise that event (`trigger_notice`).

For the console and GraphQL:
- `pending_triggers(actor)` -> [CouponTrigger] with `legacy_trigger__legacy_coupon` fetched.
- `repoint_trigger(actor, trigger_id, coupon_id)`: point at a smart coupon (AUTO, or MANUAL like a
  migration's target) and switch on; kupon's own events issue it from then on.
- `trigger_notice(trigger)` -> a REASONS code or None: TRIGGER_NOT_POINTED, TRIGGER_EVENT_NOT_RAISED.
"""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from gql.resolvers.access import Actor, require_change_shop, require_read_shop
from gql.resolvers.audit import record_change
from gql.resolvers.errors import Refused
from models.coupons import Coupon, CouponTrigger, IssueMethod, TriggerEvent
from models.legacy import LegacyEvent, LegacyTrigger

KUPON_EVENTS = {LegacyEvent.BIRTHDAY_ANNIVERSARY: TriggerEvent.BIRTHDAY,
                LegacyEvent.GRADE_CHANGE: TriggerEvent.GRADE_CHANGE,
                LegacyEvent.MEMBER_UPDATE: TriggerEvent.MEMBER_UPDATE}
REPOINTABLE = (IssueMethod.AUTO, IssueMethod.MANUAL)


async def convert_triggers(legacy_coupon_ids: list[int]) -> int:
    """Pending kupon triggers for these (migrated) legacy coupons' settings, once each (the one-to-one
    link refuses a second); how many were made now."""
    done = set(await CouponTrigger.filter(legacy_trigger__legacy_coupon_id__in=legacy_coupon_ids).values_list(
        "legacy_trigger_id", flat=True))
    fresh = [CouponTrigger(event=KUPON_EVENTS.get(t.event), coupon_id=None, is_active=False,
                           legacy_event=t.event.value, legacy_trigger_id=t.id)
             for t in await LegacyTrigger.filter(legacy_coupon_id__in=legacy_coupon_ids).order_by("id")
             if t.id not in done]
    await CouponTrigger.bulk_create(fresh)
    return len(fresh)


async def pending_triggers(actor: Actor) -> list[CouponTrigger]:
    """Carried-over triggers not re-pointed yet, oldest first."""
    require_read_shop(actor)
    return list(await CouponTrigger.filter(coupon_id__isnull=True).exclude(legacy_event="").select_related(
        "legacy_trigger__legacy_coupon").order_by("id"))


async def repoint_trigger(actor: Actor, trigger_id: int, coupon_id: int) -> CouponTrigger:
    require_change_shop(actor)
    trigger = await CouponTrigger.get_or_none(id=trigger_id)
    if trigger is None or not trigger.legacy_event:
        raise Refused.because("NOT_FOUND", "trigger_id")
    coupon = await Coupon.get_or_none(id=coupon_id)
    if coupon is None:
        raise Refused.because("NOT_FOUND", "coupon_id")
    if coupon.issue_method not in REPOINTABLE:
        raise Refused.because("WRONG_ISSUE_METHOD", "coupon_id")
    before = {"coupon_id": trigger.coupon_id, "active": trigger.is_active}
    try:
        async with in_transaction():
            trigger.coupon_id, trigger.is_active = coupon.id, True
            await trigger.save(update_fields=["coupon_id", "is_active"])
            await record_change(actor, "coupon_trigger.repoint", trigger, before=before,
                                after={"coupon_id": coupon.id, "active": True, "legacy_event": trigger.legacy_event})
    except IntegrityError:  # this event already issues this coupon
        raise Refused.because("DUPLICATE", "coupon_id") from None
    return await CouponTrigger.get(id=trigger.id).select_related("legacy_trigger__legacy_coupon")


def trigger_notice(trigger: CouponTrigger) -> str | None:
    """What the console says beside a carried-over trigger."""
    if trigger.coupon_id is None:
        return "TRIGGER_NOT_POINTED"
    if trigger.event is None:
        return "TRIGGER_EVENT_NOT_RAISED"
    return None


async def imported_triggers(actor: Actor) -> list[tuple[LegacyTrigger, CouponTrigger | None]]:
    """Every imported automatic-issue setting, oldest first, with the kupon trigger it became
    (None while its legacy coupon is not migrated)."""
    require_read_shop(actor)
    settings = await LegacyTrigger.all().select_related("legacy_coupon").order_by("id")
    became = {t.legacy_trigger_id: t for t in await CouponTrigger.filter(
        legacy_trigger_id__in=[s.id for s in settings]).select_related("coupon")}
    return [(s, became.get(s.id)) for s in settings]
