"""Campaigns (SPEC 8, seeds 002 and 003): create, change and cancel them, the operator's coupon
message draft, the preview as the member sees it, and the member search for picking by hand.

Saving checks the whole form at once (campaign_checks.py) and sets status SCHEDULED with
`next_run_at` (NOW: now; RESERVED: the reserved instant; REPEAT: the first sending at or after
now). campaign_dispatch.py (the scheduler) turns a due campaign into a run. A campaign can be
changed or cancelled until it goes out: once a run exists it is refused, except that a
repeating campaign can still be cancelled (stopping the sendings to come).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import SimpleNamespace

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from gql.resolvers.access import Actor, require_change_shop, require_read_shop
from gql.resolvers.audit import record_change
from gql.resolvers.campaign_checks import KAKAO, CampaignInput, check_variables, clean_campaign, clean_coupon_block
from gql.resolvers.errors import Refused
from gql.resolvers.message_render import RenderedMessage, render
from gql.resolvers.messaging_settings import MessagingSettings, load_messaging_settings
from gql.resolvers.pagination import Page, PageRequest, paginate
from gql.resolvers.validation import Checker
from kupon.messaging import SmsLength, measure_sms
from kupon.privacy import mask_phone
from kupon.settings import Settings
from kupon.timeutil import now_utc
from models.activity import PointEntry, PointKind
from models.campaigns import (
    Campaign,
    CampaignChannel,
    CampaignRun,
    CampaignStatus,
    ComplianceEvent,
    CouponMessageTemplate,
    MessageType,
    ScheduleKind,
)
from models.members import Member

EDITABLE = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED)
NIGHT_REFUSALS = ("RESERVATION_NIGHT_BAN", "REPEAT_TIME_NIGHT_BAN")
SEARCH_LIMIT = 20
SAMPLE_MEMBER = SimpleNamespace(id=0, name="홍길동", grade="BASIC", points=1200)
_PHONE_DIGITS = re.compile(r"^01[016789]\d{7,8}$")

__all__ = ["CampaignInput", "cancel_campaign", "create_campaign", "get_campaign", "list_campaigns",
           "message_template", "preview_message", "save_message_template", "search_members", "update_campaign"]


# --- campaigns --------------------------------------------------------------------------------

async def _shop() -> MessagingSettings:
    return await load_messaging_settings(Settings.from_env().secret_key)


def _sms_text(rendered: RenderedMessage) -> str:
    """What an SMS (or the SMS a Kakao message falls back to) carries: the text and the button URLs."""
    text = rendered.text
    for button in rendered.buttons:
        if button.url not in text:
            text += f"\n{button.name}: {button.url}"
    return text


def measure(values, shop: MessagingSettings, member=SAMPLE_MEMBER) -> SmsLength:
    """The SMS/LMS length of the message as `member` gets it (bytes as carriers count them)."""
    channel = values["channel"] if isinstance(values, dict) else values.channel
    like = SimpleNamespace(**values) if isinstance(values, dict) else values
    return measure_sms(_sms_text(render(like, member, channel, shop)))


async def _clean(data: CampaignInput) -> dict:
    shop = await _shop()

    async def sms_length(values: dict) -> SmsLength:
        return measure(values, shop)

    try:
        return await clean_campaign(data, now_utc(), shop.night_ban_email, sms_length)
    except Refused as refused:
        await _record_night_refusal(data, refused)
        raise


async def _record_night_refusal(data: CampaignInput, refused: Refused) -> None:
    """A reservation or repeat time refused by the night-time ban goes on the compliance page."""
    for problem in refused.problems:
        if problem.code in NIGHT_REFUSALS:
            when = data.send_at.isoformat() if problem.field == "send_at" and data.send_at else data.repeat_time
            await ComplianceEvent.create(kind="RESERVATION_REFUSED", reason=problem.code, at=now_utc(), detail={
                "name": data.name, "channel": data.channel, "schedule": data.schedule, "at": when})


def _audit_values(values: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()}


async def create_campaign(actor: Actor, data: CampaignInput) -> Campaign:
    require_change_shop(actor)
    values = await _clean(data)
    async with in_transaction():
        campaign = await Campaign.create(**values, status=CampaignStatus.SCHEDULED,
                                         created_by_id=actor.id if actor.is_operator else None)
        await record_change(actor, "campaign.create", campaign, after=_audit_values(values))
    return campaign


async def _changeable(campaign_id: int, cancelling: bool = False) -> Campaign:
    campaign = await Campaign.get_or_none(id=campaign_id).select_for_update()
    if campaign is None:
        raise Refused.because("NOT_FOUND", "id")
    ran = await CampaignRun.exists(campaign_id=campaign.id)
    stoppable = cancelling and campaign.schedule == ScheduleKind.REPEAT and campaign.status not in (
        CampaignStatus.CANCELLED, CampaignStatus.DONE)
    if not stoppable and (campaign.status not in EDITABLE or ran):
        raise Refused.because("CAMPAIGN_NOT_EDITABLE", "id")
    return campaign


async def update_campaign(actor: Actor, campaign_id: int, data: CampaignInput) -> Campaign:
    """Change a campaign that has not gone out yet (every field, checked again as on creation)."""
    require_change_shop(actor)
    values = await _clean(data)
    async with in_transaction():
        campaign = await _changeable(campaign_id)
        before = _audit_values({k: getattr(campaign, k) for k in values})
        updated = await Campaign.filter(id=campaign.id, status__in=EDITABLE).update(
            **values, status=CampaignStatus.SCHEDULED)
        if not updated:
            raise Refused.because("CAMPAIGN_NOT_EDITABLE", "id")
        await record_change(actor, "campaign.update", campaign, before=before, after=_audit_values(values))
    return await Campaign.get(id=campaign_id)


async def cancel_campaign(actor: Actor, campaign_id: int) -> Campaign:
    """Cancel before it goes out; a repeating campaign can also be stopped after its first runs."""
    require_change_shop(actor)
    async with in_transaction():
        campaign = await _changeable(campaign_id, cancelling=True)
        await Campaign.filter(id=campaign.id).update(status=CampaignStatus.CANCELLED, next_run_at=None)
        await record_change(actor, "campaign.cancel", campaign, before={"status": campaign.status},
                            after={"status": CampaignStatus.CANCELLED})
    return await Campaign.get(id=campaign_id)


async def get_campaign(actor: Actor, campaign_id: int) -> Campaign:
    require_read_shop(actor)
    campaign = await Campaign.get_or_none(id=campaign_id)
    if campaign is None:
        raise Refused.because("NOT_FOUND", "id")
    return campaign


async def list_campaigns(actor: Actor, page: PageRequest, status: str | None = None,
                         search: str = "") -> Page[Campaign]:
    require_read_shop(actor)
    query = Campaign.all()
    if status:
        query = query.filter(status=status)
    if search.strip():
        query = query.filter(name__icontains=search.strip())
    return await paginate(query.order_by("-id"), page)


def is_changeable(campaign: Campaign, has_runs: bool) -> bool:
    return campaign.status in EDITABLE and not has_runs


# --- the coupon message draft (one per operator) ------------------------------------------------

@dataclass
class TemplateInput:
    channel: str
    text: str
    coupon_block: dict


async def save_message_template(actor: Actor, data: TemplateInput) -> CouponMessageTemplate:
    """Keep the operator's one draft; the next save overwrites it (seed 003). Every field is required."""
    require_change_shop(actor)
    if not actor.is_operator or actor.id is None:
        raise Refused.because("FORBIDDEN")
    check = Checker()
    channel = check.choice("channel", data.channel, CampaignChannel)
    text = check.text("text", data.text, 2000)
    check_variables(check, "text", text)
    block = await clean_coupon_block(check, data.coupon_block)
    if check.problems:
        raise Refused(*check.problems)
    async with in_transaction():
        template, created = await CouponMessageTemplate.update_or_create(
            operator_id=actor.id, defaults={"channel": channel, "text": text, "coupon_block": block})
        await record_change(actor, "campaign_template.save", template,
                            after={"channel": channel, "text": text, "coupon_block": block, "replaced": not created})
    return template


