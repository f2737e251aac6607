"""Notices (SPEC section 9): events sent to the operator's webhook and by e-mail, through an outbox.

`queue_notice` writes one Notice per configured channel (KUPON_WEBHOOK_URL, KUPON_NOTICE_EMAIL
with SMTP) and hands delivery to a job ("notices.deliver"). A delivery that fails is tried again
after 1, 2, 4, 8 and 16 minutes by `deliver_due_notices`, which the job runner calls every minute
(kupon.jobs.every_minute), and the notice is given up (FAILED) after MAX_ATTEMPTS.

A deliverer claims a notice with one conditional UPDATE that counts the attempt and moves
`next_attempt_at` ahead by LEASE, so two runners never send it at the same time and a notice
held by a crashed runner is due again after LEASE. Delivery is at least once: a receiver may
see a notice twice and can tell by X-Kupon-Delivery (the notice id).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from collections import Counter
from datetime import datetime, timedelta

import httpx
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from gql.resolvers.access import Actor, ActorKind
from gql.resolvers.errors import REASONS, Refused
from gql.resolvers.pagination import Page, PageRequest, paginate
from kupon import jobs
from kupon.mail import new_message, send_mail
from kupon.settings import Settings
from kupon.timeutil import format_seoul, now_utc
from models.notices import Notice, NoticeChannel, NoticeStatus

log = logging.getLogger("kupon.notices")
DELIVER_JOB = "notices.deliver"
MAX_ATTEMPTS = 6
FIRST_RETRY = timedelta(minutes=1)
# How long a deliverer holds a notice: well over DELIVERY_TIMEOUT_SECONDS.
LEASE = timedelta(minutes=2)
DELIVERY_TIMEOUT_SECONDS = 30
DUE_BATCH = 100

# Subject lines (Korean / English) per event; fields of the payload, labelled for the e-mail.
EVENT_TITLES = {"giftcard.redemption_failed": ("기프트카드 사용 실패", "Gift card redemption failed")}
FIELD_LABELS = {"reason": "사유 / Reason", "code": "코드 / Code", "amount": "금액 / Amount",
                "source": "경로 / Source", "order_id": "주문 / Order", "at": "시각 / At"}


def mask_code(code: str) -> str:
    """All but the last 4 characters hidden; a code of 4 or fewer is hidden entirely."""
    code = code or ""
    return "*" * len(code) if len(code) <= 4 else "*" * (len(code) - 4) + code[-4:]


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """X-Kupon-Signature: HMAC-SHA256 over "<timestamp>.<raw body>" (see README, Webhooks)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


async def queue_notice(event: str, payload: dict) -> list[Notice]:
    """One PENDING notice per configured channel (none configured: none), delivered by a job.
    Returns at once; the notices are in the database before any delivery starts."""
    settings = Settings.from_env()
    targets = []
    if settings.webhook_url:
        targets.append((NoticeChannel.WEBHOOK, settings.webhook_url))
    if settings.notice_email and settings.smtp_configured:
        targets.append((NoticeChannel.EMAIL, settings.notice_email))
    elif settings.notice_email:
        log.warning("KUPON_NOTICE_EMAIL is set but SMTP is not (KUPON_SMTP_HOST, KUPON_SMTP_FROM): no e-mail notice")
    if not targets:
        return []
    now = now_utc()
    async with in_transaction():
        notices = [await Notice.create(channel=channel, event=event, payload=payload, target=target,
                                       next_attempt_at=now) for channel, target in targets]
    try:
        await jobs.enqueue(DELIVER_JOB, {"notice_ids": [n.id for n in notices]})
    except RuntimeError:  # no runner in this process (a script): the every-minute sweep delivers them
        log.warning("no job runner: notices %s wait for the next sweep", [n.id for n in notices])
    return notices


@jobs.job_function(DELIVER_JOB)
async def deliver_queued(run: jobs.JobRun) -> dict:
    """A failed delivery does not fail the job: the notice keeps its own retries."""
    outcomes = Counter()
    for notice_id in run.params.get("notice_ids", []):
        outcome = await deliver_notice(int(notice_id))
        outcomes[outcome.value if outcome else "NOT_DUE"] += 1
    return dict(outcomes)


@jobs.every_minute
async def deliver_due_notices(limit: int = DUE_BATCH) -> int:
    """Deliver the PENDING notices that are due (one indexed query when there are none);
    returns how many were tried."""
    due = await Notice.filter(status=NoticeStatus.PENDING, next_attempt_at__lte=now_utc()).order_by(
        "next_attempt_at", "id").limit(limit).values_list("id", flat=True)
    tried = 0
    for notice_id in due:
        tried += await deliver_notice(notice_id) is not None
    return tried


