"""Sending a gift card by e-mail (SPEC section 9): code, value, balance, validity and its QR code."""

from __future__ import annotations

import html
import logging
from email.utils import make_msgid

from gql.resolvers.access import Actor, require_change_shop
from gql.resolvers.audit import record_change
from gql.resolvers.errors import Refused
from gql.resolvers.validation import Checker
from kupon.mail import MailNotSent, new_message, send_mail
from kupon.qr import qr_png
from kupon.settings import Settings
from kupon.timeutil import format_seoul, now_utc
from models.giftcards import GiftCard, GiftCardStatus

log = logging.getLogger("kupon.giftcards")
MAX_MESSAGE_LENGTH = 1000
SUBJECT = "[kupon] 기프트카드가 도착했습니다 / Your gift card has arrived"


async def send_gift_card(actor: Actor, card_id: int, email: str, message: str = "") -> GiftCard:
    """E-mail a card to `email` through the SMTP settings and record the send in the audit log.
    Refused, with nothing sent: SMTP_NOT_CONFIGURED, NOT_FOUND, an invalid address or message,
    a disabled or expired card, or MAIL_NOT_SENT when the mail server does not take it."""
    require_change_shop(actor)
    settings = Settings.from_env()
    if not settings.smtp_configured:
        raise Refused.because("SMTP_NOT_CONFIGURED")
    card = await GiftCard.get_or_none(id=card_id).select_related("campaign")
    if card is None:
        raise Refused.because("NOT_FOUND", "cardId")
    check = Checker()
    address = check.email("email", email, required=True)
    note = check.text("message", message, MAX_MESSAGE_LENGTH, required=False)
    if check.problems:
        raise Refused(*check.problems)
    if GiftCardStatus.DISABLED in (card.status, card.campaign.status):
        raise Refused.because("GIFT_CARD_DISABLED", "cardId")
    if card.campaign.valid_to and now_utc() > card.campaign.valid_to:
        raise Refused.because("GIFT_CARD_EXPIRED", "cardId")
    try:
        await send_mail(settings, gift_card_mail(settings, card, address, note))
    except MailNotSent as exc:
        log.warning("gift card %s not sent: %s", card.id, exc)
        raise Refused.because("MAIL_NOT_SENT", "email") from None
    await record_change(actor, "giftcard.send", card, after={"email": address, "message": note})
    return card


def _facts(card: GiftCard) -> list[tuple[str, str]]:
    campaign = card.campaign
    if campaign.valid_from or campaign.valid_to:
        validity = f"{format_seoul(campaign.valid_from)} ~ {format_seoul(campaign.valid_to)} (Asia/Seoul)"
    else:
        validity = "기한 없음 / No expiry"
    if campaign.max_uses is None:
        uses = "잔액이 남아 있는 동안 / While the balance lasts"
    elif campaign.max_uses == 1:
        uses = "1회 / Once"
    else:
        uses = f"{campaign.max_uses}회 / {campaign.max_uses} times"
    return [("코드 / Code", card.code), ("금액 / Value", f"{card.initial_value:,}원"),
            ("잔액 / Balance", f"{card.balance:,}원"), ("유효 기간 / Valid", validity), ("사용 / Use", uses)]


def gift_card_mail(settings: Settings, card: GiftCard, to: str, note: str = ""):
    """Plain text and HTML; the QR code (the card's code) is an inline PNG of the HTML part."""
    facts = _facts(card)
    intro_ko = f"{card.campaign.name} 기프트카드를 보내 드립니다."
    intro_en = f"Here is your gift card: {card.campaign.name}."
    how_ko = "매장에서 QR 코드를 보여 주시거나, 주문할 때 코드를 입력하세요."
    how_en = "Show the QR code at the counter, or enter the code when you order."
    message = new_message(settings, to, SUBJECT)
    text = [intro_ko, intro_en, ""] + ([note, ""] if note else [])
    text += [f"{label}: {value}" for label, value in facts] + ["", how_ko, how_en, ""]
    message.set_content("\n".join(text))

    qr_id = make_msgid(domain="kupon.qr")
    rows = "".join(f"<tr><th align='left'>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>"
                   for label, value in facts)
    note_html = f"<p style='white-space:pre-line'>{html.escape(note)}</p>" if note else ""
    message.add_alternative(
        f"<!doctype html><html><body><p>{html.escape(intro_ko)}<br>{html.escape(intro_en)}</p>{note_html}"
        f"<table>{rows}</table><p><img src='cid:{qr_id[1:-1]}' alt='QR {html.escape(card.code)}' "
        f"width='240' height='240'></p><p>{html.escape(how_ko)}<br>{html.escape(how_en)}</p></body></html>",
        subtype="html")
    message.get_payload()[1].add_related(qr_png(card.code), maintype="image", subtype="png", cid=qr_id,
                                         filename=f"giftcard-{card.code}.png", disposition="inline")
    return message
