"""E-mail as a message channel, through kupon.mail (aiosmtplib and the KUPON_SMTP_* settings).

SMTP answers map to the provider errors: a 5xx reply (recipient unknown, message refused,
authentication failed) is permanent with reason SMTP_<code>; a 4xx reply, a timeout, a
refused or dropped connection is transient. SMTP cannot dedupe, so the Message-ID is made
from the idempotency key: a re-send after a crash carries the same Message-ID, which
mailbox providers use to drop the copy.
"""

from __future__ import annotations

import hashlib

import aiosmtplib

from kupon.mail import MailNotSent, new_message, send_mail
from kupon.messaging.base import (
    CONNECTION_FAILED,
    NOT_CONFIGURED,
    TIMEOUT,
    Channel,
    MessageProvider,
    OutboundMessage,
    PermanentSendError,
    SendError,
    SendResult,
    TransientSendError,
)
from kupon.settings import Settings
from kupon.timeutil import now_utc


class EmailProvider(MessageProvider):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @property
    def channels(self) -> frozenset[Channel]:
        return frozenset({Channel.EMAIL})

    async def send(self, message: OutboundMessage) -> SendResult:
        email = new_message(self.settings, message.to, message.subject)
        email.replace_header("Message-ID", self.message_id(message.idempotency_key))
        email.set_content(message.text)
        if message.html is not None:
            email.add_alternative(message.html, subtype="html")
        if message.unsubscribe_url:
            email["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
            if message.unsubscribe_url.startswith("https://"):
                # RFC 8058 one-click: mail clients POST to the URL; only defined for https.
                email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        try:
            await send_mail(self.settings, email)
        except MailNotSent as exc:
            raise smtp_failure(exc) from exc
        return SendResult(email["Message-ID"], Channel.EMAIL, now_utc())

    def message_id(self, idempotency_key: str) -> str:
        domain = self.settings.smtp_from.rpartition("@")[2] or "kupon.invalid"
        return f"<{hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]}@{domain}>"


def smtp_failure(error: MailNotSent) -> SendError:
    """The provider error for what kupon.mail raised (its cause is aiosmtplib's exception)."""
    cause = error.__cause__
    if cause is None:
        return PermanentSendError(NOT_CONFIGURED, str(error))
    if isinstance(cause, aiosmtplib.SMTPRecipientsRefused):
        codes = [refused.code for refused in cause.recipients]
        return _by_code(max(codes, default=0) if all(code >= 500 for code in codes) else min(codes), str(error))
    if isinstance(cause, aiosmtplib.SMTPResponseException):
        return _by_code(cause.code, str(error))
    if isinstance(cause, TimeoutError):
        return TransientSendError(TIMEOUT, str(error))
    return TransientSendError(CONNECTION_FAILED, str(error))


def _by_code(code: int, detail: str) -> SendError:
    kind = PermanentSendError if code >= 500 else TransientSendError
    return kind(f"SMTP_{code}", detail)
