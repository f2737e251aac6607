"""Coupons through GraphQL: definitions with typed errors, the wallet in one request, checkout."""

from models.access import Role
from tests.conftest import console_login, graphql
from tests.factories import PASSWORD, give_coupon, make_coupon, make_member, make_operator, member_token
from tests.gql.test_rules import count_sql

CREATE = """mutation($input: CouponInput!) { createCoupon(input: $input) {
  coupon { id name type benefit percent maxDiscount channels periodStatus issueStatus }
  errors { code field messageKo } } }"""


async def sign_in(client, role=Role.OPERATOR):
    operator = await make_operator(role)
    await console_login(client, operator.login_id, PASSWORD)


async def test_create_coupon_and_refusals(client, db):
    await sign_in(client)
    ok = await graphql(client, CREATE, {"input": {"name": "신규 10%", "type": "CART", "benefit": "PERCENT",
                                                  "percent": 10, "maxDiscount": 5000, "issueMethod": "MANUAL",
                                                  "channels": ["APP", "PC_WEB"]}})
    coupon = ok["data"]["createCoupon"]["coupon"]
    assert coupon["percent"] == 10 and coupon["maxDiscount"] == 5000 and coupon["channels"] == ["APP", "PC_WEB"]
    bad = await graphql(client, CREATE, {"input": {
        "name": "잘못된 쿠폰", "type": "CART", "benefit": "FIXED", "amount": 1000, "maxDiscount": 500,
        "issueMethod": "MANUAL", "issueFrom": "2026-12-31T00:00:00+09:00", "issueTo": "2026-12-01T00:00:00+09:00"}})
    codes = {(e["code"], e["field"]) for e in bad["data"]["createCoupon"]["errors"]}
    assert codes == {("CAP_NOT_ALLOWED", "max_discount"), ("WINDOW_ENDS_BEFORE_START", "issue_to")}
    gift = await graphql(client, CREATE, {"input": {"name": "사은품", "type": "CART", "benefit": "GIFT",
                                                    "giftName": "가" * 22, "issueMethod": "MANUAL"}})
    assert gift["data"]["createCoupon"]["errors"][0]["code"] == "GIFT_NAME_TOO_LONG"  # 66 bytes


WALLET = """{ myCoupons(status: AVAILABLE) { totalCount edges { node { id status expiresAt
  coupon { id name benefit amount site { name } } } } } }"""


async def test_wallet_is_one_request_and_does_not_grow_in_statements(client, db):
    member = await make_member()
    other = await make_member(member.site)
    token = await member_token(member)
    counts = {}
    for size in (5, 50):
        while (await graphql(client, "{ myCoupons { totalCount } }", token=token))["data"]["myCoupons"][
                "totalCount"] < size:
            await give_coupon(await make_coupon(site_id=member.site_id), member)
        await give_coupon(await make_coupon(), other)
        with count_sql() as statements:
            result = await graphql(client, WALLET.replace("myCoupons(", "myCoupons(first: 100, "), token=token)
        assert result["data"]["myCoupons"]["totalCount"] == size
        assert all(e["node"]["coupon"]["site"]["name"] for e in result["data"]["myCoupons"]["edges"])
        counts[size] = len(statements)
    assert counts[5] == counts[50], counts


async def test_checkout_through_graphql(client, db):
    member = await make_member()
    mc = await give_coupon(await make_coupon(amount=2000), member)
    token = await member_token(member)
    cart = {"lines": [{"kind": "COURSE", "quantity": 1, "unitPrice": 30000, "name": "파이썬"}], "channel": "APP"}
    validation = await graphql(client, """query($cart: CartInput!) { validateCheckout(cart: $cart, best: true) {
        couponsEnabled coupons { applicable discount reason memberCoupon { id } } best { total } } }""",
                               {"cart": cart}, token=token)
    checked = validation["data"]["validateCheckout"]
    assert checked["coupons"] == [{"applicable": True, "discount": 2000, "reason": None,
                                   "memberCoupon": {"id": str(mc.id)}}]
    assert checked["best"]["total"] == 28000
    placed = await graphql(client, """mutation($input: PlaceOrderInput!) { placeOrder(input: $input) {
        order { id paidAmount couponDiscount status items { discount paidAmount } } errors { code } } }""",
                           {"input": {"cart": cart, "memberCouponIds": [str(mc.id)], "idempotencyKey": "k1"}},
                           token=token)
    order = placed["data"]["placeOrder"]["order"]
    assert (order["paidAmount"], order["couponDiscount"], order["status"]) == (28000, 2000, "PAID")
    retry = "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { errors { code } } }"
    again = await graphql(client, retry, {"input": {"cart": cart, "memberCouponIds": [str(mc.id)]}}, token=token)
    assert again["data"]["placeOrder"]["errors"] == [{"code": "COUPON_NOT_AVAILABLE"}]
    cancelled = await graphql(client, f'mutation {{ cancelOrder(id: "{order["id"]}") {{ order {{ status }} }} }}',
                              token=token)
    assert cancelled["data"]["cancelOrder"]["order"]["status"] == "CANCELLED"
    wallet = await graphql(client, "{ myCoupons(status: AVAILABLE) { totalCount } }", token=token)
    assert wallet["data"]["myCoupons"]["totalCount"] == 1


async def test_coupon_with_nested_codes_holders_and_stats(client, db):
    from gql.resolvers.access import operator_actor
    from gql.resolvers.coupon_codes import generate_individual_codes

    operator = await make_operator(Role.OPERATOR)
    coded = await make_coupon(issue_method="CODE", code_mode="INDIVIDUAL", name="개별코드 쿠폰", channels=["APP"])
    await generate_individual_codes(operator_actor(operator), coded.id, 3)
    plain = await make_coupon(name="일반 쿠폰", benefit="PERCENT", percent=10, amount=0)
    members = [await make_member() for _ in range(3)]
    for member in members:
        await give_coupon(plain, member)
    await console_login(client, operator.login_id, PASSWORD)
    result = await graphql(client, """query($id: ID!) { coupon(id: $id) { name
        stats { issued available used } memberCoupons(first: 10) { totalCount edges { node { memberId } } } } }""",
                           {"id": str(plain.id)})
    coupon = result["data"]["coupon"]
    assert coupon["stats"] == {"issued": 3, "available": 3, "used": 0}
    assert coupon["memberCoupons"]["totalCount"] == 3
    codes = await graphql(client, """query($id: ID!) { coupon(id: $id) { codes(used: false) { totalCount
        edges { node { code used } } } } }""", {"id": str(coded.id)})
    assert codes["data"]["coupon"]["codes"]["totalCount"] == 3
    filtered = await graphql(client, """{ percent: coupons(filter: {benefit: PERCENT}) { totalCount }
        app: coupons(filter: {channel: APP, issueMethod: CODE}) { edges { node { name } } }
        byName: coupons(filter: {search: "일반"}) { totalCount } }""")
    assert filtered["data"]["percent"]["totalCount"] == 1
    assert [e["node"]["name"] for e in filtered["data"]["app"]["edges"]] == ["개별코드 쿠폰"]
    assert filtered["data"]["byName"]["totalCount"] == 1
