"""Serial codes and gift cards through GraphQL."""

from models.access import Role
from tests.conftest import console_login, graphql
from tests.factories import PASSWORD, make_coupon, make_member, make_operator, member_token

CREATE = """mutation($input: SerialCampaignInput!) { createSerialCampaign(input: $input) {
  campaign { id type registeredCount rewards { quantity coupon { id } } } errors { code field } } }"""
REGISTER = """mutation($code: String!) { registerSerialCode(code: $code, channel: APP) {
  coupons { status coupon { id } } errors { code messageKo } } }"""


async def test_operator_creates_and_member_registers(client, db):
    operator = await make_operator(Role.OPERATOR)
    await console_login(client, operator.login_id, PASSWORD)
    coupon = await make_coupon()
    created = await graphql(client, CREATE, {"input": {"name": "종이쿠폰", "type": "FIXED", "fixedCode": "SPRING2026",
                                                       "rewards": [{"couponId": str(coupon.id), "quantity": 1}]}})
    assert created["data"]["createSerialCampaign"]["errors"] == []
    client.cookies.clear()
    token = await member_token(await make_member())
    first = await graphql(client, REGISTER, {"code": "spring-2026"}, token=token)
    assert first["data"]["registerSerialCode"]["coupons"] == [{"status": "AVAILABLE",
                                                                "coupon": {"id": str(coupon.id)}}]
    again = await graphql(client, REGISTER, {"code": "SPRING2026"}, token=token)
    assert again["data"]["registerSerialCode"]["errors"][0]["code"] == "ALREADY_REGISTERED"


async def test_gift_card_balance_and_counter(client, db, app):
    operator = await make_operator(Role.OPERATOR)
    await console_login(client, operator.login_id, PASSWORD)
    made = await graphql(client, """mutation { createGiftCardCampaign(input: {name: "선물", value: 50000, count: 2})
        { campaign { id } errors { code } } }""")
    campaign_id = made["data"]["createGiftCardCampaign"]["campaign"]["id"]
    await app.state.job_runner.run_pending()
    cards = await graphql(client, f"""{{ giftCardCampaign(id: "{campaign_id}") {{ balance {{ cards loaded }}
        cards {{ edges {{ node {{ code balance }} }} }} }} }}""")
    campaign = cards["data"]["giftCardCampaign"]
    assert campaign["balance"] == {"cards": 2, "loaded": 100000}
    code = campaign["cards"]["edges"][0]["node"]["code"]
    redeemed = await graphql(client, f'mutation {{ redeemGiftCard(code: "{code}", amount: 20000) '
                                     '{ redemption { amount status } errors { code } } }')
    assert redeemed["data"]["redeemGiftCard"]["redemption"] == {"amount": 20000, "status": "SUCCEEDED"}
    client.cookies.clear()
    token = await member_token(await make_member())
    balance = await graphql(client, f'{{ giftCard(code: "{code.lower()}") {{ balance }} }}', token=token)
    assert balance["data"]["giftCard"]["balance"] == 30000
    unknown = await graphql(client, '{ giftCard(code: "NOPE1234") { balance } }', token=token)
    assert unknown["errors"][0]["extensions"]["code"] == "GIFT_CARD_UNKNOWN"
