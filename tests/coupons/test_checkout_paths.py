"""Checkout's hot path (benchmarks `redemption`, `validate`): one raw read first, the order priced
before it is written, raw conditional UPDATEs. What it reads and writes, on both databases."""

import pytest

from gql.resolvers import checkout
from gql.resolvers.checkout import CartInput, CartLineInput, OrderRequest, place_order, read_wallet
from gql.resolvers.coupon_issuing import set_trigger
from gql.resolvers.errors import Refused
from gql.resolvers.shop_settings import set_coupons_enabled
from models.coupons import Coupon, CouponMemberCount, MemberCoupon, MemberCouponStatus
from models.orders import Order, OrderCoupon, OrderItem
from tests.coupons.test_checkout import member_actor
from tests.coupons.test_issuing import operator
from tests.coupons.test_wallet_reads import wallet_of_every_status
from tests.factories import give_coupon, make_coupon, make_member


def lines(*prices: int, shipping: int = 0) -> CartInput:
    return CartInput(lines=[CartLineInput(kind="COURSE", quantity=1, unit_price=p, name=f"강의 {p}") for p in prices],
                     channel="APP", shipping_fee=shipping)


CHECKOUT_READ_TEST = None  # placeholder
async def test_checkout_read_gives_switch_member_counts_and_trigger(db):
    member, held = await wallet_of_every_status()
    wallet = await read_wallet(member.id)
    assert (wallet.coupons_enabled, wallet.member.id, wallet.first_purchase_trigger) == (True, member.id, False)
    assert [mc.id for mc, _ in wallet.coupons] == sorted([held["plain"].id, held["live"].id, held["lapsed"].id])
    assert all(used == 0 for _, used in wallet.coupons)
    plain = next(mc for mc, _ in wallet.coupons if mc.id == held["plain"].id)
    assert len(plain.coupon.target_category_ids) == 2 and plain.coupon.channel_list == ["APP"]
    assert (await Coupon.get(id=plain.coupon_id)).issue_from == plain.coupon.issue_from

    await CouponMemberCount.filter(coupon_id=plain.coupon_id, member_id=member.id).update(used=2)
    await CouponMemberCount.filter(coupon_id=held["used"].coupon_id).delete()
    await set_coupons_enabled(None, False)
    chosen = await read_wallet(member.id, [held["used"].id, held["plain"].id, 999_999])
    assert chosen.coupons_enabled is False
    assert [(mc.id, used) for mc, used in chosen.coupons] == [(held["plain"].id, 2), (held["used"].id, None)]

    auto = await make_coupon(issue_method="AUTO")
    await set_trigger(await operator(), "FIRST_PURCHASE", auto.id)
    nobody = await read_wallet(999_999, [])
    assert (nobody.member, nobody.coupons, nobody.first_purchase_trigger) == (None, [], True)
    await set_trigger(await operator(), "FIRST_PURCHASE", auto.id, active=False)
    assert (await read_wallet(member.id, [])).first_purchase_trigger is False


async def test_an_order_of_many_lines_names_the_items_its_coupons_took_from(db):
    member = await make_member()
    product = await give_coupon(await make_coupon(type="PRODUCT", benefit="PERCENT", percent=10), member)
    stackable = await give_coupon(await make_coupon(type="PRODUCT_STACKABLE", benefit="PERCENT", percent=5), member)
    cart_coupon = await give_coupon(await make_coupon(amount=1000), member)
    shipping = await give_coupon(await make_coupon(type="SHIPPING", benefit="FREE_SHIPPING"), member)
    order = await place_order(member_actor(member), None, OrderRequest(
        lines(10000, 50000, 20000, shipping=3000),
        member_coupon_ids=[shipping.id, cart_coupon.id, product.id, stackable.id, product.id]))
    items = await OrderItem.filter(order_id=order.id).order_by("id")
    assert [(i.unit_price, i.product_name) for i in items] == [(10000, "강의 10000"), (50000, "강의 50000"),
                                                            (20000, "강의 20000")]
    uses = {u.member_coupon_id: u for u in await OrderCoupon.filter(order_id=order.id)}
    assert {i: uses[i].discount for i in uses} == {product.id: 5000, stackable.id: 2500, cart_coupon.id: 1000,
                                                  shipping.id: 3000}
    assert uses[product.id].item_id == uses[stackable.id].item_id == items[1].id  # the dearest line
    assert uses[cart_coupon.id].item_id is None and uses[shipping.id].item_id is None
    assert sum(i.discount for i in items) == 8500 and items[1].discount > 7500
    assert all(i.paid_amount == i.list_amount - i.discount for i in items)
    stored = await Order.get(id=order.id)
    for placed in (order, stored):
        assert (placed.coupon_discount, placed.shipping_discount, placed.paid_amount) == (8500, 3000, 71500)
    used = await MemberCoupon.filter(order_id=order.id).values_list("status", flat=True)
    assert list(used) == [MemberCouponStatus.USED] * 4


