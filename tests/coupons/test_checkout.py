"""Checkout through the resolvers: validate, place, idempotency, cancel, the global switch."""

import pytest

from gql.resolvers.access import Actor, ActorKind
from gql.resolvers.checkout import CartInput, CartLineInput, OrderRequest, cancel_order, place_order, validate_checkout
from gql.resolvers.errors import Refused
from gql.resolvers.shop_settings import set_coupons_enabled
from models.coupons import Coupon, MemberCoupon, MemberCouponStatus
from models.orders import OrderStatus
from tests.factories import give_coupon, make_coupon, make_member


def member_actor(member) -> Actor:
    return Actor(ActorKind.MEMBER, id=member.id, label=member.login_id, member_id=member.id)


def cart(*prices, shipping=0, training_card=False, channel="APP") -> CartInput:
    return CartInput(lines=[CartLineInput(kind="COURSE", quantity=1, unit_price=p, training_card=training_card,
                                          name=f"강의 {p}") for p in prices], channel=channel, shipping_fee=shipping)


async def test_validate_reports_discounts_and_reasons(db):
    member = await make_member()
    ok = await give_coupon(await make_coupon(amount=3000), member)
    too_small = await give_coupon(await make_coupon(amount=3000, min_amount=100000), member)
    pc_only = await give_coupon(await make_coupon(amount=3000, channels=["PC_WEB"]), member)
    result = await validate_checkout(member_actor(member), None, cart(50000), with_best=True)
    by_id = {mc.id: verdict for mc, verdict in result.verdicts}
    assert by_id[ok.id].discount == 3000 and by_id[ok.id].applicable
    assert by_id[too_small.id].reason == "BELOW_MINIMUM_AMOUNT"
    assert by_id[pc_only.id].reason == "WRONG_CHANNEL"
    assert result.best.total == 47000


async def test_place_order_redeems_and_cancel_restores(db):
    member = await make_member()
    coupon = await make_coupon(type="PRODUCT", benefit="PERCENT", percent=15, max_discount=20000)
    mc = await give_coupon(coupon, member)
    order = await place_order(member_actor(member), None, OrderRequest(cart(189999, shipping=3000),
                                                                       member_coupon_ids=[mc.id]))
    # 15% of 189,999 is 28,499.85 -> 28,499 won, then capped at 20,000
    assert (order.coupon_discount, order.paid_amount) == (20000, 189999 - 20000 + 3000)
    await mc.refresh_from_db()
    assert mc.status == MemberCouponStatus.USED and mc.order_id == order.id
    assert (await Coupon.get(id=coupon.id)).used_count == 1
    cancelled = await cancel_order(member_actor(member), order.id)
    assert cancelled.status == OrderStatus.CANCELLED
    await mc.refresh_from_db()
    assert mc.status == MemberCouponStatus.AVAILABLE and mc.order_id is None
    assert (await Coupon.get(id=coupon.id)).used_count == 0
    with pytest.raises(Refused) as again:
        await cancel_order(member_actor(member), order.id)
    assert again.value.codes == ["ORDER_NOT_CANCELLABLE"]


async def test_idempotency_key_returns_the_first_order(db):
    member = await make_member()
    mc = await give_coupon(await make_coupon(amount=1000), member)
    request = OrderRequest(cart(10000), member_coupon_ids=[mc.id], idempotency_key="abc-1")
    first = await place_order(member_actor(member), None, request)
    second = await place_order(member_actor(member), None, request)
    assert first.id == second.id
    assert (await Coupon.get(id=mc.coupon_id)).used_count == 1


async def test_training_card_lines_take_no_coupon(db):
    member = await make_member()
    mc = await give_coupon(await make_coupon(type="PRODUCT", amount=5000), member)
    with pytest.raises(Refused) as refused:
        await place_order(member_actor(member), None, OrderRequest(cart(300000, training_card=True),
                                                                   member_coupon_ids=[mc.id]))
    assert refused.value.codes == ["NO_ELIGIBLE_ITEMS"]
    assert (await MemberCoupon.get(id=mc.id)).status == MemberCouponStatus.AVAILABLE


async def test_switch_off_refuses_coupons_in_validate_and_order(db):
    member = await make_member()
    mc = await give_coupon(await make_coupon(amount=1000), member)
    await set_coupons_enabled(None, False)
    result = await validate_checkout(member_actor(member), None, cart(10000), with_best=True)
    assert [v.reason for _, v in result.verdicts] == ["COUPONS_DISABLED"] and result.best is None
    with pytest.raises(Refused) as refused:
        await place_order(member_actor(member), None, OrderRequest(cart(10000), member_coupon_ids=[mc.id]))
    assert refused.value.codes == ["COUPONS_DISABLED"]
    plain = await place_order(member_actor(member), None, OrderRequest(cart(10000)))
    assert plain.paid_amount == 10000


async def test_stacking_conflict_and_other_members_coupon(db):
    member, other = await make_member(), await make_member()
    a = await give_coupon(await make_coupon(amount=1000), member)
    b = await give_coupon(await make_coupon(amount=2000), member)
    theirs = await give_coupon(await make_coupon(amount=2000), other)
    with pytest.raises(Refused) as conflict:
        await place_order(member_actor(member), None, OrderRequest(cart(10000), member_coupon_ids=[a.id, b.id]))
    assert conflict.value.codes == ["STACKING_CONFLICT"]
    with pytest.raises(Refused) as foreign:
        await place_order(member_actor(member), None, OrderRequest(cart(10000), member_coupon_ids=[theirs.id]))
    assert foreign.value.codes == ["NOT_FOUND"]


async def test_payment_methods_deposits_and_training_card_subsidy(db):
    from models.orders import PaymentMethod

    member = await make_member()
    deposit = await place_order(member_actor(member), None,
                                OrderRequest(cart(50000), payment_method="SHOP_ACCOUNT"))
    assert (deposit.status, deposit.paid_at, deposit.payment_method) == (
        OrderStatus.AWAITING_DEPOSIT, None, PaymentMethod.SHOP_ACCOUNT)
    course = CartInput(lines=[CartLineInput(kind="COURSE", quantity=1, unit_price=320000, training_card=True,
                                            subsidy=256000)], channel="APP")
    funded = await place_order(member_actor(member), None, OrderRequest(course, payment_method="TRAINING_CARD"))
    # paid = list total - subsidy - discount + shipping
    assert (funded.subsidy, funded.paid_amount, funded.status) == (256000, 64000, OrderStatus.PAID)
    free = await place_order(member_actor(member), None, OrderRequest(cart(0)))
    assert free.payment_method == PaymentMethod.FREE
    with pytest.raises(Refused) as bad:
        await place_order(member_actor(member), None, OrderRequest(cart(1000), payment_method="BITCOIN"))
    assert bad.value.codes == ["INVALID_CHOICE"]
    too_much = CartInput(lines=[CartLineInput(kind="COURSE", quantity=1, unit_price=1000, subsidy=2000,
                                              training_card=True)], channel="APP")
    with pytest.raises(Refused) as over:
        await place_order(member_actor(member), None, OrderRequest(too_much))
    assert over.value.codes == ["INVALID_PRICE"]
