"""Opting out of advertising, and the two-year notice of consent status (Network Act article 50).

`record_opt_out(actor, member_id, channel, via)` (an operator recording a call to the 080
number, or the unsubscribe link with actor None) withdraws the consent at once
(MarketingConsent granted=false, changed_at now), writes an OptOut, excludes the member's
QUEUED advertising messages on that channel (dispatch also checks consent again at send time)
and tells the member the result by an informational message on that channel.

`consent_notice_job` (daily) sends every member whose granted consent changed, or who was last
notified, two years ago or more the informational notice of their consent status, per channel,
and records notified_at once the notice went.

Both kinds of message go through kupon's own informational campaigns (one per purpose and
channel, targets {"system": purpose}), so they are recorded, rate-limited and charged like any
message and appear in the statistics; they are sent even when the credit is short, as the law
requires them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from gql.resolvers.access import Actor, require_change_shop, require_read_shop
from gql.resolvers.audit import record_change
from gql.resolvers.campaign_dispatch import SYSTEM_KEY, exclude
from gql.resolvers.campaign_scheduler import submit_dispatch
from gql.resolvers.errors import Refused
from gql.resolvers.message_render import read_unsubscribe_token
from gql.resolvers.pagination import Page, PageRequest, paginate
from gql.resolvers.raw_sql import execute, fetch, sql_instant
from kupon.jobs import JobRun, job_function
from kupon.privacy import mask_phone
from kupon.timeutil import now_utc, seoul_day_start_utc
from models.activity import ConsentChannel, MarketingConsent
from models.campaigns import (
    Campaign,
    CampaignChannel,
    CampaignMessage,
    CampaignRun,
    CampaignStatus,
    ComplianceEvent,
    MessageStatus,
    MessageType,
    OptOut,
    RunStatus,
    ScheduleKind,
)
from models.members import Member

OPT_OUT_RESULT = "OPT_OUT_RESULT"
CONSENT_NOTICE = "CONSENT_NOTICE"
OPT_OUT_CHANNELS = (ConsentChannel.SMS, ConsentChannel.KAKAO, ConsentChannel.EMAIL)
VIAS = ("LINK", "CALL_080")
# Informational messages go by alimtalk on Kakao (friendtalk is for advertising).
CHANNEL_FOR_CONSENT = {ConsentChannel.SMS: CampaignChannel.SMS, ConsentChannel.KAKAO: CampaignChannel.ALIMTALK,
                       ConsentChannel.EMAIL: CampaignChannel.EMAIL}
CAMPAIGN_CHANNELS_OF = {ConsentChannel.SMS: ("SMS",), ConsentChannel.KAKAO: ("FRIENDTALK", "ALIMTALK"),
                        ConsentChannel.EMAIL: ("EMAIL",)}
CHANNEL_KO = {ConsentChannel.SMS: "문자(SMS)", ConsentChannel.KAKAO: "카카오톡", ConsentChannel.EMAIL: "이메일"}
TEXTS = {
    OPT_OUT_RESULT: ("[{{shop}}] 수신거부 처리 결과 안내", "{{name}}님, 요청하신 {channel} 광고성 정보 수신거부가 "
                     "처리되었습니다. 앞으로 {shop_channel} 광고성 정보를 보내드리지 않습니다."),
    CONSENT_NOTICE: ("[{{shop}}] 광고성 정보 수신동의 현황 안내", "{{name}}님은 {{shop}}의 {channel} 광고성 정보 "
                     "수신에 동의하신 상태입니다. 정보통신망법에 따라 2년마다 수신동의 여부를 안내해 드립니다. "
                     "수신을 원하지 않으시면 {withdraw}"),
}
NOTICE_EVERY_YEARS = 2


def _text(purpose: str, consent: ConsentChannel) -> tuple[str, str]:
    subject, body = TEXTS[purpose]
    withdraw = "아래 링크에서 수신거부하실 수 있습니다." if consent == ConsentChannel.EMAIL else \
        "무료 수신거부 {opt_out}로 연락해 주세요."
    return subject.format(), body.format(channel=CHANNEL_KO[consent], shop_channel=f"{CHANNEL_KO[consent]}로",
                                         withdraw=withdraw)


async def system_campaign(purpose: str, consent: ConsentChannel) -> Campaign:
    """kupon's own informational campaign for a purpose and channel (created on first use)."""
    channel = CHANNEL_FOR_CONSENT[consent]
    found = await _find_system(purpose, channel)
    if found:
        return found
    subject, text = _text(purpose, consent)
    name = f"[kupon] {subject.replace('[{shop}] ', '')} ({CHANNEL_KO[consent]})"
    return await Campaign.create(name=name, message_type=MessageType.INFORMATIONAL, channel=channel, subject=subject,
                                 text=text, targets={SYSTEM_KEY: purpose}, schedule=ScheduleKind.NOW,
                                 status=CampaignStatus.DONE)