async def message_template(actor: Actor) -> CouponMessageTemplate | None:
    """The signed-in operator's draft, or None."""
    require_read_shop(actor)
    if not actor.is_operator or actor.id is None:
        return None
    return await CouponMessageTemplate.get_or_none(operator_id=actor.id)


# --- preview ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class MessagePreview:
    subject: str
    text: str
    buttons: list[tuple[str, str]]
    sms_bytes: int | None  # SMS and Kakao with SMS fallback only
    sms_kind: str | None   # SMS, LMS or TOO_LONG
    member_name: str


@dataclass
class PreviewInput:
    message_type: str
    channel: str
    text: str
    subject: str = ""
    coupon_block: dict | None = None
    fallback_to_sms: bool = False


async def _points_held(member_id: int) -> int:
    rows = await PointEntry.filter(member_id=member_id).values_list("kind", "amount")
    return sum(amount if kind == PointKind.EARN else -amount for kind, amount in rows)


async def preview_message(actor: Actor, data: PreviewInput, member_id: int | None = None) -> MessagePreview:
    """The message exactly as a member gets it on the channel (a sample member unless one is named),
    with its SMS/LMS byte count. Unfinished input previews as far as it goes."""
    require_read_shop(actor)
    check = Checker()
    message_type = check.choice("message_type", data.message_type, MessageType)
    channel = check.choice("channel", data.channel, CampaignChannel)
    if check.problems:
        raise Refused(*check.problems)
    member = SAMPLE_MEMBER
    if member_id is not None:
        found = await Member.get_or_none(id=member_id)
        if found is None:
            raise Refused.because("NOT_FOUND", "member_id")
        member = SimpleNamespace(id=found.id, name=found.name, grade=found.grade,
                                 points=await _points_held(found.id))
    block = await _preview_block(data.coupon_block)
    like = SimpleNamespace(message_type=message_type, channel=channel, subject=data.subject or "",
                           text=data.text or "", coupon_block=block)
    shop = await _shop()
    rendered = render(like, member, channel, shop)
    counted = channel == CampaignChannel.SMS or (channel in KAKAO and data.fallback_to_sms)
    length = measure_sms(_sms_text(rendered)) if counted else None
    return MessagePreview(subject=rendered.subject, text=rendered.text,
                          buttons=[(b.name, b.url) for b in rendered.buttons],
                          sms_bytes=length.bytes if length else None,
                          sms_kind=str(length.kind) if length else None, member_name=member.name)


