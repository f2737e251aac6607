"""The job that sends one campaign run's messages (campaign_scheduler starts and resumes it).

A dispatch job (`dispatch_run`) selects the targets once (campaign_targets) and sends the QUEUED
messages in batches: for each batch it reads the members again (consent is checked again at
send time: an opt-out since selection excludes the message), charges the credit (message_credit:
a run that would overdraw it pauses, CREDIT_EXHAUSTED), sends with bounded concurrency through
a token bucket per provider, and records the outcomes of the batch in one transaction. The
night-time ban is checked for each advertising message right before it goes (20:59:59 goes,
21:00:00 does not) unless the member gave the NIGHT consent; the run then stops DEFERRED until
08:00 with a ComplianceEvent. Transient failures wait (Backoff) with next_attempt_at and are
retried up to MAX_ATTEMPTS; permanent ones fail with the provider's reason code and are
refunded. A Kakao message can fall back to SMS when the campaign says so (advertising only to
members who also consented to SMS).

Exactly once per member and run, across a worker killed at any point:
- The row (run, member) is unique, so a member has one message per run, however often the
  selection is repeated.
- The provider gets the idempotency key `run-<run>:member-<member>`, the same on every attempt.
  A worker killed after the gateway accepted a message but before its batch was recorded leaves
  the row QUEUED; the next job sends it again with the same key and the gateway answers with the
  first message id without delivering again, and then the row is marked SENT.
- So no "SENDING" mark is written before a send: it would cost a write per message and still
  could not tell whether the gateway got the request (a timeout is just as ambiguous); the key
  is what settles it. The row stays QUEUED until the outcome is known.
- The charge is taken before sending and marked on the row (`price`), so a re-send after a crash
  is not charged twice; a message that fails for good is refunded.
- E-mail has no gateway to dedupe: SMTP servers accept a re-send. After a crash between the
  server's acceptance and the record, an e-mail may be sent twice with the same Message-ID
  (derived from the key), which mail clients show once. That window is one batch.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from gql.resolvers.ad_rules import CONSENT_FOR_CHANNEL, in_night_ban, next_allowed, night_ban_applies
from gql.resolvers.campaign_targets import count_targets, select_targets
from gql.resolvers.message_credit import charge_rows, credit_balance, hold, refund
from gql.resolvers.message_render import coupon_download_url, render
from gql.resolvers.messaging_settings import MessagingSettings, load_messaging_settings, provider_of
from gql.resolvers.raw_sql import execute_many, fetch, sql_instant
from kupon.jobs import JobRun, job_function
from kupon.messaging import (
    Backoff,
    Channel,
    OutboundMessage,
    PermanentSendError,
    Providers,
    SendError,
    SmsKind,
    TransientSendError,
    measure_sms,
)
from kupon.settings import Settings
from kupon.timeutil import now_utc
from models.activity import ConsentChannel
from models.campaigns import (
    Campaign,
    CampaignChannel,
    CampaignMessage,
    CampaignRun,
    CampaignStatus,
    ComplianceEvent,
    CreditKind,
    MessageStatus,
    MessageType,
    RunStatus,
)

DISPATCH_JOB = "campaigns.dispatch"
BATCH_SIZE = 500
CONCURRENCY = 32
MAX_ATTEMPTS = 5
WAIT_IN_JOB = timedelta(seconds=20)  # shorter retry waits are slept in the job; longer ones end it
BACKOFF = Backoff(base_seconds=2.0, cap_seconds=600.0)
SYSTEM_KEY = "system"  # Campaign.targets["system"]: kupon's own informational campaigns (opt_out.py)


# --- sending one run --------------------------------------------------------------------------

class TokenBucket:
    """`rate` sends a second with bursts of up to `rate`, shared by every run of this process."""

    def __init__(self, rate: float) -> None:
        self.rate = max(float(rate), 0.001)
        self.tokens = self.rate
        self.at = time.monotonic()
        self.lock = asyncio.Lock()

    async def take(self) -> None:
        async with self.lock:
            while True:
                clock = time.monotonic()
                self.tokens = min(self.rate, self.tokens + (clock - self.at) * self.rate)
                self.at = clock
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                await asyncio.sleep((1 - self.tokens) / self.rate)


_BUCKETS: dict[str, TokenBucket] = {}


def bucket(provider: str, rate: int) -> TokenBucket:
    found = _BUCKETS.get(provider)
    if found is None or found.rate != rate:
        found = _BUCKETS[provider] = TokenBucket(rate)
    return found


@dataclass
class Recipient:
    """A QUEUED message with what rendering and the rules need about its member."""

    message_id: int
    member_id: int
    to: str
    price: int
    attempts: int
    name: str
    grade: str
    consented: bool
    night: bool
    sms_consented: bool
    points: int = 0

    @property
    def id(self) -> int:
        return self.member_id


@dataclass
class Outcome:
    recipient: Recipient
    status: str  # SENT, FAILED, RETRY, WAIT (the night-time ban began: left QUEUED, sent at 08:00)
    text: str = ""
    subject: str = ""
    channel: str = ""
    message_id: str = ""
    reason: str = ""
    retry_at: datetime | None = None
    price: int = 0


@dataclass
class Sending:
    """What one dispatch job knows about its run."""

    run: CampaignRun
    campaign: Campaign
    shop: MessagingSettings
    providers: Providers
    advertising: bool
    night_ban: bool
    system: bool
    counts: dict[str, int] = field(default_factory=lambda: {"sent": 0, "failed": 0, "excluded": 0})


def _flag(value) -> bool:
    return bool(value) and value not in (0, "0", "f", "false")


async def due_batch(sending: Sending, now: datetime, night_only: bool = False) -> list[Recipient]:
    """Up to BATCH_SIZE due QUEUED messages with their members, read now (consent as of now);
    `night_only`: only members with the NIGHT consent (during the night-time ban)."""
    campaign = sending.campaign
    consent = CONSENT_FOR_CHANNEL[CampaignChannel(campaign.channel)].value
    points = "{points}" in (campaign.text or "")
    points_sql = ("COALESCE((SELECT SUM(CASE WHEN pe.kind = 'EARN' THEN pe.amount ELSE -pe.amount END) "
                  "FROM point_entry pe WHERE pe.member_id = m.id), 0)") if points else "0"
    consent_sql = ("EXISTS (SELECT 1 FROM marketing_consent c WHERE c.member_id = m.id AND c.channel = ? "
                   "AND c.granted = ?)")
    rows = await fetch(
        f"SELECT cm.id, m.id, cm.recipient, cm.price, cm.attempts, m.name, m.grade, {consent_sql}, {consent_sql}, "
        f"{consent_sql}, {points_sql} FROM campaign_message cm JOIN member m ON m.id = cm.member_id "
        "WHERE cm.run_id = ? AND cm.status = ? AND (cm.next_attempt_at IS NULL OR cm.next_attempt_at <= ?) "
        f"{'AND ' + consent_sql.replace('c.', 'n.').replace(' c ', ' n ') if night_only else ''}"
        "ORDER BY cm.id LIMIT ?",
        consent, True, ConsentChannel.NIGHT.value, True, ConsentChannel.SMS.value, True,
        sending.run.id, MessageStatus.QUEUED.value, sql_instant(now),
        *([ConsentChannel.NIGHT.value, True] if night_only else []), BATCH_SIZE)
    return [Recipient(r[0], r[1], r[2], r[3], r[4], r[5], r[6], _flag(r[7]), _flag(r[8]), _flag(r[9]), int(r[10]))
            for r in rows]


def _outbound(sending: Sending, recipient: Recipient, now: datetime) -> tuple[OutboundMessage, int]:
    """The message to hand to the provider, and its price (LMS when an SMS is long)."""
    campaign = sending.campaign
    rendered = render(campaign, recipient, campaign.channel, sending.shop, now)
    channel = Channel(campaign.channel)
    if channel == Channel.SMS and measure_sms(rendered.text).kind == SmsKind.LMS:
        channel = Channel.LMS
    to = recipient.to if channel == Channel.EMAIL else recipient.to.replace("-", "")
    message = OutboundMessage(
        channel=channel, to=to, text=rendered.text, subject=rendered.subject,
        idempotency_key=f"run-{sending.run.id}:member-{recipient.member_id}", buttons=rendered.buttons,
        unsubscribe_url=rendered.unsubscribe_url)
    return message, sending.shop.price(channel.value)


async def _send_one(sending: Sending, recipient: Recipient, message: OutboundMessage,
                    semaphore: asyncio.Semaphore) -> Outcome:
    base = {"text": message.text, "subject": message.subject, "channel": message.channel.value}
    if sending.advertising and sending.night_ban and not recipient.night and in_night_ban(now_utc()):
        return Outcome(recipient, "WAIT", **base)
    fallback = sending.campaign.fallback_to_sms and (recipient.sms_consented or not sending.advertising)
    async with semaphore:
        await bucket(provider_of(message.channel.value), sending.shop.rate(message.channel.value)).take()
        try:
            result = await sending.providers.send_with_fallback(message, fallback_to_sms=fallback)
        except TransientSendError as error:
            return _retry_or_fail(recipient, error, base)
        except PermanentSendError as error:
            return Outcome(recipient, "FAILED", reason=error.reason_code, **base)
    price = sending.shop.price(result.channel.value) if result.channel != message.channel else recipient.price
    base["channel"] = result.channel.value
    # After a Kakao-to-SMS fallback the reason says why Kakao was not used (e.g. NO_KAKAOTALK).
    return Outcome(recipient, "SENT", message_id=result.message_id, price=price, reason=result.fallback_reason or "",
                   **base)


def _retry_or_fail(recipient: Recipient, error: SendError, base: dict) -> Outcome:
    attempt = recipient.attempts + 1
    if attempt >= MAX_ATTEMPTS:
        return Outcome(recipient, "FAILED", reason=error.reason_code, **base)
    retry_at = now_utc() + timedelta(seconds=BACKOFF.delay(error, attempt))
    return Outcome(recipient, "RETRY", reason=error.reason_code, retry_at=retry_at, **base)


async def record(sending: Sending, outcomes: list[Outcome]) -> None:
    """The batch's outcomes in one transaction: SENT with the provider's id (and the price of the
    channel actually used), FAILED refunded, retries with their next attempt."""
    now = now_utc()
    sent = [o for o in outcomes if o.status == "SENT"]
    failed = [o for o in outcomes if o.status == "FAILED"]
    retry = [o for o in outcomes if o.status == "RETRY"]
    async with in_transaction():
        await execute_many(
            "UPDATE campaign_message SET status = ?, channel = ?, text = ?, subject = ?, provider_message_id = ?, "
            "attempts = attempts + 1, sent_at = ?, reason = ?, next_attempt_at = NULL WHERE id = ?",
            [(MessageStatus.SENT.value, o.channel, o.text, o.subject[:200], o.message_id, sql_instant(now), o.reason,
              o.recipient.message_id) for o in sent])
        await _adjust_prices(sent, now)
        await execute_many(
            "UPDATE campaign_message SET status = ?, channel = ?, text = ?, subject = ?, reason = ?, "
            "attempts = attempts + 1, next_attempt_at = NULL WHERE id = ?",
            [(MessageStatus.FAILED.value, o.channel, o.text, o.subject[:200], o.reason[:64], o.recipient.message_id)
             for o in failed])
        await refund([o.recipient.message_id for o in failed], now)
        await execute_many(
            "UPDATE campaign_message SET reason = ?, attempts = attempts + 1, next_attempt_at = ? WHERE id = ?",
            [(o.reason[:64], sql_instant(o.retry_at), o.recipient.message_id) for o in retry])
        if sent or failed:
            await CampaignRun.filter(id=sending.run.id).update(sent=F("sent") + len(sent),
                                                               failed=F("failed") + len(failed))
    sending.run.sent += len(sent)
    sending.run.failed += len(failed)


async def _adjust_prices(sent: list[Outcome], now: datetime) -> None:
    """A fallback to SMS/LMS costs what that channel costs: charge or refund the difference."""
    more = [(o.recipient.message_id, o.price - o.recipient.price) for o in sent if o.price > o.recipient.price]
    less = [(o.recipient.message_id, o.recipient.price - o.price) for o in sent if o.price < o.recipient.price]
    await charge_rows(more, now)
    await charge_rows(less, now, CreditKind.REFUND)
    await execute_many("UPDATE campaign_message SET price = ? WHERE id = ?",
                       [(o.price, o.recipient.message_id) for o in sent if o.price != o.recipient.price])


async def exclude(message_ids: list[int], reason: str) -> None:
    """QUEUED messages that must not go any more (consent withdrawn, run cancelled): EXCLUDED and
    refunded; any of them sent in the meantime stays as it is."""
    if not message_ids:
        return
    marks = ", ".join("?" * len(message_ids))
    async with in_transaction():
        still = [row[0] for row in await fetch(f"SELECT id FROM campaign_message WHERE id IN ({marks}) AND status = ?",
                                               *message_ids, MessageStatus.QUEUED.value)]
        await refund(still, now_utc())
        await execute_many("UPDATE campaign_message SET status = ?, reason = ? WHERE id = ? AND status = ?",
                           [(MessageStatus.EXCLUDED.value, reason, i, MessageStatus.QUEUED.value) for i in still])


async def send_batch(sending: Sending, batch: list[Recipient]) -> dict[str, int]:
    """Send one batch; "unaffordable": how many the credit did not cover (not sent, not charged)."""
    now = now_utc()
    if sending.advertising:
        await exclude([r.message_id for r in batch if not r.consented], "NO_CONSENT")
        batch = [r for r in batch if r.consented]
    prepared = [(r, *_outbound(sending, r, now)) for r in batch]
    to_charge = [(r.message_id, price) for r, _, price in prepared if r.price == 0]
    charged = set(await hold(to_charge, now, unlimited=sending.system))
    ready = []
    for recipient, message, price in prepared:
        if recipient.price == 0 and recipient.message_id in charged:
            recipient.price = price
        if recipient.price > 0 or price == 0:
            ready.append((recipient, message))
    semaphore = asyncio.Semaphore(CONCURRENCY)
    outcomes = await asyncio.gather(*(_send_one(sending, r, m, semaphore) for r, m in ready))
    await record(sending, list(outcomes))
    return {"unaffordable": len(prepared) - len(ready)}


async def _event(sending: Sending, kind: str, reason: str, **detail) -> None:
    await ComplianceEvent.create(campaign_id=sending.campaign.id, run_id=sending.run.id, kind=kind, reason=reason,
                                 detail=detail, at=now_utc())


async def _set_run(run: CampaignRun, **changes) -> None:
    for name, value in changes.items():
        setattr(run, name, value)
    await CampaignRun.filter(id=run.id).update(**changes)


async def defer(sending: Sending, now: datetime) -> dict:
    resume_at = next_allowed(now)
    await _set_run(sending.run, status=RunStatus.DEFERRED, resume_at=resume_at)
    await _event(sending, "RUN_DEFERRED", "NIGHT_BAN", resume_at=resume_at.isoformat())
    return {"status": RunStatus.DEFERRED.value, "resume_at": resume_at.isoformat()}


async def pause_for_credit(sending: Sending) -> dict:
    await _set_run(sending.run, status=RunStatus.PAUSED, pause_reason="CREDIT_EXHAUSTED")
    await _event(sending, "RUN_PAUSED", "CREDIT_EXHAUSTED", balance=await credit_balance())
    return {"status": RunStatus.PAUSED.value}


async def finish(sending: Sending) -> dict:
    run, campaign = sending.run, sending.campaign
    await count_targets(run)
    await _set_run(run, status=RunStatus.DONE, finished_at=now_utc(), resume_at=None)
    if campaign.status == CampaignStatus.RUNNING:
        await Campaign.filter(id=campaign.id, status=CampaignStatus.RUNNING).update(status=CampaignStatus.DONE)
    if sending.system:
        from gql.resolvers.opt_out import run_finished  # it sends through this module

        await run_finished(run, campaign)
    return {"status": RunStatus.DONE.value, "sent": run.sent, "failed": run.failed}


async def cancel_run(run: CampaignRun) -> None:
    """Stop a run whose campaign was cancelled: its QUEUED messages are excluded and refunded."""
    ids = [row[0] for row in await fetch("SELECT id FROM campaign_message WHERE run_id = ? AND status = ?",
                                         run.id, MessageStatus.QUEUED.value)]
    await exclude(ids, "CAMPAIGN_NOT_SENDING")
    await CampaignRun.filter(id=run.id).update(status=RunStatus.CANCELLED, finished_at=now_utc())


async def _prepared_campaign(campaign: Campaign, shop: MessagingSettings) -> Campaign:
    """The coupon block with its download URL filled in from the coupon's token."""
    block = dict(campaign.coupon_block or {})
    if block and not block.get("url") and block.get("coupon_id"):
        block["url"] = await coupon_download_url(block["coupon_id"], shop)
        campaign.coupon_block = block
    return campaign


