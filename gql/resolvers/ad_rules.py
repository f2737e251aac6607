"""Korean rules for advertising messages (Act on Promotion of Information and Communications
Network Utilization, article 50), in one place so no screen or job can skip them.

- An advertising message goes only to a member who consented to marketing on its channel.
- Nothing advertising is sent from 21:00:00 to 07:59:59 Asia/Seoul unless the member gave
  the separate night-time consent (ConsentChannel.NIGHT). The law exempts e-mail; kupon
  applies the ban to e-mail too unless the shop turns `ad_night_ban_email` off.
- Its text starts with "(광고)" and carries the shop's name and a free way to opt out: the
  080 number for SMS and Kakao, an unsubscribe link for e-mail, whose subject also starts
  with "(광고)". kupon adds these; the operator's text cannot leave them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from kupon.timeutil import SEOUL, to_seoul
from models.activity import ConsentChannel
from models.campaigns import CampaignChannel

AD_PREFIX = "(광고)"
NIGHT_STARTS = time(21, 0, 0)
NIGHT_ENDS = time(8, 0, 0)

CONSENT_FOR_CHANNEL = {
    CampaignChannel.SMS: ConsentChannel.SMS,
    CampaignChannel.FRIENDTALK: ConsentChannel.KAKAO,
    CampaignChannel.ALIMTALK: ConsentChannel.KAKAO,
    CampaignChannel.EMAIL: ConsentChannel.EMAIL,
}


def in_night_ban(moment: datetime) -> bool:
    """21:00:00 <= Seoul time, or Seoul time < 08:00:00 (so 20:59:59 and 08:00:00 are allowed)."""
    local = to_seoul(moment).time()
    return local >= NIGHT_STARTS or local < NIGHT_ENDS


def night_ban_applies(channel: str, ban_email: bool) -> bool:
    return channel != CampaignChannel.EMAIL or ban_email


def next_allowed(moment: datetime) -> datetime:
    """`moment` itself outside the ban, else the next 08:00:00 Seoul (as an aware UTC-comparable instant)."""
    if not in_night_ban(moment):
        return moment
    local = to_seoul(moment)
    day = local.date() if local.time() < NIGHT_ENDS else local.date() + timedelta(days=1)
    return datetime.combine(day, NIGHT_ENDS, tzinfo=SEOUL)


@dataclass(frozen=True)
class ShopIdentity:
    """What an advertising message must name: the shop, and its free opt-out."""

    name: str
    opt_out_number: str  # the 080 number for SMS and Kakao


def strip_ad_prefix(text: str) -> str:
    text = text.lstrip()
    return text[len(AD_PREFIX):].lstrip() if text.startswith(AD_PREFIX) else text


def advertising_text(body: str, channel: str, shop: ShopIdentity, unsubscribe_url: str = "") -> str:
    """The body as sent: "(광고)" and the shop's name first, the free opt-out last. A "(광고)"
    the operator typed is not doubled."""
    head = f"{AD_PREFIX}[{shop.name}]"
    if channel == CampaignChannel.EMAIL:
        foot = f"수신을 원하지 않으시면 여기에서 무료로 수신거부하세요: {unsubscribe_url}"
    else:
        foot = f"무료수신거부 {shop.opt_out_number}"
    return f"{head}\n{strip_ad_prefix(body)}\n\n{foot}"


def advertising_subject(subject: str) -> str:
    return f"{AD_PREFIX} {strip_ad_prefix(subject)}"
