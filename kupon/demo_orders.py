"""Demo orders: six months of orders for the demo members, called by `kupon.demo.load_demo_data`.

Card, transfer, virtual-account and mobile payments with gateway records; deposits to the shop's
account, the recent ones still awaiting their deposit; free orders; training-card course orders with
the government subsidy; some orders with a coupon; a few temporary and cancelled ones. Shipments of
book items come from the shipping resolver, and a few refund requests from the refunds resolver.

Deterministic: every order's draws are made whether or not it exists, and an order is created only
when its idempotency key `demo-<n>` is missing, so loading twice changes nothing.
"""

from __future__ import annotations

import contextlib
import random
from datetime import timedelta

from gql.resolvers.access import Actor, ActorKind
from gql.resolvers.errors import Refused
from kupon.timeutil import now_utc, seoul_today
from models.access import Role
from models.catalog import Product, ProductKind
from models.coupons import Coupon, CouponMemberCount, IssueMethod, MemberCoupon, MemberCouponStatus
from models.members import Member
from models.orders import Order, OrderCoupon, OrderItem, OrderStatus, PaymentMethod, PaymentRecord

ORDER_COUNT = 160
DAYS = 180
DEMO_COUPON = "데모 회원 3,000원 할인"
COUPON_AMOUNT = 3000
SUBSIDY_PERCENT = 80  # the training card pays 80% of an eligible course
METHODS = [(PaymentMethod.CARD, 40), (PaymentMethod.BANK_TRANSFER, 8), (PaymentMethod.VIRTUAL_ACCOUNT, 7),
           (PaymentMethod.MOBILE, 6), (PaymentMethod.FOREIGN_CARD, 2), (PaymentMethod.SHOP_ACCOUNT, 14),
           (PaymentMethod.TRAINING_CARD, 13), (PaymentMethod.FREE, 10)]
ISSUERS = ["신한카드", "KB국민카드", "삼성카드", "현대카드", "BC카드", "롯데카드", "하나카드"]
DEMO_OPERATOR = Actor(ActorKind.OPERATOR, id=None, label="demo-data", role=Role.OWNER)


async def _demo_coupon() -> Coupon:
    coupon = await Coupon.get_or_none(name=DEMO_COUPON)
    if coupon is None:
        from gql.resolvers.coupons import CouponInput, create_coupon

        coupon = await create_coupon(DEMO_OPERATOR, CouponInput(
            name=DEMO_COUPON, type="CART", benefit="FIXED", amount=COUPON_AMOUNT, issue_method="MANUAL",
            issue_status="ACTIVE", use_status="ACTIVE", description="데모 주문에 사용된 쿠폰"))
    return coupon


async def load_demo_orders(seed: int = 20261124) -> int:
    """Create the demo orders that are missing; return how many were created."""
    rng = random.Random(seed)
    members = list(await Member.all().order_by("id"))
    products = list(await Product.filter(is_active=True).order_by("id"))
    if not members or not products:
        return 0
    done = set(await Order.filter(idempotency_key__startswith="demo-").values_list("idempotency_key", flat=True))
    now = now_utc()
    created: list[Order] = []
    coupon = None
    for n in range(1, ORDER_COUNT + 1):
        plan = _plan(rng, n, members, products, now)
        if f"demo-{n}" in done:
            continue
        if plan["coupon"] and coupon is None:
            coupon = await _demo_coupon()
        created.append(await _create(plan, n, coupon if plan["coupon"] else None))
    await _shipments_and_refunds(created)
    return len(created)


def _plan(rng: random.Random, n: int, members: list[Member], products: list[Product], now) -> dict:
    """Every random draw for order n, always in the same order."""
    member = members[rng.randrange(len(members))]
    method = rng.choices([m for m, _ in METHODS], weights=[w for _, w in METHODS])[0]
    ordered_at = now - timedelta(days=rng.uniform(0, DAYS))
    site_products = [p for p in products if p.site_id == member.site_id] or products
    eligible = [p for p in site_products if p.training_card_eligible] or [p for p in products
                                                                          if p.training_card_eligible]
    if method == PaymentMethod.TRAINING_CARD and eligible:
        lines = [(eligible[rng.randrange(len(eligible))], 1)]
    else:
        method = PaymentMethod.CARD if method == PaymentMethod.TRAINING_CARD else method
        count = rng.choice([1, 1, 1, 2, 2, 3])
        picked = rng.sample(site_products, min(count, len(site_products)))
        lines = [(p, 2 if p.kind == ProductKind.BOOK and rng.random() < 0.2 else 1) for p in picked]
    use_coupon = rng.random() < 0.2
    temporary = rng.random() < 0.04
    cancelled = rng.random() < 0.05
    minutes = rng.randint(1, 30)
    issuer, months = rng.choice(ISSUERS), rng.choice([0, 0, 0, 2, 3, 6])
    refund = rng.random() < 0.06
    shipping = 3000 if any(p.kind == ProductKind.BOOK for p, _ in lines) and rng.random() < 0.6 else 0
    return {"member": member, "method": method, "ordered_at": ordered_at, "lines": lines,
            "coupon": use_coupon and method not in (PaymentMethod.FREE, PaymentMethod.TRAINING_CARD),
            "temporary": temporary, "cancelled": cancelled and not temporary, "paid_after": timedelta(minutes=minutes),
            "issuer": issuer, "months": months, "refund": refund and not temporary, "shipping": shipping}