async def dispatch_run(run_id: int, providers: Providers, secret_key: str, progress=None) -> dict:
    """Select the run's targets (once) and send its QUEUED messages until it is done, deferred
    (night-time ban), paused (credit) or waiting for retries. Safe to run again at any point."""
    run = await CampaignRun.get(id=run_id)
    campaign = await Campaign.get(id=run.campaign_id)
    if run.status in (RunStatus.DONE, RunStatus.CANCELLED):
        return {"status": run.status.value}
    if campaign.status == CampaignStatus.CANCELLED:
        await cancel_run(run)
        return {"status": RunStatus.CANCELLED.value}
    shop = await load_messaging_settings(secret_key)
    sending = Sending(run, await _prepared_campaign(campaign, shop), shop, providers,
                      advertising=campaign.message_type == MessageType.ADVERTISING,
                      night_ban=night_ban_applies(campaign.channel, shop.night_ban_email),
                      system=SYSTEM_KEY in (campaign.targets or {}))
    if run.status == RunStatus.PLANNED:
        await select_targets(run, campaign, now_utc())
        await _set_run(run, status=RunStatus.SENDING, started_at=run.started_at or now_utc())
    elif run.status != RunStatus.SENDING:
        await _set_run(run, status=RunStatus.SENDING, resume_at=None, pause_reason="")
    if sending.advertising and campaign.channel != CampaignChannel.EMAIL and not shop.opt_out_number:
        return await _refuse_without_opt_out_number(sending)
    return await _send_all(sending, progress)


