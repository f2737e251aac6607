"""Gift cards: campaigns made by a job, balances, partial redemptions at the counter and in orders,
failures recorded with reasons, rollback on cancel, and no overdraft under concurrency."""

import asyncio

import pytest

from gql.resolvers.access import Actor, ActorKind, operator_actor
from gql.resolvers.checkout import CartInput, CartLineInput, OrderRequest, cancel_order, place_order
from gql.resolvers.errors import Refused
from gql.resolvers.giftcards import (
    GiftCardCampaignInput,
    add_cards,
    campaign_balance,
    create_campaign,
    lookup_card,
    redeem_at_counter,
    set_card_status,
)
from models.access import Role
from models.giftcards import GiftCard, GiftCardRedemption, RedemptionStatus
from tests.factories import make_member, make_operator


async def operator():
    return operator_actor(await make_operator(Role.OPERATOR))


async def campaign_with_cards(app, count=3, value=100_000, **fields):
    campaign = await create_campaign(await operator(), GiftCardCampaignInput(
        name="설 선물세트", value=value, count=count, code_prefix="GC", **fields))
    await app.state.job_runner.run_pending()
    return campaign, list(await GiftCard.filter(campaign_id=campaign.id).order_by("id"))


async def test_campaign_makes_cards_with_balances(db, app):
    campaign, cards = await campaign_with_cards(app)
    assert len(cards) == 3 and all(c.code.startswith("GC") and c.balance == 100_000 for c in cards)
    await add_cards(await operator(), campaign.id, 2)
    await app.state.job_runner.run_pending()
    balance = await campaign_balance(campaign.id)
    assert (balance.cards, balance.loaded, balance.spent, balance.remaining) == (5, 500_000, 0, 500_000)


async def test_partial_counter_redemptions_and_failures(db, app):
    campaign, cards = await campaign_with_cards(app)
    actor = await operator()
    await redeem_at_counter(actor, cards[0].code.lower(), 30_000)
    await redeem_at_counter(actor, cards[0].code, 50_000)
    with pytest.raises(Refused) as short:
        await redeem_at_counter(actor, cards[0].code, 30_000)
    assert short.value.codes == ["INSUFFICIENT_BALANCE"]
    with pytest.raises(Refused) as unknown:
        await redeem_at_counter(actor, "NOPE-NOPE", 1000)
    assert unknown.value.codes == ["GIFT_CARD_UNKNOWN"]
    await set_card_status(actor, cards[1].id, "DISABLED")
    with pytest.raises(Refused) as disabled:
        await redeem_at_counter(actor, cards[1].code, 1000)
    assert disabled.value.codes == ["GIFT_CARD_DISABLED"]
    card = await lookup_card(Actor(ActorKind.API_KEY, id=1, label="k"), cards[0].code)
    assert card.balance == 20_000
    failures = await GiftCardRedemption.filter(status=RedemptionStatus.FAILED).order_by("id")
    assert [f.reason for f in failures] == ["INSUFFICIENT_BALANCE", "GIFT_CARD_UNKNOWN", "GIFT_CARD_DISABLED"]
    balance = await campaign_balance(campaign.id)
    assert (balance.spent, balance.remaining) == (80_000, 220_000)


async def test_single_use_card(db, app):
    _, cards = await campaign_with_cards(app, count=1, max_uses=1)
    actor = await operator()
    await redeem_at_counter(actor, cards[0].code, 10_000)
    with pytest.raises(Refused) as used:
        await redeem_at_counter(actor, cards[0].code, 10_000)
    assert used.value.codes == ["GIFT_CARD_USED_UP"]


async def test_gift_card_pays_part_of_an_order_and_comes_back_on_cancel(db, app):
    _, cards = await campaign_with_cards(app, count=1, value=50_000)
    member = await make_member()
    me = Actor(ActorKind.MEMBER, id=member.id, label=member.login_id, member_id=member.id)
    cart = CartInput(lines=[CartLineInput(kind="COURSE", quantity=1, unit_price=80_000)], channel="APP")
    order = await place_order(me, None, OrderRequest(cart, gift_cards=[(cards[0].code, 30_000)]))
    assert (order.paid_amount, order.gift_card_amount) == (80_000, 30_000)
    assert (await GiftCard.get(id=cards[0].id)).balance == 20_000
    with pytest.raises(Refused) as over:
        await place_order(me, None, OrderRequest(cart, gift_cards=[(cards[0].code, 90_000)]))
    assert over.value.codes == ["GIFT_CARD_OVERPAY"]
    with pytest.raises(Refused) as short:
        await place_order(me, None, OrderRequest(cart, gift_cards=[(cards[0].code, 25_000)]))
    assert short.value.codes == ["INSUFFICIENT_BALANCE"]
    assert await GiftCardRedemption.filter(status=RedemptionStatus.FAILED, source="ORDER").count() == 1
    await cancel_order(me, order.id)
    card = await GiftCard.get(id=cards[0].id)
    assert (card.balance, card.uses) == (50_000, 0)
    assert (await GiftCardRedemption.get(order_id=order.id)).status == RedemptionStatus.ROLLED_BACK


async def test_concurrent_redemptions_never_overdraw(db, app):
    if not db.is_postgres:
        pytest.skip("concurrency is meaningful on PostgreSQL (SQLite serialises a process's writes)")
    _, cards = await campaign_with_cards(app, count=1, value=100_000)
    actor = await operator()

    async def attempt():
        try:
            await redeem_at_counter(actor, cards[0].code, 10_000)
            return "OK"
        except Refused as refused:
            return refused.codes[0]

    results = await asyncio.wait_for(asyncio.gather(*(attempt() for _ in range(30))), timeout=120)
    assert results.count("OK") == 10 and set(results) == {"OK", "INSUFFICIENT_BALANCE"}
    assert (await GiftCard.get(id=cards[0].id)).balance == 0
