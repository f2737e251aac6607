"""A campaign's message as one member sees it on one channel: the preview and the send use this.

`render(campaign_like, member, channel, shop, at=None)`:
- member variables in the text and subject: {name} {grade} {points} {shop} {opt_out} (the 080
  number; unknown braces
  stay as typed);
- the coupon block after the text (`coupon_block_text`): benefit (percent, won or gift item),
  name, description, validity as an end date in Seoul counted from the send day like
  `coupon_issuing.expiry_for` (same day: the send day; N days: the send moment + N days), and
  the download URL; Kakao gets the URL as a "쿠폰 받기" button instead of a line (an SMS
  fallback appends it again, kupon.messaging.sms_fallback);
- advertising only: "(광고)", the shop's name and the free opt-out (ad_rules), and the
  "(광고)" subject prefix for e-mail;
- every e-mail carries an unsubscribe URL with a signed token for the member and the
  channel's consent (`unsubscribe_token` / `read_unsubscribe_token`).

`campaign_like` is anything with `message_type`, `channel`, `subject`, `text`, `coupon_block`
(a Campaign or an unsaved form); `member` anything with `id`, `name`, `grade` and optionally
`points` (the points held; 0 when absent). Pure: no database; a coupon's download URL comes
from `coupon_download_url` once per campaign, or the block's own "url".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer

from gql.resolvers.ad_rules import CONSENT_FOR_CHANNEL, advertising_subject, advertising_text
from gql.resolvers.messaging_settings import MessagingSettings
from kupon.messaging import Button
from kupon.timeutil import now_utc, to_seoul
from models.campaigns import CampaignChannel, CouponValidity, MessageType

COUPON_BUTTON = "쿠폰 받기"
UNSUBSCRIBE_SALT = "kupon-unsubscribe"
VALIDITY_DAYS = {
    CouponValidity.SAME_DAY: 0, CouponValidity.DAYS_3: 3, CouponValidity.DAYS_7: 7,
    CouponValidity.DAYS_30: 30, CouponValidity.DAYS_90: 90, CouponValidity.DAYS_365: 365,
}
GRADE_KO = {"BASIC": "일반", "SILVER": "실버", "GOLD": "골드", "VIP": "VIP"}
_VARIABLE = re.compile(r"\{(name|grade|points|shop|opt_out)\}")


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    buttons: tuple[Button, ...] = ()
    unsubscribe_url: str = ""


def render(campaign_like, member, channel: str, shop: MessagingSettings, at: datetime | None = None
           ) -> RenderedMessage:
    """The message exactly as `member` gets it on `channel` when sent at `at` (default now)."""
    at = at or now_utc()
    values = member_values(member, shop)
    body = fill(campaign_like.text or "", values)
    block = campaign_like.coupon_block
    buttons: tuple[Button, ...] = ()
    if block:
        kakao = channel in (CampaignChannel.FRIENDTALK, CampaignChannel.ALIMTALK)
        body = f"{body.rstrip()}\n\n{coupon_block_text(block, shop, at, with_url=not kakao)}"
        url = absolute_url(block.get("url", ""), shop)
        if kakao and url:
            buttons = (Button(COUPON_BUTTON, url),)
    subject = fill(campaign_like.subject or "", values) if channel == CampaignChannel.EMAIL else ""
    unsubscribe = unsubscribe_url(shop, member.id, channel) if channel == CampaignChannel.EMAIL else ""
    if campaign_like.message_type == MessageType.ADVERTISING:
        body = advertising_text(body, channel, shop.identity, unsubscribe)
        if channel == CampaignChannel.EMAIL:
            subject = advertising_subject(subject)
    elif unsubscribe:
        body = f"{body}\n\n수신거부: {unsubscribe}"
    return RenderedMessage(subject, body, buttons, unsubscribe)


def member_values(member, shop: MessagingSettings) -> dict[str, str]:
    grade = str(getattr(member, "grade", "") or "")
    return {
        "name": member.name,
        "grade": GRADE_KO.get(grade, grade),
        "points": f"{int(getattr(member, 'points', 0) or 0):,}",
        "shop": shop.shop_name,
        "opt_out": shop.opt_out_number,
    }


def fill(text: str, values: dict[str, str]) -> str:
    return _VARIABLE.sub(lambda match: values[match.group(1)], text)


def benefit_text(block: dict) -> str:
    """By the block's kind when it has one (an editor's half-filled block), else by its benefit field."""
    kind = block.get("kind") or ("PERCENT" if block.get("percent") is not None
                                 else "WON" if block.get("amount") is not None else "GIFT")
    if kind == "PERCENT":
        return f"{int(block.get('percent') or 0)}% 할인"
    if kind == "WON":
        return f"{int(block.get('amount') or 0):,}원 할인"
    return f"증정: {block.get('gift_name', '')}"


def valid_until(validity: str, at: datetime) -> date:
    return to_seoul(at + timedelta(days=VALIDITY_DAYS[CouponValidity(validity)])).date()


def coupon_block_text(block: dict, shop: MessagingSettings, at: datetime, with_url: bool = True) -> str:
    lines = [f"[쿠폰] {block.get('name', '')}", benefit_text(block)]
    if block.get("description"):
        lines.append(block["description"])
    if block.get("validity"):
        lines.append(f"유효기간: {valid_until(block['validity'], at):%Y-%m-%d}까지")
    url = absolute_url(block.get("url", ""), shop)
    if with_url and url:
        lines.append(f"{COUPON_BUTTON}: {url}")
    return "\n".join(lines)


def absolute_url(url: str, shop: MessagingSettings) -> str:
    return f"{shop.public_url.rstrip('/')}{url}" if url.startswith("/") else url


def coupon_path(download_token: str) -> str:
    return f"/coupons/{download_token}"


async def coupon_download_url(coupon_id: int | None, shop: MessagingSettings) -> str:
    """The public download URL of a coupon (app route /coupons/{token}); "" without one."""
    from models.coupons import Coupon

    if coupon_id is None:
        return ""
    tokens = await Coupon.filter(id=coupon_id).values_list("download_token", flat=True)
    return absolute_url(coupon_path(tokens[0]), shop) if tokens else ""


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(secret_key: str, member_id: int, channel: str) -> str:
    """Signed {member, consent channel}: SMS/KAKAO/EMAIL of the campaign channel."""
    consent = CONSENT_FOR_CHANNEL[CampaignChannel(channel)]
    return _serializer(secret_key).dumps({"m": member_id, "c": str(consent)})


def read_unsubscribe_token(secret_key: str, token: str) -> tuple[int, str] | None:
    """(member id, consent channel), or None when the token is not one kupon signed."""
    try:
        data = _serializer(secret_key).loads(token)
        return int(data["m"]), str(data["c"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


def unsubscribe_url(shop: MessagingSettings, member_id: int, channel: str) -> str:
    return f"{shop.public_url.rstrip('/')}/unsubscribe/{unsubscribe_token(shop.secret_key, member_id, channel)}"
