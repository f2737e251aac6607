"""The shop's messaging settings and opt-outs in GraphQL (issue 9, item 4).

Operators and read-only API keys read the settings (shop name, 080 number, night-time ban on
e-mail, prices in won, rate limits, public address) and the opt-outs; only the OWNER changes the
settings; operators who can change the shop record an opt-out called in to the 080 number, which
withdraws the consent at once and tells the member (gql/resolvers/opt_out.py)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.types import Info

from gql.resolvers import messaging_settings, opt_out
from gql.resolvers.messaging_settings import MessagingSettings
from gql.resolvers.opt_out import OptOutResult
from gql.schema.common import (
    Connection,
    UserError,
    connection_from_page,
    page_request,
    payload_of,
    query_or_error,
    to_pk,
)
from gql.schema.permissions import CanChangeShop, CanReadShop, IsOwner
from kupon.privacy import mask_phone


@strawberry.enum(name="OptOutChannel")
class OptOutChannel(Enum):
    SMS = "SMS"
    KAKAO = "KAKAO"
    EMAIL = "EMAIL"


@strawberry.enum(name="OptOutVia", description="CALL_080: an operator recording a call to the 080 number; "
                 "LINK: the unsubscribe link (recorded by the member's own page).")
class OptOutVia(Enum):
    CALL_080 = "CALL_080"
    LINK = "LINK"


@strawberry.type(name="ChannelPrice")
class ChannelPriceType:
    channel: str = strawberry.field(description="SMS, LMS, ALIMTALK, FRIENDTALK or EMAIL.")
    won: int


@strawberry.type(name="ProviderRate")
class ProviderRateType:
    provider: str = strawberry.field(description="SMS, KAKAO or EMAIL.")
    per_second: int


@strawberry.type(name="MessagingSettings")
class MessagingSettingsType:
    shop_name: str
    opt_out_number: str = strawberry.field(description="The free 080 number advertising SMS and Kakao carry.")
    night_ban_email: bool = strawberry.field(description="The 21:00-08:00 ban covers e-mail too.")
    prices: list[ChannelPriceType]
    rate_limits: list[ProviderRateType]
    public_url: str

    @classmethod
    def of(cls, s: MessagingSettings) -> MessagingSettingsType:
        return cls(shop_name=s.shop_name, opt_out_number=s.opt_out_number, night_ban_email=s.night_ban_email,
                   prices=[ChannelPriceType(channel=c, won=s.price(c)) for c in messaging_settings.PRICED_CHANNELS],
                   rate_limits=[ProviderRateType(provider=p, per_second=int(s.rate_limits[p]))
                                for p in messaging_settings.PROVIDERS],
                   public_url=s.public_url)


@strawberry.input(name="ChannelPriceInput")
class ChannelPriceInput:
    channel: str
    won: int


@strawberry.input(name="ProviderRateInput")
class ProviderRateInput:
    provider: str
    per_second: int


@strawberry.input(name="MessagingSettingsInput", description="Only the fields given change; prices and rates "
                  "change per channel or provider.")
class MessagingSettingsInput:
    shop_name: str | None = strawberry.UNSET
    opt_out_number: str | None = strawberry.UNSET
    night_ban_email: bool | None = strawberry.UNSET
    prices: list[ChannelPriceInput] | None = strawberry.UNSET
    rate_limits: list[ProviderRateInput] | None = strawberry.UNSET
    public_url: str | None = strawberry.UNSET

    def changes(self) -> dict:
        names = ("shop_name", "opt_out_number", "night_ban_email", "public_url")
        given = {n: getattr(self, n) for n in names if getattr(self, n) not in (strawberry.UNSET, None)}
        if self.prices:
            given["prices"] = {p.channel: p.won for p in self.prices}
        if self.rate_limits:
            given["rate_limits"] = {r.provider: r.per_second for r in self.rate_limits}
        return given


@strawberry.type
class MessagingSettingsPayload:
    settings: MessagingSettingsType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(name="OptOut", description="A withdrawal of advertising consent on one channel.")
class OptOutType:
    id: strawberry.ID
    member_id: strawberry.ID
    member_name: str
    phone: str = strawberry.field(description="Masked.")
    channel: str
    via: str
    at: datetime
    confirmation_sent_at: datetime | None

    @classmethod
    def of(cls, o) -> OptOutType:
        return cls(id=strawberry.ID(str(o.id)), member_id=strawberry.ID(str(o.member_id)), member_name=o.member.name,
                   phone=mask_phone(o.member.phone), channel=o.channel, via=o.via, at=o.at,
                   confirmation_sent_at=o.confirmation_sent_at)


@strawberry.type(name="OptOutResult")
class OptOutResultType:
    opt_out: OptOutType
    consent_withdrawn: bool
    confirmation: str = strawberry.field(description=(
        "How telling the member went: SENT, QUEUED, FAILED, NO_CONTACT, or NOT_NEEDED (no granted consent to "
        "withdraw: not messaged again)."))

    @classmethod
    def of(cls, r: OptOutResult) -> OptOutResultType:
        return cls(opt_out=OptOutType.of(r.opt_out), consent_withdrawn=r.consent_withdrawn,
                   confirmation=r.confirmation)


@strawberry.type
class OptOutPayload:
    result: OptOutResultType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class MessagingQuery:
    @strawberry.field(permission_classes=[CanReadShop])
    async def messaging_settings(self, info: Info) -> MessagingSettingsType:
        return MessagingSettingsType.of(await query_or_error(messaging_settings.messaging_settings(info.context.actor)))

    @strawberry.field(permission_classes=[CanReadShop], description="Newest first.")
    async def opt_outs(self, info: Info, first: int = 20, after: str | None = None) -> Connection[OptOutType]:
        page = await query_or_error(opt_out.recent_opt_outs(info.context.actor, page_request(first, after)))
        return connection_from_page(page, OptOutType.of)


async def _recorded(actor, member_id: int | None, channel: str, via: str) -> OptOutResult:
    recorded = await opt_out.record_opt_out(actor, member_id or 0, channel, via)
    [result] = await opt_out.opt_out_results(actor, [recorded.id])
    return result


@strawberry.type
class MessagingMutation:
    @strawberry.mutation(permission_classes=[IsOwner], description="Every bad field is returned at once.")
    async def update_messaging_settings(self, info: Info, input: MessagingSettingsInput) -> MessagingSettingsPayload:
        return await payload_of(MessagingSettingsPayload, "settings", MessagingSettingsType.of,
                                messaging_settings.update_messaging_settings(info.context.actor, input.changes()))

    @strawberry.mutation(permission_classes=[CanChangeShop], description=(
        "Withdraw the member's advertising consent on the channel now and tell the member the result."))
    async def record_opt_out(self, info: Info, member_id: strawberry.ID, channel: OptOutChannel,
                             via: OptOutVia = OptOutVia.CALL_080) -> OptOutPayload:
        return await payload_of(OptOutPayload, "result", OptOutResultType.of, _recorded(
            info.context.actor, to_pk(member_id, "memberId"), channel.value, via.value))
