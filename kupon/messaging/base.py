"""The provider interface: what a message is, what a send returns, and how a send fails."""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from kupon.messaging.sms_length import TOO_LONG_REASON, SmsKind, measure_sms

# Reason codes kupon itself gives; gateways add their own (their 4xx JSON `code`).
NOT_CONFIGURED = "CHANNEL_NOT_CONFIGURED"
NO_KAKAOTALK = "NO_KAKAOTALK"
MISSING_FIELD = "MISSING_FIELD"
TIMEOUT = "TIMEOUT"
CONNECTION_FAILED = "CONNECTION_FAILED"


class Channel(StrEnum):
    EMAIL = "EMAIL"
    SMS = "SMS"
    LMS = "LMS"
    ALIMTALK = "ALIMTALK"
    FRIENDTALK = "FRIENDTALK"

    @property
    def is_kakao(self) -> bool:
        return self in (Channel.ALIMTALK, Channel.FRIENDTALK)


@dataclass(frozen=True)
class Button:
    """A Kakao web-link button, e.g. name "쿠폰 받기" and the coupon's download URL."""

    name: str
    url: str


@dataclass(frozen=True)
class OutboundMessage:
    """One message to one recipient, rendered and ready to go.

    `to` is a phone number (digits, e.g. "01012345678") or, for EMAIL, an address.
    `idempotency_key` is unique per run and member (e.g. "run-42:member-7"): gateways
    dedupe on it, so sending it again after a crash cannot deliver twice.
    """

    channel: Channel
    to: str
    text: str
    idempotency_key: str
    subject: str = ""  # e-mail subject; LMS title
    html: str | None = None  # e-mail only: an HTML alternative to `text`
    buttons: tuple[Button, ...] = ()  # Kakao only
    template_code: str = ""  # alimtalk: the approved template's code
    sender_key: str = ""  # Kakao sender profile key; empty: the one in the settings
    unsubscribe_url: str = ""  # e-mail: List-Unsubscribe (required for advertising e-mail)


@dataclass(frozen=True)
class SendResult:
    """A message the provider accepted. `channel` is the one actually used (LMS for a long
    SMS, SMS/LMS after a Kakao fallback); `fallback_reason` says why Kakao was not used."""

    message_id: str
    channel: Channel
    accepted_at: datetime
    fallback_reason: str | None = None


class SendError(Exception):
    """A message was not accepted. `reason_code` is machine-readable and goes in the record."""

    retryable = False

    def __init__(self, reason_code: str, detail: str = "") -> None:
        super().__init__(f"{reason_code}: {detail}" if detail else reason_code)
        self.reason_code = reason_code
        self.detail = detail


class TransientSendError(SendError):
    """Try again later with back-off, with the same idempotency key: timeouts, 5xx,
    connection refused. The gateway may have accepted it anyway (a timeout after the
    request went out), which is why the key must stay the same."""

    retryable = True


class RateLimited(TransientSendError):
    """The gateway asked us to slow down: wait `retry_after_seconds`, then retry."""

    def __init__(self, retry_after_seconds: float, detail: str = "") -> None:
        super().__init__("RATE_LIMITED", detail)
        self.retry_after_seconds = retry_after_seconds


class PermanentSendError(SendError):
    """Retrying will not help: bad number, blocked, template mismatch, no KakaoTalk,
    too long, any other 4xx, or the channel is not configured."""


@dataclass(frozen=True)
class Backoff:
    """Exponential back-off with full jitter; a RateLimited error's own wait wins."""

    base_seconds: float = 1.0
    cap_seconds: float = 300.0
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def delay(self, error: TransientSendError, attempt: int) -> float:
        """Seconds to wait before retry number `attempt` (1 for the first retry)."""
        if isinstance(error, RateLimited):
            return error.retry_after_seconds
        return self.rng.uniform(0, min(self.cap_seconds, self.base_seconds * 2 ** max(attempt - 1, 0)))


class MessageProvider(ABC):
    """Sends messages of some channels. Implementations own their connections:
    create once, share across tasks, `aclose()` at shutdown."""

    @property
    @abstractmethod
    def channels(self) -> frozenset[Channel]:
        """The channels this provider sends."""

    @abstractmethod
    async def send(self, message: OutboundMessage) -> SendResult:
        """Hand one message to the server or gateway. Raises TransientSendError (incl.
        RateLimited) or PermanentSendError; never returns without the message accepted."""

    async def aclose(self) -> None:  # noqa: B027 - optional for providers without connections
        """Release connections."""


def sms_fallback(message: OutboundMessage) -> OutboundMessage:
    """The SMS/LMS a Kakao message becomes when it cannot go by Kakao.

    Same text; each button's URL that the text does not already carry is appended as
    "name: url" so the coupon link survives. The idempotency key gets a ":sms" suffix: a
    gateway that recorded the failed Kakao attempt under the key must not treat the SMS
    as a duplicate of it, and a re-send of the fallback still dedupes.
    """
    text = message.text
    for button in message.buttons:
        if button.url not in text:
            text += f"\n{button.name}: {button.url}"
    length = measure_sms(text)
    if length.kind is SmsKind.TOO_LONG:
        raise PermanentSendError(TOO_LONG_REASON, f"{length.bytes} bytes")
    return replace(
        message, channel=Channel(length.kind.value), text=text, buttons=(), template_code="", sender_key="",
        html=None, idempotency_key=f"{message.idempotency_key}:sms",
    )
