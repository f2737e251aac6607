"""The providers kupon is configured with, by channel, and the Kakao-to-SMS fallback."""

from __future__ import annotations

from collections.abc import Iterable

from kupon.messaging.base import (
    NOT_CONFIGURED,
    Channel,
    MessageProvider,
    OutboundMessage,
    PermanentSendError,
    SendResult,
    sms_fallback,
)
from kupon.messaging.email import EmailProvider
from kupon.messaging.http_gateway import (
    AlimtalkProvider,
    FriendtalkProvider,
    GatewayClient,
    GatewayConfig,
    SmsProvider,
)
from kupon.settings import Settings


class Providers:
    """One provider per channel. Build once per process (`from_settings`), share it across
    tasks and close it at shutdown (`async with` or `aclose()`): HTTP providers keep pooled
    connections. A channel without a provider refuses with CHANNEL_NOT_CONFIGURED."""

    def __init__(self, providers: Iterable[MessageProvider]) -> None:
        self._providers = list(providers)
        self._by_channel: dict[Channel, MessageProvider] = {}
        for provider in self._providers:
            for channel in provider.channels:
                self._by_channel.setdefault(channel, provider)

    @classmethod
    def from_settings(cls, settings: Settings) -> Providers:
        """Every channel whose server or gateway is configured (KUPON_SMTP_*, KUPON_SMS_BASE_URL,
        KUPON_KAKAO_BASE_URL); sender number and sender key are checked when a message goes."""
        providers: list[MessageProvider] = []
        if settings.smtp_configured:
            providers.append(EmailProvider(settings))
        if settings.sms_base_url:
            providers.append(SmsProvider(_client(settings, settings.sms_base_url), settings.sms_sender_number))
        if settings.kakao_base_url:
            providers += [kind(_client(settings, settings.kakao_base_url), settings.kakao_sender_key)
                          for kind in (AlimtalkProvider, FriendtalkProvider)]
        return cls(providers)

    @property
    def channels(self) -> frozenset[Channel]:
        return frozenset(self._by_channel)

    def provider(self, channel: Channel) -> MessageProvider:
        try:
            return self._by_channel[channel]
        except KeyError:
            raise PermanentSendError(NOT_CONFIGURED, f"no provider for {channel}") from None

    async def send(self, message: OutboundMessage) -> SendResult:
        return await self.provider(message.channel).send(message)

    async def send_with_fallback(self, message: OutboundMessage, fallback_to_sms: bool) -> SendResult:
        """Send; a Kakao message that fails permanently (no KakaoTalk, blocked, template
        mismatch, Kakao not configured...) goes again as SMS/LMS when `fallback_to_sms`.

        The fallback is `base.sms_fallback(message)`; its result has the SMS/LMS channel and
        `fallback_reason` = the Kakao reason code. Transient errors and RateLimited are raised
        as they are: the caller retries the Kakao message itself. If the SMS fails too, that
        error is raised.
        """
        try:
            return await self.send(message)
        except PermanentSendError as kakao_error:
            if not (fallback_to_sms and message.channel.is_kakao):
                raise
            result = await self.send(sms_fallback(message))
            return SendResult(result.message_id, result.channel, result.accepted_at, kakao_error.reason_code)

    async def aclose(self) -> None:
        for provider in self._providers:
            await provider.aclose()

    async def __aenter__(self) -> Providers:
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.aclose()


def _client(settings: Settings, base_url: str) -> GatewayClient:
    return GatewayClient(GatewayConfig.from_settings(settings, base_url))