async def test_a_coupon_without_a_counter_row_gets_one_and_counts_the_use(db):
    member = await make_member()
    coupon = await make_coupon(per_member_limit=1)
    mc = await give_coupon(coupon, member)
    await CouponMemberCount.filter(coupon_id=coupon.id).delete()  # given by a path that made none
    await place_order(member_actor(member), None, OrderRequest(lines(10000), member_coupon_ids=[mc.id]))
    assert (await CouponMemberCount.get(coupon_id=coupon.id, member_id=member.id)).used == 1
    assert (await Coupon.get(id=coupon.id)).used_count == 1


async def test_a_code_and_a_wallet_coupon_in_one_order(db):
    member = await make_member()
    product = await give_coupon(await make_coupon(type="PRODUCT", amount=2000), member)
    await make_coupon(issue_method="CODE", code_mode="SHARED", shared_code="SPRING-2026", amount=1000)
    order = await place_order(member_actor(member), None, OrderRequest(
        lines(30000), member_coupon_ids=[product.id], coupon_codes=["spring 2026"]))
    assert (order.coupon_discount, order.paid_amount) == (3000, 27000)
    assert await OrderCoupon.filter(order_id=order.id).count() == 2
    with pytest.raises(Refused) as again:  # the shared code is once per member
        await place_order(member_actor(member), None, OrderRequest(lines(30000), coupon_codes=["SPRING2026"]))
    assert again.value.codes == ["ALREADY_ISSUED"]


async def test_a_retry_refused_after_the_first_order_committed_returns_that_order(db, monkeypatch):
    """The first read ran before the first order committed; its coupon is then used, and the
    retry answers with the order the key already has."""
    member = await make_member()
    mc = await give_coupon(await make_coupon(amount=1000), member)
    request = OrderRequest(lines(10000), member_coupon_ids=[mc.id], idempotency_key="retry-1")
    first = await place_order(member_actor(member), None, request)
    read = checkout.read_wallet

    async def read_before_the_first_committed(member_id, ids=None, key=None):
        wallet = await read(member_id, ids, key)
        wallet.order_id_for_key = None
        for used_coupon, _ in wallet.coupons:
            used_coupon.status = MemberCouponStatus.AVAILABLE
        return wallet

    monkeypatch.setattr(checkout, "read_wallet", read_before_the_first_committed)
    assert (await place_order(member_actor(member), None, request)).id == first.id
    with pytest.raises(Refused) as without_key:
        await place_order(member_actor(member), None, OrderRequest(lines(10000), member_coupon_ids=[mc.id]))
    assert without_key.value.codes == ["COUPON_NOT_AVAILABLE"]
    assert await Order.all().count() == 1 and (await Coupon.get(id=mc.coupon_id)).used_count == 1


def stale_reads(monkeypatch) -> None:
    """The first read as it was before another checkout used the coupon up: only the UPDATEs know."""
    read = checkout.read_wallet

    async def stale(member_id, ids=None, key=None):
        wallet = await read(member_id, ids, key)
        wallet.coupons = [(mc, 0) for mc, _ in wallet.coupons]
        for mc, _ in wallet.coupons:
            mc.coupon.used_count = 0
        return wallet

    monkeypatch.setattr(checkout, "read_wallet", stale)


async def test_a_limit_reached_since_the_read_refuses_and_writes_nothing(db, monkeypatch):
    member, other = await make_member(), await make_member()
    limited = await make_coupon(total_limit=1)
    once_each = await make_coupon(per_member_limit=1)
    used = [await give_coupon(limited, member), await give_coupon(once_each, other)]
    for mc in used:
        await place_order(member_actor(await mc.member), None, OrderRequest(lines(10000), member_coupon_ids=[mc.id]))
    stale_reads(monkeypatch)
    attempts = [(other, await give_coupon(limited, other), "COUPON_LIMIT_REACHED", []),
                (other, await give_coupon(once_each, other), "MEMBER_LIMIT_REACHED", []),
                # the limit is found before the gift cards are looked at, as it always was
                (other, await give_coupon(limited, other), "COUPON_LIMIT_REACHED", [("NO-SUCH-CARD", 99_999)])]
    for who, mc, code, cards in attempts:
        with pytest.raises(Refused) as refused:
            await place_order(member_actor(who), None, OrderRequest(lines(10000), member_coupon_ids=[mc.id],
                                                                     gift_cards=cards))
        assert refused.value.codes == [code]
        assert (await MemberCoupon.get(id=mc.id)).status == MemberCouponStatus.AVAILABLE
    assert await Order.all().count() == await OrderItem.all().count() == await OrderCoupon.all().count() == 2
    assert [c.used_count for c in await Coupon.filter(id__in=[limited.id, once_each.id]).order_by("id")] == [1, 1]
    assert (await CouponMemberCount.get(coupon_id=once_each.id, member_id=other.id)).used == 1