async def _find_system(purpose: str, channel: CampaignChannel) -> Campaign | None:
    for campaign in await Campaign.filter(channel=channel, message_type=MessageType.INFORMATIONAL,
                                          status=CampaignStatus.DONE, name__startswith="[kupon] "):
        if (campaign.targets or {}).get(SYSTEM_KEY) == purpose:
            return campaign
    return None


async def _run_for(campaign: Campaign, scheduled_for: datetime) -> CampaignRun:
    """The system campaign's run at that instant: SENDING, as its messages are written here."""
    try:
        return await CampaignRun.create(campaign_id=campaign.id, scheduled_for=scheduled_for,
                                        status=RunStatus.SENDING, started_at=now_utc())
    except IntegrityError:
        return await CampaignRun.get(campaign_id=campaign.id, scheduled_for=scheduled_for)


async def _queue_members(run: CampaignRun, campaign: Campaign, member_filter: str, params: list) -> int:
    """Message rows for the members `member_filter` (a condition on m) selects: QUEUED, or
    EXCLUDED NO_CONTACT; ON CONFLICT keeps a repeat harmless. Returns how many were queued."""
    contact = "m.email" if campaign.channel == CampaignChannel.EMAIL else "m.phone"
    now = now_utc()
    await execute(
        "INSERT INTO campaign_message (run_id, campaign_id, member_id, channel, recipient, subject, text, status, "
        "reason, provider_message_id, price, attempts, queued_at) "
        f"SELECT ?, ?, m.id, ?, {contact}, '', '', CASE WHEN {contact} = '' THEN ? ELSE ? END, "
        f"CASE WHEN {contact} = '' THEN 'NO_CONTACT' ELSE '' END, '', 0, 0, ? FROM member m "
        f"WHERE m.is_active = ? AND {member_filter} ON CONFLICT (run_id, member_id) DO NOTHING",
        run.id, campaign.id, str(campaign.channel), MessageStatus.EXCLUDED.value, MessageStatus.QUEUED.value,
        sql_instant(now), True, *params)
    [(queued,)] = await fetch("SELECT COUNT(*) FROM campaign_message WHERE run_id = ? AND status = ?", run.id,
                              MessageStatus.QUEUED.value)
    await CampaignRun.filter(id=run.id).update(targets=await _count(run.id))
    return int(queued)


async def _count(run_id: int) -> int:
    [(count,)] = await fetch("SELECT COUNT(*) FROM campaign_message WHERE run_id = ?", run_id)
    return int(count)


def _consent_channel(channel: str) -> ConsentChannel:
    try:
        consent = ConsentChannel(channel)
    except ValueError:
        consent = None
    if consent not in OPT_OUT_CHANNELS:
        raise Refused.because("INVALID_OPT_OUT_CHANNEL", "channel")
    return consent


async def record_opt_out(actor: Actor | None, member_id: int, channel: str, via: str = "CALL_080") -> OptOut:
    """Withdraw the member's consent on `channel` (SMS, KAKAO or EMAIL) now; see the module docstring.
    `actor` None: the member through the unsubscribe link."""
    if actor is not None:
        require_change_shop(actor)
    consent = _consent_channel(channel)
    if via not in VIAS:
        raise Refused.because("INVALID_CHOICE", "via")
    member = await Member.get_or_none(id=member_id)
    if member is None:
        raise Refused.because("NOT_FOUND", "member_id")
    now = now_utc()
    async with in_transaction():
        existing = await MarketingConsent.get_or_none(member_id=member_id, channel=consent)
        before = bool(existing and existing.granted)
        if existing:
            await MarketingConsent.filter(id=existing.id).update(granted=False, changed_at=now, source=via)
        else:
            await MarketingConsent.create(member_id=member_id, channel=consent, granted=False, changed_at=now,
                                          source=via)
        opt_out = await OptOut.create(member_id=member_id, channel=consent.value, via=via, at=now)
        if actor is not None:
            await record_change(actor, "member.opt_out", opt_out, before={"granted": before},
                                after={"granted": False, "channel": consent.value, "via": via})
    await exclude(await _queued_advertising(member_id, consent), "NO_CONSENT")
    if before:  # a repeat (the link posted twice, a second call) changes nothing and is not told again
        await _tell_result(opt_out, consent, now)
    return opt_out


async def _queued_advertising(member_id: int, consent: ConsentChannel) -> list[int]:
    channels = CAMPAIGN_CHANNELS_OF[consent]
    rows = await fetch(
        "SELECT cm.id FROM campaign_message cm JOIN campaign c ON c.id = cm.campaign_id WHERE cm.member_id = ? "
        f"AND cm.status = ? AND c.message_type = ? AND c.channel IN ({', '.join('?' * len(channels))})",
        member_id, MessageStatus.QUEUED.value, MessageType.ADVERTISING.value, *channels)
    return [row[0] for row in rows]


async def _tell_result(opt_out: OptOut, consent: ConsentChannel, now: datetime) -> None:
    campaign = await system_campaign(OPT_OUT_RESULT, consent)
    run = await _run_for(campaign, now)
    await _queue_members(run, campaign, "m.id = ?", [opt_out.member_id])
    await submit_dispatch(run)


