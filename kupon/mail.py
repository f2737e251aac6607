"""Sending e-mail through the SMTP server in the settings (KUPON_SMTP_*), with aiosmtplib.

Port 465 means TLS from the first byte; on other ports STARTTLS follows KUPON_SMTP_STARTTLS
(unset: used when the server offers it).
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import aiosmtplib

from kupon.settings import Settings
from kupon.timeutil import now_utc

SEND_TIMEOUT_SECONDS = 20


class MailNotSent(Exception):
    """SMTP is not configured, or the server could not be reached or refused the message."""


def new_message(settings: Settings, to: str, subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(now_utc())
    message["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or None)
    return message


async def send_mail(settings: Settings, message: EmailMessage) -> None:
    if not settings.smtp_configured:
        raise MailNotSent("SMTP is not configured (KUPON_SMTP_HOST, KUPON_SMTP_FROM)")
    implicit_tls = settings.smtp_port == 465
    try:
        await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_user or None,
            password=settings.smtp_password or None,
            use_tls=implicit_tls,
            start_tls=False if implicit_tls else settings.smtp_starttls,
            timeout=SEND_TIMEOUT_SECONDS,
        )
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise MailNotSent(f"{type(exc).__name__}: {exc}") from exc
