"""Automatic-issue settings of migrated legacy coupons: listed, silent until re-pointed (seed 000)."""

import pytest

from gql.resolvers import coupon_issuing, legacy_triggers
from gql.resolvers.errors import Refused
from models.coupons import Coupon, CouponStatus, CouponTrigger, MemberCoupon, TriggerEvent
from models.legacy import LegacyCoupon
from tests.factories import make_coupon
from tests.legacy.test_run import run, submitted


async def test_triggers_listed_and_silent_until_repointed(app, imported, owner, shoppers):
    auto_birthday = await make_coupon(issue_method="AUTO", issue_status="ACTIVE", use_status="ACTIVE")
    await coupon_issuing.set_trigger(owner, "BIRTHDAY", auto_birthday.id)
    await run(app, owner, await submitted(owner, imported, ("19171914", "12171514", "20240301")))

    pending = await legacy_triggers.pending_triggers(owner)
    seen = [(t.legacy_event, t.event, t.legacy_trigger.legacy_coupon.number) for t in pending]
    assert seen == [("BIRTHDAY_ANNIVERSARY", TriggerEvent.BIRTHDAY, "19171914"), ("REFERRAL", None, "12171514"),
                    ("APP_LOGIN", None, "20240301")]
    assert all(t.coupon_id is None and not t.is_active for t in pending)
    assert [legacy_triggers.trigger_notice(t) for t in pending] == ["TRIGGER_NOT_POINTED"] * 3
    assert [t.coupon_id for t in await coupon_issuing.list_triggers(owner)] == [auto_birthday.id]
    assert await legacy_triggers.convert_triggers([c.id for c in await LegacyCoupon.all()]) == 0  # once each

    member = shoppers["shopper01"]
    issued = await coupon_issuing.fire_event(TriggerEvent.BIRTHDAY, member, "BIRTHDAY:2026")
    assert [m.coupon_id for m in issued] == [auto_birthday.id]  # the carried-over one issues nothing

    birthday, referral, app_login = pending
    target_id = (await LegacyCoupon.get(number="19171914")).target_coupon_id
    repointed = await legacy_triggers.repoint_trigger(owner, birthday.id, target_id)
    assert repointed.coupon_id == target_id and repointed.is_active
    assert legacy_triggers.trigger_notice(repointed) is None
    # The migrated target is STOPPED: still nothing until the operator activates it (and opens its window).
    issued = await coupon_issuing.fire_event(TriggerEvent.BIRTHDAY, shoppers["shopper02"], "BIRTHDAY:2026")
    assert [m.coupon_id for m in issued] == [auto_birthday.id]
    assert not await MemberCoupon.exists(coupon_id=target_id, issue_key="BIRTHDAY:2026")
    await Coupon.filter(id=target_id).update(issue_status=CouponStatus.ACTIVE, use_status=CouponStatus.ACTIVE,
                                             issue_to=None)
    issued = await coupon_issuing.fire_event(TriggerEvent.BIRTHDAY, shoppers["shopper03"], "BIRTHDAY:2026")
    assert sorted(m.coupon_id for m in issued) == sorted([auto_birthday.id, target_id])

    # An event kupon does not raise is still re-pointable, and the console says it issues nothing yet.
    other = await make_coupon(issue_method="AUTO")
    app_login = await legacy_triggers.repoint_trigger(owner, app_login.id, other.id)
    assert legacy_triggers.trigger_notice(app_login) == "TRIGGER_EVENT_NOT_RAISED"
    assert [t.id for t in await legacy_triggers.pending_triggers(owner)] == [referral.id]
    assert await coupon_issuing.triggers_of_coupon(owner, other.id) == []  # no kupon event to show there


async def test_repoint_refusals(app, imported, owner):
    await run(app, owner, await submitted(owner, imported, ("12171514",)))
    (referral,) = await legacy_triggers.pending_triggers(owner)
    for trigger_id, coupon_id, code in [
            (referral.id, (await make_coupon(issue_method="DOWNLOAD")).id, "WRONG_ISSUE_METHOD"),
            (referral.id, 999999, "NOT_FOUND"), (999999, (await make_coupon()).id, "NOT_FOUND")]:
        with pytest.raises(Refused) as refused:
            await legacy_triggers.repoint_trigger(owner, trigger_id, coupon_id)
        assert refused.value.codes == [code]
    own = await CouponTrigger.create(event=TriggerEvent.SIGN_UP, coupon=await make_coupon(issue_method="AUTO"))
    with pytest.raises(Refused) as refused:  # only carried-over triggers are re-pointed here
        await legacy_triggers.repoint_trigger(owner, own.id, own.coupon_id)
    assert refused.value.codes == ["NOT_FOUND"]