async def _preview_block(block: dict | None) -> dict | None:
    """The block as far as it is filled in, with the coupon's URL when the coupon is downloadable."""
    if not block or not any(block.get(k) for k in ("kind", "name", "coupon_id", "description", "validity")):
        return None
    check = Checker()
    cleaned = await clean_coupon_block(check, block)
    bad = {p.field.rsplit(".", 1)[-1] for p in check.problems if p.field}
    return {k: v for k, v in cleaned.items() if k not in bad and v not in (None, "")}


# --- picking members by hand ------------------------------------------------------------------

@dataclass(frozen=True)
class PickableMember:
    id: int
    name: str
    phone_masked: str
    grade: str
    login_id: str


async def search_members(actor: Actor, term: str, limit: int = SEARCH_LIMIT) -> list[PickableMember]:
    """Active members by name, the last four digits of the phone, or the full phone (seed 003);
    phones masked whoever asks."""
    require_read_shop(actor)
    term = (term or "").strip()
    if not term:
        return []
    digits = re.sub(r"[\s-]", "", term)
    if digits.isdigit() and len(digits) == 4:
        condition = Q(phone__endswith=digits)
    elif _PHONE_DIGITS.match(digits):
        condition = Q(phone=f"{digits[:3]}-{digits[3:-4]}-{digits[-4:]}") | Q(phone=digits)
    else:
        condition = Q(name__icontains=term)
    found = await Member.filter(condition, is_active=True).order_by("name", "id").limit(max(1, min(limit, 50)))
    return [PickableMember(m.id, m.name, mask_phone(m.phone), str(m.grade), m.login_id) for m in found]
