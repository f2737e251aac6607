"""The `orders_nested` benchmark without PostgreSQL: it is registered, its query is valid against kupon's
schema, its check tells a full page from a short one, and the baseline can replay such a page."""

from __future__ import annotations

import copy

from graphql import build_schema, parse, validate

from bench.baseline import build
from bench.orders_nested import DISCOUNT, ITEMS_PER_ORDER, ORDER_COUNT, QUERY, SHIPPED_PER_ORDER, full_orders
from bench.registry import load_benchmarks

AT = "2026-11-24T12:00:00+00:00"


def kupon_sdl() -> str:
    from gql.schema import get_schema

    return str(get_schema(production=True))


def node(n: int) -> dict:
    items = [{"id": str(3 * n + i), "productName": f"상품 {i}", "kind": "COURSE" if i == 0 else "BOOK",
              "quantity": 1, "unitPrice": 10_000, "listAmount": 10_000, "discount": 333, "paidAmount": 9_667,
              "refundedAmount": 0, "status": "ORDERED"} for i in range(ITEMS_PER_ORDER)]
    return {
        "id": str(n), "number": f"20261124-{n:012X}", "name": "상품 0 외 2건", "status": "PAID",
        "paymentMethod": "CARD", "listTotal": 30_000, "couponDiscount": DISCOUNT, "shippingFee": 3000,
        "paidAmount": 32_000, "refundedAmount": 0, "orderedAt": AT, "paidAt": AT,
        "member": {"id": "1", "loginId": "bench00001", "name": "홍길동"},
        "items": items,
        "coupons": [{"memberCouponId": str(n), "couponId": "1", "couponName": "쿠폰", "itemId": None,
                     "discount": DISCOUNT}],
        "refunds": [{"id": str(n), "status": "REQUESTED", "amount": 9_667, "refundedAmount": 0,
                     "itemIds": [items[0]["id"]], "requestedAt": AT, "completedAt": None}],
        "shipments": [{"id": item["id"], "itemId": item["id"], "status": "WAITING", "carrierName": "CJ대한통운",
                       "invoiceNumber": f"6{item['id']}", "trackingUrl": f"https://trace.example/?invoice=6{item['id']}"}
                      for item in items[ITEMS_PER_ORDER - SHIPPED_PER_ORDER:]],
    }


def page() -> dict:
    return {"data": {"orders": {"totalCount": ORDER_COUNT,
                                "edges": [{"node": node(n)} for n in range(ORDER_COUNT, 0, -1)]}}}


def test_orders_nested_is_registered_with_the_others():
    assert "orders_nested" in load_benchmarks()


def test_the_query_is_valid_against_kupons_schema():
    assert validate(build_schema(kupon_sdl()), parse(QUERY)) == []


def test_the_check_wants_every_order_with_everything_under_it():
    assert full_orders(page()) is None
    short = page()
    short["data"]["orders"]["edges"].pop()
    assert "49 of" in full_orders(short)
    no_refund = page()
    no_refund["data"]["orders"]["edges"][3]["node"]["refunds"] = []
    assert "(items, coupons, refunds, shipments) = (3, 1, 0, 2)" in full_orders(no_refund)


async def test_the_baseline_replays_such_a_page():
    expected = page()
    schema, root = build(kupon_sdl(), QUERY, copy.deepcopy(expected["data"]))
    result = await schema.execute(QUERY, root_value=root)
    assert result.errors is None and result.data == expected["data"]
