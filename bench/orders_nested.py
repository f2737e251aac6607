"""`orders_nested`: a page of 50 orders x 3 items with their coupons, refunds and shipments, over HTTP.

The query the back office sends to show a page of orders with everything
under them. Kupon serves it from PostgreSQL as deployed (uvicorn, production
settings, an API key), every nested list through its per-request DataLoader;
the baseline replays kupon's identical answer through a Strawberry schema of
the same shape (bench/baseline.py). The ratio is kupon's requests/s over the
baseline's.

The orders are made the way the shop makes them: `place_order` with a cart
coupon from the member's wallet, `request_refund` (and, for every other
order, `complete_refund`) by the owner, `shipments_for_order` for the books,
and `update_shipment` to give each a carrier and invoice number.
"""

from __future__ import annotations

import asyncio

from bench.over_http import compare_over_http
from bench.registry import Options, Result, benchmark
from bench.servers import throwaway_postgres

ORDER_COUNT = 50
MEMBER_COUNT = 5  # the orders are spread over a few members, so the member loader reads several
DISCOUNT = 1000
# (kind, unit price, name): a course and two books, so each order has two shipments.
LINES = [("COURSE", 120_000, "전기기사 필기 대비"), ("BOOK", 25_000, "전기기사 필기 교재"),
         ("BOOK", 18_000, "전기기사 기출문제집")]
ITEMS_PER_ORDER = len(LINES)
SHIPPED_PER_ORDER = sum(1 for kind, _, _ in LINES if kind == "BOOK")
QUERY = (
    f"{{ orders(first: {ORDER_COUNT}) {{ totalCount edges {{ node {{ "
    "id number name status paymentMethod listTotal couponDiscount shippingFee paidAmount refundedAmount "
    "orderedAt paidAt member { id loginId name } "
    "items { id productName kind quantity unitPrice listAmount discount paidAmount refundedAmount status } "
    "coupons { memberCouponId couponId couponName itemId discount } "
    "refunds { id status amount refundedAmount itemIds requestedAt completedAt } "
    "shipments { id itemId status carrierName invoiceNumber trackingUrl } "
    "} } } }"
)


@benchmark("orders_nested")
def orders_nested_benchmark(options: Options) -> Result:
    from bench.fixtures import environ, new_database

    with throwaway_postgres() as postgres:
        env = new_database(postgres)
        with environ(env):
            api_key = asyncio.run(prepare_database(env["KUPON_DATABASE_URL"]))
        kupon, baseline = compare_over_http("orders_nested", QUERY, env, {"authorization": f"Bearer {api_key}"},
                                            options, full_orders)
    return Result.throughput("orders_nested", "req/s", kupon.per_second, baseline.per_second)


async def prepare_database(url: str) -> str:
    """Migrate, place the orders with their coupons, refunds and shipments; return a fresh API key's secret."""
    from bench.fixtures import OWNER, give_coupons, make_coupon, make_members, make_site, member_actor, tortoise
    from gql.resolvers.auth import create_api_key
    from gql.resolvers.checkout import CartInput, CartLineInput, OrderRequest, place_order
    from gql.resolvers.refunds import RefundInput, complete_refund, request_refund
    from gql.resolvers.shipping import CarrierInput, create_carrier, shipments_for_order, update_shipment
    from models.catalog import ProductKind
    from models.coupons import MemberCoupon, MemberCouponStatus
    from models.orders import OrderItem

    async with tortoise(url):
        site = await make_site()
        members = await make_members(site, MEMBER_COUNT)
        coupon = await make_coupon(amount=DISCOUNT)
        carrier = await create_carrier(OWNER, CarrierInput(name="CJ대한통운", code="cj",
                                                           tracking_url="https://trace.example/?invoice={invoice}"))
        per_member = -(-ORDER_COUNT // MEMBER_COUNT)
        for member in members:
            await give_coupons(coupon, member, per_member)
        cart = CartInput(lines=[CartLineInput(kind=kind, quantity=1, unit_price=price, name=name)
                                for kind, price, name in LINES],
                         channel="PC_WEB", shipping_fee=3000, site_id=site.id)
        for n in range(ORDER_COUNT):
            member = members[n % MEMBER_COUNT]
            wallet_coupon = await MemberCoupon.filter(member_id=member.id, status=MemberCouponStatus.AVAILABLE).first()
            order = await place_order(member_actor(member), None,
                                      OrderRequest(cart, member_coupon_ids=[wallet_coupon.id]))
            if order.coupon_discount != DISCOUNT:
                raise RuntimeError(f"orders_nested: order {order.number} took {order.coupon_discount} off, "
                                   f"not {DISCOUNT}")
            for shipment in await shipments_for_order(order.id):
                await update_shipment(OWNER, shipment.id, carrier.id, f"6{order.id:05d}{shipment.item_id:06d}")
            course = await OrderItem.filter(order_id=order.id, kind=ProductKind.COURSE).first()
            refund = await request_refund(OWNER, RefundInput(order_id=order.id, item_ids=[course.id],
                                                             reason="수강 취소"))
            if n % 2:  # half of them paid back, half still waiting for an operator
                await complete_refund(OWNER, refund.id, refund.amount, notify=False)
        return (await create_api_key(None, "bench")).secret


def full_orders(payload: dict) -> str | None:
    """Every order with its three items, its coupon, its refund and its books' shipments."""
    connection = payload["data"]["orders"]
    edges = connection["edges"]
    if connection["totalCount"] != ORDER_COUNT or len(edges) != ORDER_COUNT:
        return f"{len(edges)} of {connection['totalCount']} orders, not {ORDER_COUNT}"
    for edge in edges:
        node = edge["node"]
        shape = (len(node["items"]), len(node["coupons"]), len(node["refunds"]), len(node["shipments"]))
        if shape != (ITEMS_PER_ORDER, 1, 1, SHIPPED_PER_ORDER):
            return f"order {node['number']} has (items, coupons, refunds, shipments) = {shape}"
        if node["coupons"][0]["discount"] != DISCOUNT or not all(s["trackingUrl"] for s in node["shipments"]):
            return f"order {node['number']} lacks its coupon's discount or a tracking link"
    return None
