"""SMS/LMS, Kakao alimtalk and Kakao friendtalk over a signed JSON HTTP gateway.

Wire format (what a real gateway adapter, or `fake_gateway`, implements)::

    POST {base}/v1/sms                 SMS or LMS
    POST {base}/v1/kakao/alimtalk
    POST {base}/v1/kakao/friendtalk
    Content-Type: application/json (UTF-8)
    X-Kupon-Key:       the API key (KUPON_GATEWAY_API_KEY)
    X-Kupon-Timestamp: Unix time in whole seconds; gateways refuse more than 300 s of skew
    X-Kupon-Nonce:     32 random hex digits, new for every attempt; gateways refuse a repeat
    X-Kupon-Signature: hex HMAC-SHA256 with the API secret over
                       METHOD "\\n" PATH "\\n" TIMESTAMP "\\n" NONCE "\\n" BODY
                       (PATH as sent, base URL's path included, no query; BODY the exact bytes)

    body, every channel: {"to", "from", "text", "idempotency_key"}
      /v1/sms:              + "kind": "SMS" | "LMS", "subject" (LMS title, may be "")
      /v1/kakao/alimtalk:   + "sender_key", "template_code", "buttons": [{"name", "url"}]
      /v1/kakao/friendtalk: + "sender_key", "buttons": [{"name", "url"}]
      ("from" is the sender number for SMS, the sender key for Kakao)

Answers and what `send` makes of them:
    2xx {"message_id": "..."}   SendResult; the same idempotency_key again answers the same
                                message_id and is not delivered twice
    429, Retry-After: seconds   RateLimited(retry_after_seconds)   (HTTP-date accepted too)
    5xx                         TransientSendError("HTTP_503", ...)
    other 4xx {"code": "..."}   PermanentSendError(code), e.g. INVALID_NUMBER, BLOCKED_NUMBER,
                                TEMPLATE_MISMATCH, NO_KAKAOTALK, BAD_SIGNATURE ("HTTP_4xx"
                                when the body has no code)
    timeout                     TransientSendError("TIMEOUT")
    connection refused/reset    TransientSendError("CONNECTION_FAILED")
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import ClassVar
from urllib.parse import urlsplit

import httpx

from kupon.messaging.base import (
    CONNECTION_FAILED,
    MISSING_FIELD,
    NOT_CONFIGURED,
    TIMEOUT,
    Channel,
    MessageProvider,
    OutboundMessage,
    PermanentSendError,
    RateLimited,
    SendResult,
    TransientSendError,
)
from kupon.messaging.sms_length import TOO_LONG_REASON, SmsKind, measure_sms
from kupon.settings import Settings
from kupon.timeutil import now_utc

SMS_PATH = "/v1/sms"
ALIMTALK_PATH = "/v1/kakao/alimtalk"
FRIENDTALK_PATH = "/v1/kakao/friendtalk"
DEFAULT_RETRY_AFTER_SECONDS = 1.0


def sign(secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    """The X-Kupon-Signature value (see the module docstring)."""
    signed = f"{method.upper()}\n{path}\n{timestamp}\n{nonce}\n".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signed_headers(api_key: str, secret: str, method: str, path: str, body: bytes) -> dict[str, str]:
    timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
    return {
        "Content-Type": "application/json",
        "X-Kupon-Key": api_key,
        "X-Kupon-Timestamp": timestamp,
        "X-Kupon-Nonce": nonce,
        "X-Kupon-Signature": sign(secret, method, path, timestamp, nonce, body),
    }


@dataclass(frozen=True)
class GatewayConfig:
    base_url: str
    api_key: str
    api_secret: str
    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    # Against the fake gateway on loopback (one uvicorn worker, 2 cores) 50 concurrent sends
    # made ~680 messages/s through 10 connections but ~280/s through 50: more is not faster.
    max_connections: int = 10

    @classmethod
    def from_settings(cls, settings: Settings, base_url: str) -> GatewayConfig:
        return cls(base_url, settings.gateway_api_key, settings.gateway_api_secret,
                   settings.gateway_connect_timeout, settings.gateway_read_timeout)


class GatewayClient:
    """One pooled, keep-alive httpx.AsyncClient for one gateway; signs every request."""

    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        self._prefix = urlsplit(config.base_url).path.rstrip("/")
        self._client = httpx.AsyncClient(
            base_url=config.base_url,
            timeout=httpx.Timeout(config.read_timeout, connect=config.connect_timeout),
            limits=httpx.Limits(max_connections=config.max_connections,
                                max_keepalive_connections=config.max_connections),
        )

    async def post(self, path: str, payload: dict) -> str:
        """POST signed JSON; the gateway's message id, or a SendError as the docstring maps it."""
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers = signed_headers(self.config.api_key, self.config.api_secret, "POST", self._prefix + path, body)
        try:
            response = await self._client.post(path, content=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise TransientSendError(TIMEOUT, f"{type(exc).__name__} after {path}") from exc
        except httpx.TransportError as exc:
            raise TransientSendError(CONNECTION_FAILED, f"{type(exc).__name__}: {exc}") from exc
        return _message_id(response)

    async def aclose(self) -> None:
        await self._client.aclose()


def _message_id(response: httpx.Response) -> str:
    status = response.status_code
    if status == 429:
        raise RateLimited(_retry_after(response.headers.get("Retry-After")), response.text[:200])
    if status >= 500:
        raise TransientSendError(f"HTTP_{status}", response.text[:200])
    body = _json_object(response)
    if status >= 400:
        raise PermanentSendError(str(body.get("code") or f"HTTP_{status}"), str(body.get("message", ""))[:200])
    if not body.get("message_id"):
        # Accepted or not, we cannot tell: a retry with the same idempotency key is safe.
        raise TransientSendError("BAD_RESPONSE", f"HTTP {status} without message_id")
    return str(body["message_id"])


def _json_object(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _retry_after(value: str | None) -> float:
    if not value:
        return DEFAULT_RETRY_AFTER_SECONDS
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        return max((parsedate_to_datetime(value) - now_utc()).total_seconds(), 0.0)
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER_SECONDS


class HttpGatewayProvider(MessageProvider):
    """A channel over one GatewayClient: subclasses say where to POST and what to send."""

    path: ClassVar[str]
    sends: ClassVar[frozenset[Channel]]

    def __init__(self, gateway: GatewayClient, sender: str) -> None:
        self.gateway = gateway
        self.sender = sender

    @property
    def channels(self) -> frozenset[Channel]:
        return self.sends

    async def send(self, message: OutboundMessage) -> SendResult:
        if message.channel not in self.sends:
            raise PermanentSendError(NOT_CONFIGURED, f"{type(self).__name__} does not send {message.channel}")
        channel, payload = self.request(message)
        message_id = await self.gateway.post(self.path, payload)
        return SendResult(message_id, channel, now_utc())

    def request(self, message: OutboundMessage) -> tuple[Channel, dict]:
        """The channel actually used and the JSON body."""
        raise NotImplementedError

    def _common(self, message: OutboundMessage, sender: str, what: str) -> dict:
        if not sender:
            raise PermanentSendError(NOT_CONFIGURED, f"no {what}")
        return {"to": message.to, "from": sender, "text": message.text, "idempotency_key": message.idempotency_key}

    async def aclose(self) -> None:
        await self.gateway.aclose()


class SmsProvider(HttpGatewayProvider):
    """SMS up to 90 EUC-KR bytes, LMS beyond (up to 2,000): an SMS too long for one goes as
    LMS and the result says so; longer is refused with MESSAGE_TOO_LONG before any request."""

    path = SMS_PATH
    sends = frozenset({Channel.SMS, Channel.LMS})

    def request(self, message: OutboundMessage) -> tuple[Channel, dict]:
        length = measure_sms(message.text)
        if length.kind is SmsKind.TOO_LONG:
            raise PermanentSendError(TOO_LONG_REASON, f"{length.bytes} bytes")
        channel = Channel.LMS if Channel.LMS in (message.channel, length.kind) else Channel.SMS
        payload = self._common(message, self.sender, "sender number (KUPON_SMS_SENDER_NUMBER)")
        payload.update(kind=channel.value, subject=message.subject if channel is Channel.LMS else "")
        return channel, payload


class FriendtalkProvider(HttpGatewayProvider):
    path = FRIENDTALK_PATH
    sends = frozenset({Channel.FRIENDTALK})

    def request(self, message: OutboundMessage) -> tuple[Channel, dict]:
        sender_key = message.sender_key or self.sender
        payload = self._common(message, sender_key, "Kakao sender key (KUPON_KAKAO_SENDER_KEY)")
        payload.update(sender_key=sender_key, buttons=[{"name": b.name, "url": b.url} for b in message.buttons])
        return message.channel, payload


class AlimtalkProvider(FriendtalkProvider):
    """Alimtalk needs the approved template's code; the text must match that template
    (the gateway answers TEMPLATE_MISMATCH otherwise)."""

    path = ALIMTALK_PATH
    sends = frozenset({Channel.ALIMTALK})

    def request(self, message: OutboundMessage) -> tuple[Channel, dict]:
        if not message.template_code:
            raise PermanentSendError(MISSING_FIELD, "alimtalk needs template_code")
        channel, payload = super().request(message)
        payload["template_code"] = message.template_code
        return channel, payload
