"""Message channels behind one provider interface: e-mail, SMS/LMS, Kakao alimtalk and friendtalk.

Campaign and delivery code uses only what this package exports::

    from kupon.messaging import Channel, OutboundMessage, Providers, ...

    providers = Providers.from_settings(settings)       # once per process; `await providers.aclose()`
    message = OutboundMessage(
        channel=Channel.FRIENDTALK, to="01012345678", text="(광고) ...",
        idempotency_key=f"run-{run.id}:member-{member.id}",  # unique per run and member
        buttons=(Button("쿠폰 받기", coupon_url),),
    )
    try:
        result = await providers.send_with_fallback(message, fallback_to_sms=campaign.fallback_to_sms)
        # result.message_id, result.channel (maybe SMS/LMS), result.accepted_at, result.fallback_reason
    except RateLimited as exc:           # a TransientSendError: wait exc.retry_after_seconds, retry
    except TransientSendError as exc:    # retry later with Backoff().delay(exc, attempt), SAME key
    except PermanentSendError as exc:    # record failed with exc.reason_code; do not retry

Guarantees:
- `send` returns only when the server or gateway accepted the message; otherwise it raises one
  of the three errors, each with a machine-readable `reason_code` (base.py lists kupon's own:
  CHANNEL_NOT_CONFIGURED, NO_KAKAOTALK, MISSING_FIELD, TIMEOUT, CONNECTION_FAILED,
  MESSAGE_TOO_LONG; gateways add theirs, e.g. INVALID_NUMBER, TEMPLATE_MISMATCH; SMTP gives
  SMTP_<code>; unexpected HTTP statuses HTTP_<status>).
- Re-sending with the same idempotency key after a timeout or a crash does not deliver twice:
  HTTP gateways dedupe on it (same message id back); e-mail derives its Message-ID from it.
- Providers do not retry, sleep or rate-limit: delivery code owns retries (Backoff) and
  per-provider rates, and records every attempt.
- Nothing here decides *whether* to send (consent, night-time ban, "(광고)", opt-out text):
  the campaign layer renders the final text and subject and passes `unsubscribe_url` for
  advertising e-mail.

Modules:
- base.py: Channel, Button, OutboundMessage, SendResult, SendError and its three kinds,
  MessageProvider (the interface to implement for a new channel or vendor), Backoff, sms_fallback.
- providers.py: Providers, the registry built from Settings, with send_with_fallback.
- email.py: EmailProvider over kupon.mail (KUPON_SMTP_*), with List-Unsubscribe.
- http_gateway.py: SmsProvider, AlimtalkProvider, FriendtalkProvider over a signed JSON HTTP
  gateway; the wire format is in its docstring (KUPON_SMS_BASE_URL, KUPON_KAKAO_BASE_URL,
  KUPON_GATEWAY_API_KEY/_SECRET, KUPON_GATEWAY_CONNECT_TIMEOUT/_READ_TIMEOUT,
  KUPON_SMS_SENDER_NUMBER, KUPON_KAKAO_SENDER_KEY). A real vendor (NHN Cloud, Solapi...) is
  reached through an adapter that speaks this format, or a new MessageProvider subclass.
- sms_length.py: measure_sms(text) -> (bytes, SMS|LMS|TOO_LONG) as carriers count (EUC-KR/CP949).
- fake_gateway.py: a test double of the HTTP gateway on loopback for tests and benchmarks.
"""

from kupon.messaging.base import (
    Backoff,
    Button,
    Channel,
    MessageProvider,
    OutboundMessage,
    PermanentSendError,
    RateLimited,
    SendError,
    SendResult,
    TransientSendError,
    sms_fallback,
)
from kupon.messaging.providers import Providers
from kupon.messaging.sms_length import SmsKind, SmsLength, measure_sms

__all__ = [
    "Backoff",
    "Button",
    "Channel",
    "MessageProvider",
    "OutboundMessage",
    "PermanentSendError",
    "Providers",
    "RateLimited",
    "SendError",
    "SendResult",
    "SmsKind",
    "SmsLength",
    "TransientSendError",
    "measure_sms",
    "sms_fallback",
]
