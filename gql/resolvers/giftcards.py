"""Gift cards (SPEC section 9): campaigns, cards, balances and redemptions.

A redemption is one conditional UPDATE (`balance >= amount`, uses below the limit),
so concurrent redemptions never take a card below zero. Every attempt is recorded,
failures with their reason; a failure recorded inside an order's transaction would
roll back with it, so failures are written after the transaction ends.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import F, Q
from tortoise.functions import Count, Sum
from tortoise.transactions import in_transaction

from gql.resolvers.access import Actor, ActorKind, require_change_shop, require_read_shop
from gql.resolvers.audit import record_change, snapshot
from gql.resolvers.codes import generate_codes
from gql.resolvers.errors import Problem, Refused
from gql.resolvers.jobs import start_job
from gql.resolvers.notices import mask_code, queue_notice
from gql.resolvers.pagination import Page, PageRequest, paginate
from kupon.codes import CodeShape, normalise_code
from kupon.jobs import JobRun, job_function
from kupon.timeutil import now_utc
from models.codes import CodeKind
from models.giftcards import GiftCard, GiftCardCampaign, GiftCardRedemption, GiftCardStatus, RedemptionStatus
from models.jobs import Job

log = logging.getLogger("kupon.giftcards")
GENERATE_JOB = "giftcards.generate"
MAX_CARDS_PER_REQUEST = 1_000_000
INSERT_BATCH = 5000


@dataclass(frozen=True)
class GiftCardCampaignInput:
    name: str
    value: int
    count: int
    code_prefix: str = ""
    code_pattern: str = ""
    code_length: int = 16
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    max_uses: int | None = None


def _clean(data: GiftCardCampaignInput) -> dict:
    p: list[Problem] = []
    name = (data.name or "").strip()
    if not name:
        p.append(Problem("REQUIRED", "name"))
    elif len(name) > 100:
        p.append(Problem("TOO_LONG", "name"))
    if data.value <= 0:
        p.append(Problem("INVALID_AMOUNT", "value"))
    if not 0 <= data.count <= MAX_CARDS_PER_REQUEST:
        p.append(Problem("TOO_MANY", "count"))
    if data.max_uses is not None and data.max_uses < 1:
        p.append(Problem("INVALID_LIMIT", "max_uses"))
    if data.valid_from and data.valid_to and data.valid_to <= data.valid_from:
        p.append(Problem("WINDOW_ENDS_BEFORE_START", "valid_to"))
    shape = CodeShape(length=data.code_length, prefix=data.code_prefix, pattern=data.code_pattern)
    problem = shape.problem(max(1, data.count))
    if problem:
        p.append(Problem(problem, "code_pattern"))
    if p:
        raise Refused(*p)
    return {"name": name, "value": data.value, "code_prefix": data.code_prefix, "code_pattern": data.code_pattern,
            "code_length": data.code_length, "valid_from": data.valid_from, "valid_to": data.valid_to,
            "max_uses": data.max_uses}


def check_campaign_input(data: GiftCardCampaignInput) -> None:
    """Raise Refused with every problem of `data`, as `create_campaign` would; changes nothing.
    (The console calls it to list these next to the fields it could not read.)"""
    _clean(data)


async def create_campaign(actor: Actor, data: GiftCardCampaignInput) -> GiftCardCampaign:
    """The cards are made by a background job; its progress is the campaign's latest job."""
    require_change_shop(actor)
    values = _clean(data)
    async with in_transaction():
        campaign = await GiftCardCampaign.create(**values)
        await record_change(actor, "giftcard_campaign.create", campaign,
                            after={**snapshot(campaign, ["name", "value", "max_uses"]), "count": data.count})
    if data.count:
        await start_job(actor, GENERATE_JOB, {"campaign_id": campaign.id, "count": data.count})
    return campaign


async def add_cards(actor: Actor, campaign_id: int, count: int) -> Job:
    require_change_shop(actor)
    campaign = await _campaign(campaign_id)
    if not 1 <= count <= MAX_CARDS_PER_REQUEST:
        raise Refused.because("TOO_MANY", "count")
    existing = await GiftCard.filter(campaign_id=campaign.id).count()
    return await start_job(actor, GENERATE_JOB, {"campaign_id": campaign.id, "count": existing + count})