async def deliver_notice(notice_id: int) -> NoticeStatus | None:
    """One delivery attempt if the notice is due and this caller claims it; its new status, or
    None when it was not due (sent already, or held by another deliverer)."""
    now = now_utc()
    claimable = Q(id=notice_id, status=NoticeStatus.PENDING) & (Q(next_attempt_at=None) | Q(next_attempt_at__lte=now))
    if not await Notice.filter(claimable).update(attempts=F("attempts") + 1, next_attempt_at=now + LEASE):
        return None
    notice = await Notice.get(id=notice_id)
    try:
        async with asyncio.timeout(DELIVERY_TIMEOUT_SECONDS):
            await _deliver(notice, Settings.from_env())
    except Exception as exc:  # any failure is one failed attempt; the notice keeps the error
        error = f"{type(exc).__name__}: {exc}"[:2000]
        log.warning("notice %s (%s) attempt %s failed: %s", notice.id, notice.channel, notice.attempts, error)
        if notice.attempts >= MAX_ATTEMPTS:
            outcome = {"status": NoticeStatus.FAILED, "next_attempt_at": None}
        else:
            outcome = {"next_attempt_at": now_utc() + FIRST_RETRY * 2 ** (notice.attempts - 1)}
        await _settle(notice, last_error=error, **outcome)
        return outcome.get("status", NoticeStatus.PENDING)
    await _settle(notice, status=NoticeStatus.SENT, sent_at=now_utc(), next_attempt_at=None, last_error="")
    return NoticeStatus.SENT


async def _settle(notice: Notice, **changes) -> None:
    """Only while the notice is still this attempt's (not re-claimed after its lease ran out)."""
    await Notice.filter(id=notice.id, status=NoticeStatus.PENDING, attempts=notice.attempts).update(**changes)


async def _deliver(notice: Notice, settings: Settings) -> None:
    if notice.channel == NoticeChannel.WEBHOOK:
        await _post_webhook(notice, settings)
    else:
        message = new_message(settings, notice.target, _subject(notice))
        message.set_content(_mail_text(notice))
        await send_mail(settings, message)


async def _post_webhook(notice: Notice, settings: Settings) -> None:
    if not settings.webhook_secret:
        raise RuntimeError("KUPON_WEBHOOK_SECRET is not set")
    body = json.dumps({"id": notice.id, "event": notice.event, "created_at": notice.created_at.isoformat(),
                       "data": notice.payload}, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "kupon-webhook/1",
               "X-Kupon-Event": notice.event, "X-Kupon-Delivery": str(notice.id),
               "X-Kupon-Timestamp": timestamp, "X-Kupon-Signature": sign(settings.webhook_secret, timestamp, body)}
    async with httpx.AsyncClient(timeout=10, follow_redirects=False) as client:
        response = await client.post(notice.target, content=body, headers=headers)
    if not 200 <= response.status_code < 300:
        raise RuntimeError(f"HTTP {response.status_code} from the webhook")


def _subject(notice: Notice) -> str:
    ko, en = EVENT_TITLES.get(notice.event, ("kupon 알림", "kupon notice"))
    reason = notice.payload.get("reason")
    return f"[kupon] {ko} / {en}" + (f": {reason}" if reason else "")


def _mail_text(notice: Notice) -> str:
    ko, en = EVENT_TITLES.get(notice.event, ("kupon 알림", "kupon notice"))
    lines = [f"{ko}.", f"{en}.", ""]
    for key, value in notice.payload.items():
        if key == "amount" and isinstance(value, int):
            value = f"{value:,}원 (KRW)"
        elif key == "at" and value:
            value = f"{format_seoul(datetime.fromisoformat(value), with_seconds=True)} (Asia/Seoul)"
        elif value is None or value == "":
            value = "-"
        lines.append(f"{FIELD_LABELS.get(key, key)}: {value}")
        if key == "reason" and value in REASONS:
            en_text, ko_text = REASONS[value]
            lines += [f"    {ko_text}", f"    {en_text}"]
    lines += ["", f"kupon #{notice.id} ({notice.event})"]
    return "\n".join(lines) + "\n"


async def list_notices(actor: Actor, status: str | None, page: PageRequest) -> Page[Notice]:
    """Operators of any role (not API keys): delivery status of every notice, newest first."""
    if actor.kind == ActorKind.ANONYMOUS:
        raise Refused.because("UNAUTHENTICATED")
    if not actor.is_operator:
        raise Refused.because("FORBIDDEN")
    query = Notice.all()
    if status:
        try:
            query = query.filter(status=NoticeStatus(status))
        except ValueError:
            raise Refused.because("INVALID_CHOICE", "status") from None
    return await paginate(query.order_by("-id"), page)
