"""Gift cards in GraphQL: campaigns, cards, balance lookup, counter redemption, history."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from gql.resolvers import code_exports, code_imports, giftcard_mail, giftcards, notices
from gql.resolvers.errors import Refused
from gql.schema.code_transfer import CodeImportPayload, ExportFormatEnum, export_payload, import_payload
from gql.schema.common import (
    Connection,
    UserError,
    connection_from_page,
    page_request,
    payload_of,
    query_or_error,
    to_pk,
)
from gql.schema.jobs import JobPayload, JobType
from gql.schema.notices import NoticeNode, NoticeStatusEnum
from gql.schema.permissions import CanChangeShop, CanReadShop, IsOperator
from kupon.privacy import mask_code
from models.giftcards import GiftCard, GiftCardCampaign, GiftCardRedemption, GiftCardStatus, RedemptionStatus

GiftCardStatusEnum = strawberry.enum(GiftCardStatus, name="GiftCardStatus")
RedemptionStatusEnum = strawberry.enum(RedemptionStatus, name="RedemptionStatus")


@strawberry.type
class CampaignBalanceNode:
    cards: int
    loaded: int
    spent: int
    remaining: int


@strawberry.type(name="GiftCard")
class GiftCardNode:
    id: strawberry.ID
    raw_code: strawberry.Private[str]
    initial_value: int
    balance: int
    uses: int
    status: GiftCardStatusEnum
    created_at: datetime

    @strawberry.field(description="Masked (last 4 characters) for callers who cannot change shop data.")
    def code(self, info: Info) -> str:
        return self.raw_code if info.context.actor.can_change_shop else mask_code(self.raw_code)

    @classmethod
    def from_model(cls, card: GiftCard) -> GiftCardNode:
        return cls(id=strawberry.ID(str(card.id)), raw_code=card.code, initial_value=card.initial_value,
                   balance=card.balance, uses=card.uses, status=card.status, created_at=card.created_at)


@strawberry.type(name="GiftCardCampaign")
class GiftCardCampaignNode:
    id: strawberry.ID
    name: str
    value: int
    max_uses: int | None
    valid_from: datetime | None
    valid_to: datetime | None
    status: GiftCardStatusEnum
    created_at: datetime

    @strawberry.field(permission_classes=[CanReadShop], description="Loaded, spent and remaining won.")
    async def balance(self) -> CampaignBalanceNode:
        b = await giftcards.campaign_balance(int(self.id))
        return CampaignBalanceNode(cards=b.cards, loaded=b.loaded, spent=b.spent, remaining=b.remaining)

    @strawberry.field(permission_classes=[CanReadShop])
    async def cards(self, info: Info, first: int = 20, after: str | None = None,
                    search: str = "") -> Connection[GiftCardNode]:
        page = await query_or_error(giftcards.list_cards(info.context.actor, int(self.id), search,
                                                         page_request(first, after)))
        return connection_from_page(page, GiftCardNode.from_model)

    @classmethod
    def from_model(cls, c: GiftCardCampaign) -> GiftCardCampaignNode:
        return cls(id=strawberry.ID(str(c.id)), name=c.name, value=c.value, max_uses=c.max_uses,
                   valid_from=c.valid_from, valid_to=c.valid_to, status=c.status, created_at=c.created_at)


@strawberry.type(name="GiftCardRedemption")
class GiftCardRedemptionNode:
    id: strawberry.ID
    code: str
    amount: int
    status: RedemptionStatusEnum
    reason: str
    source: str
    order_id: strawberry.ID | None
    at: datetime

    @classmethod
    def from_model(cls, r: GiftCardRedemption) -> GiftCardRedemptionNode:
        return cls(id=strawberry.ID(str(r.id)), code=r.code_text, amount=r.amount, status=r.status, reason=r.reason,
                   source=r.source, order_id=strawberry.ID(str(r.order_id)) if r.order_id else None, at=r.at)


@strawberry.input
class GiftCardCampaignInput:
    name: str
    value: int
    count: int
    code_prefix: str = ""
    code_pattern: str = ""
    code_length: int = 16
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    max_uses: int | None = strawberry.field(default=None, description="1: single use; empty: while balance lasts.")


@strawberry.type
class GiftCardCampaignPayload:
    campaign: GiftCardCampaignNode | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class GiftCardPayload:
    card: GiftCardNode | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RedemptionPayload:
    redemption: GiftCardRedemptionNode | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class GiftCardJobPayload:
    job: JobType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class GiftCardQuery:
    @strawberry.field(permission_classes=[CanReadShop])
    async def gift_card_campaigns(self, info: Info, first: int = 20, after: str | None = None,
                                  search: str = "") -> Connection[GiftCardCampaignNode]:
        page = await query_or_error(giftcards.list_campaigns(info.context.actor, search, page_request(first, after)))
        return connection_from_page(page, GiftCardCampaignNode.from_model)

    @strawberry.field(permission_classes=[CanReadShop])
    async def gift_card_campaign(self, info: Info, id: strawberry.ID) -> GiftCardCampaignNode | None:
        try:
            return GiftCardCampaignNode.from_model(await giftcards.get_campaign(info.context.actor, to_pk(id, "id")))
        except Refused:
            return None

    @strawberry.field(description="A card's balance by its code (members, operators and dashboards); "
                                  "an unknown code is an error with code GIFT_CARD_UNKNOWN.")
    async def gift_card(self, info: Info, code: str) -> GiftCardNode:
        return GiftCardNode.from_model(await query_or_error(giftcards.lookup_card(info.context.actor, code)))

    @strawberry.field(permission_classes=[CanReadShop], description="Every attempt; failures with reasons.")
    async def gift_card_redemptions(self, info: Info, first: int = 20, after: str | None = None,
                                    card_id: strawberry.ID | None = None,
                                    failed_only: bool = False) -> Connection[GiftCardRedemptionNode]:
        page = await query_or_error(giftcards.list_redemptions(info.context.actor, to_pk(card_id, "cardId"),
                                                               failed_only, page_request(first, after)))
        return connection_from_page(page, GiftCardRedemptionNode.from_model)

    # --- Notices (gql.resolvers.notices): delivery of failed-redemption events to webhook and e-mail ---
    @strawberry.field(permission_classes=[IsOperator],
                      description="Webhook and e-mail notices with their delivery status, newest first.")
    async def notices(self, info: Info, first: int = 20, after: str | None = None,
                      status: NoticeStatusEnum | None = None) -> Connection[NoticeNode]:
        page = await query_or_error(notices.list_notices(info.context.actor, status.value if status else None,
                                                         page_request(first, after)))
        return connection_from_page(page, NoticeNode.from_model)


@strawberry.type
class GiftCardMutation:
    @strawberry.mutation(permission_classes=[CanChangeShop])
    async def create_gift_card_campaign(self, info: Info, input: GiftCardCampaignInput) -> GiftCardCampaignPayload:
        data = giftcards.GiftCardCampaignInput(**{name: getattr(input, name)
                                                  for name in giftcards.GiftCardCampaignInput.__dataclass_fields__})
        return await payload_of(GiftCardCampaignPayload, "campaign", GiftCardCampaignNode.from_model,
                                giftcards.create_campaign(info.context.actor, data))

    @strawberry.mutation(permission_classes=[CanChangeShop])
    async def add_gift_cards(self, info: Info, campaign_id: strawberry.ID, count: int) -> GiftCardJobPayload:
        return await payload_of(GiftCardJobPayload, "job", JobType.from_model,
                                giftcards.add_cards(info.context.actor, to_pk(campaign_id, "campaignId"), count))

    @strawberry.mutation(permission_classes=[CanChangeShop])
    async def set_gift_card_campaign_status(self, info: Info, id: strawberry.ID,
                                            status: GiftCardStatusEnum) -> GiftCardCampaignPayload:
        return await payload_of(GiftCardCampaignPayload, "campaign", GiftCardCampaignNode.from_model,
                                giftcards.set_campaign_status(info.context.actor, to_pk(id, "id"), status.value))

    @strawberry.mutation(permission_classes=[CanChangeShop])
    async def set_gift_card_status(self, info: Info, id: strawberry.ID, status: GiftCardStatusEnum) -> GiftCardPayload:
        return await payload_of(GiftCardPayload, "card", GiftCardNode.from_model,
                                giftcards.set_card_status(info.context.actor, to_pk(id, "id"), status.value))

    @strawberry.mutation(permission_classes=[CanChangeShop], description="Take an amount off a card at a counter.")
    async def redeem_gift_card(self, info: Info, code: str, amount: int) -> RedemptionPayload:
        return await payload_of(RedemptionPayload, "redemption", GiftCardRedemptionNode.from_model,
                                giftcards.redeem_at_counter(info.context.actor, code, amount))

    # --- Sending cards by e-mail (gql.resolvers.giftcard_mail) ---
    @strawberry.mutation(permission_classes=[CanChangeShop],
                         description="E-mail a card (code, value, balance, validity, QR code) to an address.")
    async def send_gift_card(self, info: Info, card_id: strawberry.ID, email: str,
                             message: str = "") -> GiftCardPayload:
        return await payload_of(GiftCardPayload, "card", GiftCardNode.from_model,
                                giftcard_mail.send_gift_card(info.context.actor, to_pk(card_id, "cardId"), email,
                                                             message))

    # --- Import and export of cards (gql.resolvers.code_imports, gql.resolvers.code_exports) ---
    @strawberry.mutation(permission_classes=[CanChangeShop],
                         description="Cards with codes made elsewhere, from CSV text (columns code and "
                                     "value; an empty value is the campaign's). All or nothing unless "
                                     "keepGoodRows; rejected rows come back with their row number and reason.")
    async def import_gift_cards(self, info: Info, campaign_id: strawberry.ID, csv: str,
                                keep_good_rows: bool = False) -> CodeImportPayload:
        return await import_payload(code_imports.import_gift_cards(
            info.context.actor, to_pk(campaign_id, "campaignId"), csv, keep_good_rows))

    @strawberry.mutation(permission_classes=[CanChangeShop],
                         description="A job writing the campaign's cards (code, value, balance, uses, status, "
                                     "created) to a file; download it from the job's downloadPath.")
    async def start_gift_card_export(self, info: Info, campaign_id: strawberry.ID,
                                     format: ExportFormatEnum) -> JobPayload:
        return await export_payload(code_exports.start_gift_card_export(
            info.context.actor, to_pk(campaign_id, "campaignId"), format.value))