@job_function(GENERATE_JOB)
async def generate_cards(run: JobRun) -> dict:
    """`count` is the campaign's card total after the job; a retry makes only what is missing."""
    campaign = await GiftCardCampaign.get(id=run.params["campaign_id"])
    target = int(run.params["count"])
    existing = await GiftCard.filter(campaign_id=campaign.id).count()
    shape = CodeShape(length=campaign.code_length, prefix=campaign.code_prefix, pattern=campaign.code_pattern)
    await run.progress(existing, target)
    while existing < target:
        codes = await generate_codes(CodeKind.GIFT_CARD, shape, min(INSERT_BATCH, target - existing))
        await GiftCard.bulk_create([GiftCard(campaign_id=campaign.id, code=c, initial_value=campaign.value,
                                             balance=campaign.value) for c in codes])
        existing += len(codes)
        await run.progress(existing, target)
    return {"cards": existing}


async def _campaign(campaign_id: int) -> GiftCardCampaign:
    campaign = await GiftCardCampaign.get_or_none(id=campaign_id)
    if campaign is None:
        raise Refused.because("NOT_FOUND", "id")
    return campaign


async def get_campaign(actor: Actor, campaign_id: int) -> GiftCardCampaign:
    require_read_shop(actor)
    return await _campaign(campaign_id)


async def list_campaigns(actor: Actor, search: str, page: PageRequest) -> Page[GiftCardCampaign]:
    require_read_shop(actor)
    query = GiftCardCampaign.all()
    if search.strip():
        query = query.filter(name__icontains=search.strip())
    return await paginate(query.order_by("-id"), page)


async def list_cards(actor: Actor, campaign_id: int, search: str, page: PageRequest) -> Page[GiftCard]:
    require_read_shop(actor)
    query = GiftCard.filter(campaign_id=campaign_id)
    if search.strip():
        # Codes are bearer secrets: read-only callers find a card by its whole code only.
        code = normalise_code(search)
        query = query.filter(code__icontains=code) if actor.can_change_shop else query.filter(code=code)
    return await paginate(query.order_by("id"), page)


@dataclass(frozen=True)
class CampaignBalance:
    loaded: int
    spent: int
    remaining: int
    cards: int


async def campaign_balance(campaign_id: int) -> CampaignBalance:
    """Loaded (sum of initial values), spent (sum of successful redemptions), remaining (sum of balances)."""
    totals = await GiftCard.filter(campaign_id=campaign_id).annotate(
        loaded=Sum("initial_value"), remaining=Sum("balance"), cards=Count("id")).group_by("campaign_id").values(
        "loaded", "remaining", "cards")
    spent = await GiftCardRedemption.filter(card__campaign_id=campaign_id, status=RedemptionStatus.SUCCEEDED
                                            ).annotate(total=Sum("amount")).group_by("card__campaign_id").values("total")
    row = totals[0] if totals else {}
    return CampaignBalance(loaded=row.get("loaded") or 0, spent=(spent[0]["total"] if spent else 0) or 0,
                           remaining=row.get("remaining") or 0, cards=row.get("cards") or 0)


async def set_campaign_status(actor: Actor, campaign_id: int, status: str) -> GiftCardCampaign:
    return await _set_status(actor, await _campaign(campaign_id), status)


async def set_card_status(actor: Actor, card_id: int, status: str) -> GiftCard:
    card = await GiftCard.get_or_none(id=card_id)
    if card is None:
        raise Refused.because("NOT_FOUND", "id")
    return await _set_status(actor, card, status)


async def _set_status(actor: Actor, row, status: str):
    require_change_shop(actor)
    try:
        new = GiftCardStatus(status)
    except ValueError:
        raise Refused.because("INVALID_CHOICE", "status") from None
    async with in_transaction():
        before = {"status": row.status.value}
        row.status = new
        await row.save(update_fields=["status"])
        await record_change(actor, f"{type(row).__name__.lower()}.status", row, before, {"status": new.value})
    return row


async def lookup_card(actor: Actor, code: str) -> GiftCard:
    """Anyone signed in who holds a code may see its balance (members check theirs in the app)."""
    if actor.kind == ActorKind.ANONYMOUS:
        raise Refused.because("UNAUTHENTICATED")
    card = await GiftCard.get_or_none(code=normalise_code(code)).select_related("campaign")
    if card is None:
        raise Refused.because("GIFT_CARD_UNKNOWN", "code")
    return card


def _refusal_for(card: GiftCard | None, amount: int, now: datetime) -> str | None:
    if card is None:
        return "GIFT_CARD_UNKNOWN"
    campaign = card.campaign
    if GiftCardStatus.DISABLED in (card.status, campaign.status):
        return "GIFT_CARD_DISABLED"
    if (campaign.valid_from and now < campaign.valid_from) or (campaign.valid_to and now > campaign.valid_to):
        return "GIFT_CARD_EXPIRED"
    if amount <= 0:
        return "INVALID_AMOUNT"
    if campaign.max_uses is not None and card.uses >= campaign.max_uses:
        return "GIFT_CARD_USED_UP"
    if card.balance < amount:
        return "INSUFFICIENT_BALANCE"
    return None