async def opt_out_by_token(secret_key: str, token: str) -> OptOut:
    """The unsubscribe link: the token names the member and channel (signed, message_render)."""
    found = read_unsubscribe_token(secret_key, token)
    if found is None:
        raise Refused.because("UNSUBSCRIBE_LINK_INVALID")
    member_id, channel = found
    return await record_opt_out(None, member_id, channel, via="LINK")


async def run_finished(run: CampaignRun, campaign: Campaign) -> None:
    """Called by dispatch when a system run ends: record what was sent."""
    purpose = (campaign.targets or {}).get(SYSTEM_KEY)
    sent = "SELECT member_id FROM campaign_message WHERE run_id = ? AND status = ?"
    consent = next(c for c, ch in CHANNEL_FOR_CONSENT.items() if ch == campaign.channel)
    if purpose == CONSENT_NOTICE:
        await execute(f"UPDATE marketing_consent SET notified_at = ? WHERE channel = ? AND member_id IN ({sent})",
                      sql_instant(now_utc()), consent.value, run.id, MessageStatus.SENT.value)
    elif purpose == OPT_OUT_RESULT:
        await execute(f"UPDATE opt_out SET confirmation_sent_at = ? WHERE channel = ? AND at <= ? "
                      f"AND confirmation_sent_at IS NULL AND member_id IN ({sent})",
                      sql_instant(now_utc()), consent.value, sql_instant(run.scheduled_for), run.id,
                      MessageStatus.SENT.value)


def years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


async def send_consent_notices(day: date) -> dict:
    """Queue the two-year notices due on Seoul day `day`, one run per channel; returns counts."""
    due_before = years_before(seoul_day_start_utc(day + timedelta(days=1)), NOTICE_EVERY_YEARS)
    counts = {}
    for consent in OPT_OUT_CHANNELS:
        campaign = await system_campaign(CONSENT_NOTICE, consent)
        run = await _run_for(campaign, seoul_day_start_utc(day))
        queued = await _queue_members(
            run, campaign,
            "m.id IN (SELECT c.member_id FROM marketing_consent c WHERE c.channel = ? AND c.granted = ? "
            "AND COALESCE(c.notified_at, c.changed_at) < ?) AND m.id NOT IN (SELECT p.member_id FROM "
            "campaign_message p WHERE p.campaign_id = ? AND p.status = ? AND p.run_id <> ?)",
            [consent.value, True, sql_instant(due_before), campaign.id, MessageStatus.QUEUED.value, run.id])
        counts[consent.value] = queued
        if queued:
            await ComplianceEvent.create(campaign_id=campaign.id, run_id=run.id, kind="CONSENT_NOTICE_QUEUED",
                                         reason="CONSENT_NOTICE", detail={"members": queued}, at=now_utc())
        await submit_dispatch(run)
    return counts


@dataclass(frozen=True)
class OptOutResult:
    """What an opt-out did: whether the consent is withdrawn now, and how telling the member went:
    SENT, QUEUED, FAILED, NO_CONTACT (nowhere to send it) or NOT_NEEDED (no granted consent
    to withdraw: never given or already withdrawn, so the member is not messaged again)."""

    opt_out: OptOut
    member_name: str
    phone_masked: str
    consent_withdrawn: bool
    confirmation: str


async def recent_opt_outs(actor: Actor, page: PageRequest) -> Page[OptOut]:
    """Opt-outs newest first, with their member (show the phone masked)."""
    require_read_shop(actor)
    return await paginate(OptOut.all().select_related("member").order_by("-at", "-id"), page)


async def opt_out_results(actor: Actor, opt_out_ids: list[int]) -> list[OptOutResult]:
    require_read_shop(actor)
    found = await OptOut.filter(id__in=opt_out_ids).select_related("member").order_by("id")
    return [await _result(o) for o in found]


async def _result(opt_out: OptOut) -> OptOutResult:
    consent = ConsentChannel(opt_out.channel)
    current = await MarketingConsent.get_or_none(member_id=opt_out.member_id, channel=consent)
    confirmation = "SENT" if opt_out.confirmation_sent_at else "NOT_NEEDED"
    campaign = await _find_system(OPT_OUT_RESULT, CHANNEL_FOR_CONSENT[consent])
    if campaign is not None and not opt_out.confirmation_sent_at:
        message = await CampaignMessage.get_or_none(run__campaign_id=campaign.id, run__scheduled_for=opt_out.at,
                                                    member_id=opt_out.member_id)
        if message is not None:
            status = MessageStatus(message.status)
            confirmation = message.reason if status == MessageStatus.EXCLUDED and message.reason else status.value
    member = opt_out.member
    return OptOutResult(opt_out, member.name, mask_phone(member.phone),
                        consent_withdrawn=bool(current and not current.granted), confirmation=confirmation)


@job_function("campaigns.consent_notice", daily=True)
async def consent_notice_job(job: JobRun) -> dict:
    return await send_consent_notices(date.fromisoformat(job.params["day"]))
