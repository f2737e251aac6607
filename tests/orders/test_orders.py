"""Orders through the resolvers and GraphQL: filters, deposit confirmation, cancellation,
the money rule, the export job, and a nested query whose statement count does not grow."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook

from gql.resolvers.access import Actor, ActorKind
from gql.resolvers.checkout import CartInput, CartLineInput, OrderRequest, place_order
from gql.resolvers.errors import Refused
from gql.resolvers.order_export import start_order_export
from gql.resolvers.orders import (
    KeywordField,
    OrderFilter,
    cancel_order,
    confirm_deposit,
    get_order,
    list_my_orders,
    list_orders,
    money_problems,
    orders_breaking_money_rule,
    payment_records,
)
from gql.resolvers.pagination import PageRequest
from models.access import Role
from models.audit import AuditEntry
from models.coupons import MemberCoupon, MemberCouponStatus
from models.giftcards import GiftCardRedemption, RedemptionStatus
from models.jobs import JobFile
from models.orders import Order, OrderCoupon, OrderItem, OrderStatus, PaymentMethod
from models.refunds import RefundRequest
from models.shipping import Carrier, Shipment, ShipmentStatus
from tests.conftest import console_login, graphql
from tests.factories import (
    PASSWORD,
    api_key,
    give_coupon,
    make_coupon,
    make_member,
    make_operator,
    make_order,
    member_token,
)
from tests.gql.test_rules import count_sql

OWNER = Actor(ActorKind.OPERATOR, id=None, label="tester", role=Role.OWNER)
VIEWER = Actor(ActorKind.OPERATOR, id=None, label="viewer", role=Role.VIEWER)


def member_actor(member) -> Actor:
    return Actor(ActorKind.MEMBER, id=member.id, label=member.login_id, member_id=member.id)


def seoul(year, month, day, hour=12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC) - timedelta(hours=9)


async def numbers(flt: OrderFilter, actor: Actor = OWNER) -> list[str]:
    return [o.number for o in (await list_orders(actor, flt, PageRequest(first=100))).items]


async def test_filters_of_the_order_list(db):
    kim = await make_member(name="김민준", login_id="minjun")
    lee = await make_member(name="이서연", login_id="seoyeon")
    await make_order(kim, number="A-1", name="토익 900 완성반", ordered_at=seoul(2026, 3, 1), paid_at=seoul(2026, 3, 2))
    # 00:30 in Seoul on 3 March is still 2 March in UTC: the Seoul date counts.
    await make_order(lee, number="A-2", ordered_at=seoul(2026, 3, 3, 0) + timedelta(minutes=30), paid_at=None,
                     status=OrderStatus.AWAITING_DEPOSIT, payment_method=PaymentMethod.SHOP_ACCOUNT)
    await make_order(lee, number="A-3", is_temporary=True, ordered_at=seoul(2026, 3, 3))
    await make_order(kim, number="A-4", payment_method=PaymentMethod.FREE, ordered_at=seoul(2026, 4, 1),
                     paid_at=seoul(2026, 4, 1), lines=[("무료 특강", 0)])
    assert await numbers(OrderFilter()) == ["A-4", "A-2", "A-1"]  # newest first, temporary hidden
    assert "A-3" in await numbers(OrderFilter(include_temporary=True))
    assert await numbers(OrderFilter(ordered_from=seoul(2026, 3, 3).date(), ordered_to=seoul(2026, 3, 3).date())) \
        == ["A-2"]
    assert await numbers(OrderFilter(paid_from=seoul(2026, 3, 2).date(), paid_to=seoul(2026, 3, 31).date())) \
        == ["A-1"]
    assert await numbers(OrderFilter(payment_method=PaymentMethod.SHOP_ACCOUNT)) == ["A-2"]
    assert await numbers(OrderFilter(status=OrderStatus.AWAITING_DEPOSIT)) == ["A-2"]
    assert await numbers(OrderFilter(keyword="토익", keyword_field=KeywordField.NAME)) == ["A-1"]
    assert await numbers(OrderFilter(keyword="이서연", keyword_field=KeywordField.MEMBER_NAME)) == ["A-2"]
    assert await numbers(OrderFilter(keyword="minjun", keyword_field=KeywordField.LOGIN_ID)) == ["A-4", "A-1"]
    assert await numbers(OrderFilter(keyword="A-2", keyword_field=KeywordField.NUMBER)) == ["A-2"]
    assert await numbers(OrderFilter(keyword="minjun", keyword_field=KeywordField.NAME)) == []
    assert await numbers(OrderFilter(keyword="seoyeon")) == ["A-2"]


async def test_pages_are_stable_and_counted(db):
    member = await make_member()
    same_time = seoul(2026, 5, 5)
    for n in range(7):
        await make_order(member, number=f"P-{n}", ordered_at=same_time)
    seen = []
    request = PageRequest(first=3)
    while True:
        page = await list_orders(OWNER, OrderFilter(), request)
        assert page.total_count == 7
        seen += [o.number for o in page.items]
        if not page.has_next_page:
            break
        request = PageRequest(first=3, after=page.cursor_at(len(page.items) - 1))
    assert sorted(seen) == sorted(f"P-{n}" for n in range(7)) and len(seen) == 7


async def test_members_see_only_their_own_orders(db):
    mine, other = await make_member(), await make_member()
    own = await make_order(mine)
    theirs = await make_order(other)
    page = await list_my_orders(member_actor(mine), OrderFilter(member_id=other.id), PageRequest())
    assert [o.id for o in page.items] == [own.id]
    with pytest.raises(Refused) as refused:
        await get_order(member_actor(mine), theirs.id)
    assert refused.value.codes == ["NOT_FOUND"]
    with pytest.raises(Refused):
        await list_orders(member_actor(mine), OrderFilter(), PageRequest())


async def test_confirm_deposit_pays_once_and_is_audited(db):
    order = await make_order(status=OrderStatus.AWAITING_DEPOSIT, payment_method=PaymentMethod.SHOP_ACCOUNT,
                             paid_at=None)
    with pytest.raises(Refused) as viewer:
        await confirm_deposit(VIEWER, order.id)
    assert viewer.value.codes == ["FORBIDDEN"]
    paid = await confirm_deposit(OWNER, order.id)
    assert paid.status == OrderStatus.PAID and paid.paid_at is not None
    records = await payment_records(OWNER, order.id)
    assert [(r.method, r.amount) for r in records] == [(PaymentMethod.SHOP_ACCOUNT, order.paid_amount)]
    entry = await AuditEntry.get(action="order.confirm_deposit")
    assert entry.before["status"] == "AWAITING_DEPOSIT" and entry.after["status"] == "PAID"
    with pytest.raises(Refused) as again:
        await confirm_deposit(OWNER, order.id)
    assert again.value.codes == ["ORDER_NOT_AWAITING_DEPOSIT"]


async def test_cancel_through_orders_gives_coupons_back(db):
    member = await make_member()
    mc = await give_coupon(await make_coupon(amount=2000), member)
    cart = CartInput(lines=[CartLineInput(kind="BOOK", quantity=2, unit_price=15000, name="파이썬 첫걸음")],
                     channel="PC_WEB", shipping_fee=3000)
    order = await place_order(member_actor(member), None, OrderRequest(cart, member_coupon_ids=[mc.id]))
    assert money_problems(order) == [] and order.paid_at is not None  # found by the payment date filter
    cancelled = await cancel_order(OWNER, order.id)
    assert cancelled.status == OrderStatus.CANCELLED
    assert (await MemberCoupon.get(id=mc.id)).status == MemberCouponStatus.AVAILABLE
    with pytest.raises(Refused) as again:
        await cancel_order(OWNER, order.id)
    assert again.value.codes == ["ORDER_NOT_CANCELLABLE"]


async def test_money_rule_holds_and_breaks_are_found(db):
    good = await make_order(lines=[("전기기사 필기 대비", 320000), ("교재", 20000)], subsidy=256000,
                            coupon_discount=5000, shipping_fee=3000)
    assert good.paid_amount == 340000 - 256000 - 5000 + 3000 and money_problems(good) == []
    bad = await make_order()
    await Order.filter(id=bad.id).update(paid_amount=bad.paid_amount + 1)
    assert set(await orders_breaking_money_rule(batch=1)) == {bad.id}


async def test_export_streams_the_filtered_list(client, app, db, monkeypatch):
    from gql.resolvers import order_export

    monkeypatch.setattr(order_export, "BATCH", 2)  # several batches by id
    member = await make_member(login_id="exporter")
    for n in range(7):
        await make_order(member, number=f"X-{n}", payment_method=PaymentMethod.CARD if n % 2 else PaymentMethod.FREE)
    job = await start_order_export(OWNER, OrderFilter(payment_method=PaymentMethod.CARD))
    await app.state.job_runner.run_pending()
    file = await JobFile.get(job_id=job.id)
    rows = list(load_workbook(io.BytesIO(file.data), read_only=True).active.iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == ["X-1", "X-3", "X-5"] and rows[1][3] == "exporter"
    assert (await JobFile.get(job_id=job.id).prefetch_related("job")).job.progress == 3


ORDERS = """query($first: Int!) { orders(first: $first) { totalCount edges { node {
  id number paidAmount member { loginId } items { id productName subsidy status }
  coupons { couponName discount } giftCardPayments { code amount } payments { amount }
  refunds { amount status } shipments { status carrierName trackingUrl } } } } }"""


async def _nested_orders(count: int) -> None:
    member = await make_member()
    coupon = await make_coupon(amount=1000)
    carrier = await Carrier.create(code="cj", name="CJ대한통운", tracking_url="https://t.example/{invoice}")
    for _ in range(count):
        order = await make_order(member, lines=[("a", 10000), ("b", 20000), ("c", 30000)], coupon_discount=1000)
        items = list(await OrderItem.filter(order_id=order.id))
        mc = await give_coupon(coupon, member, status=MemberCouponStatus.USED, order_id=order.id)
        await OrderCoupon.create(order=order, member_coupon=mc, item=items[0], discount=1000)
        await GiftCardRedemption.create(code_text="GIFT00001234", order=order, amount=500,
                                        status=RedemptionStatus.SUCCEEDED, at=order.ordered_at)
        await RefundRequest.create(order=order, item_ids=[items[1].id], requested_at=order.ordered_at,
                                   requested_by="member", amount=20000)
        await Shipment.bulk_create([Shipment(item_id=i.id, carrier=carrier, invoice_number=f"9{i.id:08d}",
                                             status=ShipmentStatus.SHIPPED) for i in items])


async def test_nested_orders_cost_the_same_statements_for_10_and_100(client, db):
    await _nested_orders(100)
    key = await api_key()
    counts = {}
    for first in (10, 100):
        with count_sql() as statements:
            result = await graphql(client, ORDERS, {"first": first}, token=key)
        assert "errors" not in result, result
        edges = result["data"]["orders"]["edges"]
        assert len(edges) == first
        node = edges[0]["node"]
        assert len(node["items"]) == 3 and node["coupons"][0]["discount"] == 1000
        code = node["giftCardPayments"][0]["code"]
        assert code.endswith("1234") and "GIFT0000" not in code
        assert node["refunds"][0]["amount"] == 20000 and len(node["shipments"]) == 3
        assert node["shipments"][0]["trackingUrl"].startswith("https://t.example/9")
        counts[first] = len(statements)
    # key, count, page, member, items, coupons, gift cards, payments, refunds, shipments
    assert counts[10] == counts[100] <= 12, counts


async def test_my_orders_and_confirm_deposit_in_graphql(client, db):
    member, other = await make_member(), await make_member()
    own = await make_order(member, status=OrderStatus.AWAITING_DEPOSIT, paid_at=None,
                           payment_method=PaymentMethod.SHOP_ACCOUNT)
    await make_order(other)
    token = await member_token(member)
    mine = await graphql(client, "{ myOrders { totalCount edges { node { id status paymentMethod } } } }",
                         token=token)
    assert mine["data"]["myOrders"]["totalCount"] == 1
    assert mine["data"]["myOrders"]["edges"][0]["node"]["status"] == "AWAITING_DEPOSIT"
    denied = await graphql(client, "{ orders { totalCount } }", token=token)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    confirm = "mutation($id: ID!) { confirmDeposit(id: $id) { order { status paidAt } errors { code } } }"
    refused = await graphql(client, confirm, {"id": str(own.id)}, token=await api_key())
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    query = """query($number: String!) { orders(filter: {status: AWAITING_DEPOSIT, keyword: $number,
        keywordField: NUMBER}) { totalCount } }"""
    filtered = await graphql(client, query, {"number": own.number}, token=await api_key("two"))
    assert filtered["data"]["orders"]["totalCount"] == 1


async def test_demo_orders_keep_the_money_rule_and_load_once(db):
    from kupon.demo import load_demo_data

    first = await load_demo_data(member_count=12)
    again = await load_demo_data(member_count=12)
    assert first == again and first["orders"] > 100
    assert await orders_breaking_money_rule() == {}
    methods = set(await Order.all().values_list("payment_method", flat=True))
    assert methods == set(PaymentMethod)
    assert await Order.filter(status=OrderStatus.AWAITING_DEPOSIT, payment_method=PaymentMethod.SHOP_ACCOUNT,
                              is_temporary=False).exists()
    assert await Order.filter(subsidy__gt=0, payment_method=PaymentMethod.TRAINING_CARD).exists()
    assert await OrderCoupon.all().exists()


async def test_confirm_deposit_and_export_through_graphql(client, app, db):
    await make_order(number="G-1", payment_method=PaymentMethod.MOBILE)
    awaiting = await make_order(number="G-2", status=OrderStatus.AWAITING_DEPOSIT, paid_at=None)
    operator = await make_operator(Role.OPERATOR)
    await console_login(client, operator.login_id, PASSWORD)
    confirm = "mutation($id: ID!) { confirmDeposit(id: $id) { order { status paidAt } errors { code } } }"
    paid = (await graphql(client, confirm, {"id": str(awaiting.id)}))["data"]["confirmDeposit"]
    assert paid["order"]["status"] == "PAID" and paid["order"]["paidAt"] and paid["errors"] == []
    again = (await graphql(client, confirm, {"id": str(awaiting.id)}))["data"]["confirmDeposit"]
    assert again["order"] is None and again["errors"][0]["code"] == "ORDER_NOT_AWAITING_DEPOSIT"
    started = await graphql(client, """mutation { startOrderExport(filter: {paymentMethod: MOBILE}) {
        job { id kind } errors { code } } }""")
    assert started["data"]["startOrderExport"]["job"]["kind"] == "orders.export"
    await app.state.job_runner.run_pending()
    job_id = int(started["data"]["startOrderExport"]["job"]["id"])
    rows = list(load_workbook(io.BytesIO((await JobFile.get(job_id=job_id)).data), read_only=True).active
                .iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == ["G-1"]