async def take_from_card(code: str, amount: int, order_id: int | None, source: str) -> GiftCardRedemption:
    """Take `amount` off a card, inside the caller's transaction when there is one. Raises Refused
    (the caller records the failure with `record_failed_redemption` once outside it)."""
    now = now_utc()
    card = await GiftCard.get_or_none(code=normalise_code(code)).select_related("campaign")
    reason = _refusal_for(card, amount, now)
    if reason:
        raise Refused.because(reason, f"giftCard:{code}")
    guarded = GiftCard.filter(Q(id=card.id) & Q(status=GiftCardStatus.ACTIVE) & Q(balance__gte=amount))
    if card.campaign.max_uses is not None:
        guarded = guarded.filter(uses__lt=card.campaign.max_uses)
    if not await guarded.update(balance=F("balance") - amount, uses=F("uses") + 1):
        await card.refresh_from_db()
        raise Refused.because(_refusal_for(card, amount, now) or "INSUFFICIENT_BALANCE", f"giftCard:{code}")
    return await GiftCardRedemption.create(card=card, code_text=card.code, order_id=order_id, amount=amount,
                                           status=RedemptionStatus.SUCCEEDED, source=source, at=now)


async def record_failed_redemption(code: str, amount: int, reason: str, source: str,
                                   order_id: int | None = None) -> GiftCardRedemption:
    card = await GiftCard.get_or_none(code=normalise_code(code))
    failure = await GiftCardRedemption.create(card=card, code_text=(code or "")[:64], order_id=order_id,
                                              amount=amount, status=RedemptionStatus.FAILED, reason=reason,
                                              source=source, at=now_utc())
    await notify_failed_redemption(failure)
    return failure


async def notify_failed_redemption(failure: GiftCardRedemption) -> None:
    """Queue the event "giftcard.redemption_failed" for the configured webhook and e-mail (see
    gql.resolvers.notices); the code is masked but for its last 4 characters. Best effort: a
    notice that cannot be queued is logged and never turns the refusal into a server error.
    Failures are also listed by `giftCardRedemptions(failedOnly: true)`."""
    try:
        await queue_notice("giftcard.redemption_failed", {
            "code": mask_code(normalise_code(failure.code_text)), "amount": failure.amount,
            "reason": failure.reason, "source": failure.source, "order_id": failure.order_id,
            "at": failure.at.isoformat(), "redemption_id": failure.id})
    except Exception:
        log.exception("queueing the notice of failed redemption %s", failure.id)


async def redeem_at_counter(actor: Actor, code: str, amount: int) -> GiftCardRedemption:
    """A shop counter takes an amount off a card, with no order."""
    require_change_shop(actor)
    try:
        async with in_transaction():
            redemption = await take_from_card(code, amount, None, "COUNTER")
    except Refused as refused:
        await record_failed_redemption(code, amount, refused.codes[0], "COUNTER")
        raise
    await record_change(actor, "giftcard.redeem", ("GiftCard", redemption.card_id), after={"amount": amount})
    return redemption


async def roll_back_order_redemptions(order_id: int) -> int:
    """When an order is cancelled: its successful redemptions go back onto their cards."""
    rolled = 0
    for redemption in await GiftCardRedemption.filter(order_id=order_id, status=RedemptionStatus.SUCCEEDED):
        if await GiftCardRedemption.filter(id=redemption.id, status=RedemptionStatus.SUCCEEDED).update(
                status=RedemptionStatus.ROLLED_BACK):
            await GiftCard.filter(id=redemption.card_id).update(balance=F("balance") + redemption.amount,
                                                                uses=F("uses") - 1)
            rolled += 1
    return rolled


async def list_redemptions(actor: Actor, card_id: int | None, failed_only: bool,
                           page: PageRequest, *, campaign_id: int | None = None) -> Page[GiftCardRedemption]:
    """Newest first. `campaign_id`: only attempts on that campaign's cards (a failure with an unknown
    code belongs to no campaign, and shows only in the unfiltered list)."""
    require_read_shop(actor)
    query = GiftCardRedemption.all().select_related("card")
    if card_id:
        query = query.filter(card_id=card_id)
    if campaign_id:
        query = query.filter(card__campaign_id=campaign_id)
    if failed_only:
        query = query.filter(status=RedemptionStatus.FAILED)
    return await paginate(query.order_by("-id"), page)
