"""E-mail through a real SMTP server on loopback (aiosmtpd): what arrives, and how refusals map."""

from __future__ import annotations

import pytest

from kupon.messaging import Channel, OutboundMessage, PermanentSendError, Providers, TransientSendError
from kupon.settings import Settings
from kupon.throwaway_postgres import free_port

UNSUBSCRIBE = "https://shop.test/unsubscribe/t0k3n"


def refuse(inbox, refusals: dict[str, str]) -> None:
    """Make the SMTP server answer RCPT TO for these addresses with these replies."""

    async def handle_RCPT(server, session, envelope, address, rcpt_options) -> str:
        if address in refusals:
            return refusals[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    inbox.handle_RCPT = handle_RCPT  # aiosmtpd looks the hook up on each command


def smtp_settings(port: int) -> Settings:
    return Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_from="shop@kupon.test", smtp_starttls=False)


def advert(to: str = "member@mail.test", key: str = "run-3:member-9") -> OutboundMessage:
    return OutboundMessage(Channel.EMAIL, to, "(광고) 가을 쿠폰\n수신 거부: " + UNSUBSCRIBE, key,
                           subject="(광고) 가을 쿠폰이 도착했어요", html="<p>(광고) 가을 쿠폰</p>",
                           unsubscribe_url=UNSUBSCRIBE)


async def test_advertising_email_arrives_with_subject_body_and_unsubscribe_headers(smtp):
    async with Providers.from_settings(smtp_settings(smtp.port)) as providers:
        result = await providers.send(advert())
        again = await providers.send(advert())

    assert result.channel is Channel.EMAIL
    first, second = smtp.messages
    assert first["Subject"] == "(광고) 가을 쿠폰이 도착했어요" and first["To"] == "member@mail.test"
    assert first["List-Unsubscribe"] == f"<{UNSUBSCRIBE}>"
    assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert first.get_body(("plain",)).get_content().splitlines() == ["(광고) 가을 쿠폰", f"수신 거부: {UNSUBSCRIBE}"]
    assert first.get_body(("html",)).get_content().strip() == "<p>(광고) 가을 쿠폰</p>"
    # A re-send (same run and member) carries the same Message-ID, so mailboxes drop the copy.
    assert first["Message-ID"] == second["Message-ID"] == result.message_id == again.message_id


async def test_informational_email_has_no_unsubscribe_header(smtp):
    async with Providers.from_settings(smtp_settings(smtp.port)) as providers:
        await providers.send(OutboundMessage(Channel.EMAIL, "m@mail.test", "동의 현황 안내", "k", subject="안내"))
    [message] = smtp.messages
    assert message["List-Unsubscribe"] is None and message.get_content_type() == "text/plain"


async def test_smtp_5xx_is_permanent_and_4xx_transient(smtp):
    refuse(smtp, {"gone@mail.test": "550 5.1.1 No such user", "full@mail.test": "452 4.2.2 Mailbox full"})
    async with Providers.from_settings(smtp_settings(smtp.port)) as providers:
        with pytest.raises(PermanentSendError) as gone:
            await providers.send(advert(to="gone@mail.test"))
        with pytest.raises(TransientSendError) as full:
            await providers.send(advert(to="full@mail.test"))
    assert (gone.value.reason_code, full.value.reason_code) == ("SMTP_550", "SMTP_452")
    assert smtp.messages == []


async def test_unreachable_server_is_transient_and_no_server_is_not_configured():
    async with Providers.from_settings(smtp_settings(free_port())) as providers:
        with pytest.raises(TransientSendError) as refused:
            await providers.send(advert())
    assert refused.value.reason_code == "CONNECTION_FAILED"

    async with Providers.from_settings(Settings()) as providers:
        with pytest.raises(PermanentSendError) as missing:
            await providers.send(advert())
    assert missing.value.reason_code == "CHANNEL_NOT_CONFIGURED"