async def _send_all(sending: Sending, progress) -> dict:
    while True:
        if await Campaign.filter(id=sending.campaign.id, status=CampaignStatus.CANCELLED).exists():
            await cancel_run(sending.run)
            return {"status": RunStatus.CANCELLED.value}
        now = now_utc()
        banned = sending.advertising and sending.night_ban and in_night_ban(now)
        batch = await due_batch(sending, now, night_only=banned)
        if not batch:
            if banned and await _queued(sending):
                return await defer(sending, now)
            return await _no_batch(sending)
        counts = await send_batch(sending, batch)
        if progress is not None:
            await progress(sending.run.sent + sending.run.failed, sending.run.targets)
        if counts["unaffordable"]:
            return await pause_for_credit(sending)


async def _queued(sending: Sending) -> int:
    [(count,)] = await fetch("SELECT COUNT(*) FROM campaign_message WHERE run_id = ? AND status = ?",
                             sending.run.id, MessageStatus.QUEUED.value)
    return int(count)


async def _no_batch(sending: Sending) -> dict:
    """Nothing due: done, or waiting for retries (the scheduler resumes the run at resume_at)."""
    if not await _queued(sending):
        return await finish(sending)
    [(earliest,)] = await fetch("SELECT MIN(next_attempt_at) FROM campaign_message WHERE run_id = ? AND status = ?",
                                sending.run.id, MessageStatus.QUEUED.value)
    earliest = CampaignMessage._meta.fields_map["next_attempt_at"].to_python_value(earliest)
    await _set_run(sending.run, resume_at=earliest)
    return {"status": RunStatus.SENDING.value, "resume_at": earliest.isoformat() if earliest else None}


async def _refuse_without_opt_out_number(sending: Sending) -> dict:
    ids = [row[0] for row in await fetch("SELECT id FROM campaign_message WHERE run_id = ? AND status = ?",
                                         sending.run.id, MessageStatus.QUEUED.value)]
    async with in_transaction():
        await refund(ids, now_utc())
        await execute_many("UPDATE campaign_message SET status = ?, reason = ? WHERE id = ?",
                           [(MessageStatus.FAILED.value, "OPT_OUT_NUMBER_MISSING", i) for i in ids])
        await CampaignRun.filter(id=sending.run.id).update(failed=F("failed") + len(ids))
    sending.run.failed += len(ids)
    await _event(sending, "RUN_REFUSED", "OPT_OUT_NUMBER_MISSING")
    return await finish(sending)


@job_function(DISPATCH_JOB)
async def dispatch_job(job: JobRun) -> dict:
    settings = Settings.from_env()
    async with Providers.from_settings(settings) as providers:
        return await dispatch_run(int(job.params["run_id"]), providers, settings.secret_key, job.progress)