async def _create(plan: dict, n: int, coupon: Coupon | None) -> Order:
    method, member, at = plan["method"], plan["member"], plan["ordered_at"]
    free = method == PaymentMethod.FREE
    lines = []
    for product, quantity in plan["lines"]:
        price = 0 if free else product.price
        amount = price * quantity
        subsidy = amount * SUBSIDY_PERCENT // 100 if method == PaymentMethod.TRAINING_CARD else 0
        lines.append({"product": product, "quantity": quantity, "price": price, "amount": amount,
                      "subsidy": subsidy, "discount": 0})
    list_total = sum(line["amount"] for line in lines)
    if coupon is not None:
        biggest = max(lines, key=lambda line: line["amount"] - line["subsidy"])
        biggest["discount"] = min(COUPON_AMOUNT, biggest["amount"] - biggest["subsidy"])
    subsidy = sum(line["subsidy"] for line in lines)
    discount = sum(line["discount"] for line in lines)
    shipping = 0 if free else plan["shipping"]
    paid = list_total - subsidy - discount + shipping
    # The last six weeks' deposits are still awaited; older ones were confirmed.
    awaiting = method == PaymentMethod.SHOP_ACCOUNT and (seoul_today() - seoul_today(at)).days < 42
    status = OrderStatus.AWAITING_DEPOSIT if awaiting else OrderStatus.PAID
    paid_at = None if awaiting or plan["temporary"] else at + plan["paid_after"]
    if plan["temporary"]:
        status = OrderStatus.AWAITING_DEPOSIT if method == PaymentMethod.SHOP_ACCOUNT else OrderStatus.PAID
    first = lines[0]["product"].name
    name = first if len(lines) == 1 else f"{first} 외 {len(lines) - 1}건"
    order = await Order.create(
        number=f"{seoul_today(at):%Y%m%d}-D{n:05d}", name=name,
        site_id=member.site_id, member=member, channel="PC_WEB", status=status, list_total=list_total,
        subsidy=subsidy, coupon_discount=discount, shipping_fee=shipping, paid_amount=paid, payment_method=method,
        is_temporary=plan["temporary"], paid_at=paid_at, idempotency_key=f"demo-{n}", ordered_at=at)
    items = []
    for line in lines:
        product = line["product"]
        items.append(await OrderItem.create(
            order=order, product=product, product_name=product.name, category_id=product.category_id,
            kind=product.kind, quantity=line["quantity"], unit_price=line["price"], list_price=product.price,
            list_amount=line["amount"], discount=line["discount"], subsidy=line["subsidy"],
            paid_amount=line["amount"] - line["discount"] - line["subsidy"],
            training_card=method == PaymentMethod.TRAINING_CARD))
    if coupon is not None:
        await _use_coupon(coupon, member, order, items, lines, at)
    if paid_at is not None and paid > 0:
        await PaymentRecord.create(
            order=order, method=method, amount=paid, transaction_id=f"T{order.id:010d}", result_code="0000",
            result_message="입금확인" if method == PaymentMethod.SHOP_ACCOUNT else "정상처리",
            card_issuer=plan["issuer"] if method in (PaymentMethod.CARD, PaymentMethod.FOREIGN_CARD) else "",
            installment_months=plan["months"] if method == PaymentMethod.CARD else 0, paid_at=paid_at)
    if plan["cancelled"] and status in (OrderStatus.PAID, OrderStatus.AWAITING_DEPOSIT):
        from gql.resolvers.checkout import cancel_order

        order = await cancel_order(DEMO_OPERATOR, order.id)
    order._demo_refund = plan["refund"]
    return order


async def _use_coupon(coupon: Coupon, member: Member, order: Order, items: list[OrderItem], lines: list[dict],
                      at) -> None:
    from tortoise.expressions import F

    from gql.resolvers.coupon_issuing import member_count_row

    await member_count_row(coupon.id, member.id)
    member_coupon = await MemberCoupon.create(coupon=coupon, member=member, issued_via=IssueMethod.MANUAL,
                                              issued_at=at - timedelta(days=3), status=MemberCouponStatus.USED,
                                              used_at=at, order_id=order.id)
    index = next(i for i, line in enumerate(lines) if line["discount"])
    await OrderCoupon.create(order=order, member_coupon=member_coupon, item=items[index],
                             discount=lines[index]["discount"])
    await Coupon.filter(id=coupon.id).update(used_count=F("used_count") + 1)
    await CouponMemberCount.filter(coupon_id=coupon.id, member_id=member.id).update(used=F("used") + 1)


async def _shipments_and_refunds(orders: list[Order]) -> None:
    """Through the colleagues' resolvers, when they are there."""
    try:
        from gql.resolvers.shipping import shipments_for_order
    except ImportError:  # shipping not built yet
        shipments_for_order = None
    try:
        from gql.resolvers import refunds
    except ImportError:
        refunds = None
    for order in orders:
        if shipments_for_order is not None and order.status != OrderStatus.CANCELLED:
            await shipments_for_order(order.id)
        if refunds is not None and getattr(order, "_demo_refund", False) and order.paid_amount > 0:
            items = await OrderItem.filter(order_id=order.id).order_by("id")
            # Not refundable (cancelled or awaiting its deposit): no request.
            with contextlib.suppress(Refused):
                await refunds.request_refund(DEMO_OPERATOR, refunds.RefundInput(
                    order_id=order.id, item_ids=[items[-1].id], reason="데모: 단순 변심"))
