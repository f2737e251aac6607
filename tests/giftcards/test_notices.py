"""Notices of failed gift-card redemptions (signed webhook, e-mail, retries with backoff) and gift
cards sent by e-mail, against a real SMTP server (aiosmtpd) and an HTTP receiver on loopback."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from gql.resolvers.access import operator_actor
from gql.resolvers.errors import Refused
from gql.resolvers.giftcard_mail import send_gift_card
from gql.resolvers.giftcards import redeem_at_counter
from gql.resolvers.notices import deliver_due_notices, queue_notice
from kupon import jobs
from kupon.settings import Settings
from kupon.throwaway_postgres import free_port
from kupon.timeutil import now_utc
from models.access import Role
from models.audit import AuditEntry
from models.giftcards import GiftCard, GiftCardCampaign
from models.jobs import Job
from models.notices import Notice, NoticeChannel, NoticeStatus
from tests.conftest import graphql
from tests.factories import make_operator
from tests.members.test_members_graphql import operator_session

SECRET = "whsec-test-only"
NOTICE_VARS = ["KUPON_WEBHOOK_URL", "KUPON_WEBHOOK_SECRET", "KUPON_NOTICE_EMAIL", "KUPON_SMTP_HOST",
               "KUPON_SMTP_PORT", "KUPON_SMTP_FROM", "KUPON_SMTP_USER", "KUPON_SMTP_PASSWORD", "KUPON_SMTP_STARTTLS"]
WAIT = 10  # seconds: the longest any test waits for a server or a runner


class Inbox:
    """aiosmtpd handler: keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), ready_timeout=WAIT)
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A minimal HTTP/1.1 server: records each request and answers with `status`."""

    status: int = 200
    requests: list[Received] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/kupon"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(WAIT):
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
                headers = dict((k.strip().lower(), v.strip()) for k, v in
                               (line.split(":", 1) for line in head[1:] if line))
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                self.requests.append(Received(head[0].split(" ")[1], headers, body))
                writer.write(f"HTTP/1.1 {self.status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
                await writer.drain()
        finally:
            writer.close()


@pytest.fixture
async def receiver():
    found = Receiver()
    server = await asyncio.start_server(found.handle, "127.0.0.1", 0)
    found.port = server.sockets[0].getsockname()[1]
    yield found
    server.close()
    await server.wait_closed()


@pytest.fixture
def configure(monkeypatch):
    """Set the notice and SMTP settings through the environment, as in production."""
    for name in NOTICE_VARS:
        monkeypatch.delenv(name, raising=False)

    def apply(webhook_url: str | None = None, smtp_port: int | None = None, notice_email: str = "ops@shop.test"):
        if webhook_url:
            monkeypatch.setenv("KUPON_WEBHOOK_URL", webhook_url)
            monkeypatch.setenv("KUPON_WEBHOOK_SECRET", SECRET)
        if smtp_port:
            monkeypatch.setenv("KUPON_SMTP_HOST", "127.0.0.1")
            monkeypatch.setenv("KUPON_SMTP_PORT", str(smtp_port))
            monkeypatch.setenv("KUPON_SMTP_FROM", "kupon@shop.test")
            monkeypatch.setenv("KUPON_NOTICE_EMAIL", notice_email)

    return apply


async def make_card(value: int = 50_000, **campaign_fields) -> GiftCard:
    campaign = await GiftCardCampaign.create(**{"name": "설 선물세트", "value": value, "code_prefix": "GC",
                                                **campaign_fields})
    return await GiftCard.create(campaign=campaign, code="GCABCD2345EFGH", initial_value=value, balance=value)


async def fail_a_redemption(card: GiftCard) -> None:
    actor = operator_actor(await make_operator(Role.OPERATOR))
    with pytest.raises(Refused) as refused:
        await redeem_at_counter(actor, card.code, card.balance + 1)
    assert refused.value.codes == ["INSUFFICIENT_BALANCE"]


def signature_ok(request: Received) -> bool:
    """What the README tells a receiver to do."""
    timestamp = request.headers["x-kupon-timestamp"]
    expected = "sha256=" + hmac.new(SECRET.encode(), timestamp.encode() + b"." + request.body,
                                    hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, request.headers["x-kupon-signature"])


async def make_due(notice_id: int) -> None:
    await Notice.filter(id=notice_id).update(next_attempt_at=now_utc() - timedelta(seconds=1))


async def test_a_failed_redemption_is_posted_signed_and_mailed(db, app, configure, smtp, receiver):
    configure(webhook_url=receiver.url, smtp_port=smtp.port)
    card = await make_card()
    await fail_a_redemption(card)
    await app.state.job_runner.run_pending()

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request.path == "/hooks/kupon" and signature_ok(request)
    assert request.headers["x-kupon-event"] == "giftcard.redemption_failed"
    sent = json.loads(request.body)
    assert sent["event"] == "giftcard.redemption_failed" and str(sent["id"]) == request.headers["x-kupon-delivery"]
    assert {k: sent["data"][k] for k in ("code", "amount", "reason", "source", "order_id")} == {
        "code": "**********EFGH", "amount": 50_001, "reason": "INSUFFICIENT_BALANCE", "source": "COUNTER",
        "order_id": None}
    assert sent["data"]["at"]

    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert mail["To"] == "ops@shop.test" and mail["From"] == "kupon@shop.test"
    assert "INSUFFICIENT_BALANCE" in mail["Subject"] and "기프트카드 사용 실패" in mail["Subject"]
    text = mail.get_content()
    assert "기프트카드 잔액이 부족합니다." in text and "The gift card balance is too low." in text
    assert "**********EFGH" in text and card.code not in text and "50,001원" in text

    notices = await Notice.all().order_by("id")
    assert [(n.channel, n.status, n.attempts) for n in notices] == [
        (NoticeChannel.WEBHOOK, NoticeStatus.SENT, 1), (NoticeChannel.EMAIL, NoticeStatus.SENT, 1)]
    assert all(n.sent_at and n.next_attempt_at is None for n in notices)


async def test_nothing_is_queued_without_a_channel(db, app, configure):
    configure()
    await fail_a_redemption(await make_card())
    assert await Notice.all().count() == 0 and await Job.filter(kind="notices.deliver").count() == 0


async def test_a_failing_receiver_is_tried_again_later(db, app, configure, receiver):
    configure(webhook_url=receiver.url)
    receiver.status = 500
    await fail_a_redemption(await make_card())
    await app.state.job_runner.run_pending()
    notice = await Notice.get()
    assert (notice.status, notice.attempts, notice.last_error) == (NoticeStatus.PENDING, 1, "RuntimeError: HTTP 500 "
                                                                   "from the webhook")
    assert timedelta(seconds=50) < notice.next_attempt_at - now_utc() <= timedelta(minutes=1)

    assert await deliver_due_notices() == 0  # not due yet
    receiver.status = 204
    await make_due(notice.id)
    assert await deliver_due_notices() == 1
    await notice.refresh_from_db()
    assert (notice.status, notice.attempts, notice.last_error) == (NoticeStatus.SENT, 2, "")
    assert len(receiver.requests) == 2 and all(signature_ok(r) for r in receiver.requests)
    assert await deliver_due_notices() == 0  # sent once, never again


async def test_a_notice_is_given_up_after_six_attempts_with_growing_waits(db, app, configure):
    configure(webhook_url=f"http://127.0.0.1:{free_port()}/nobody-listens")
    [notice] = await queue_notice("giftcard.redemption_failed", {"reason": "GIFT_CARD_UNKNOWN"})
    await app.state.job_runner.run_pending()
    waits = []
    for _ in range(5):
        await notice.refresh_from_db()
        assert notice.status == NoticeStatus.PENDING and "Connect" in notice.last_error
        waits.append(round((notice.next_attempt_at - now_utc()).total_seconds() / 60))
        await make_due(notice.id)
        await deliver_due_notices()
    assert waits == [1, 2, 4, 8, 16]
    await notice.refresh_from_db()
    assert (notice.status, notice.attempts, notice.next_attempt_at) == (NoticeStatus.FAILED, 6, None)
    assert await deliver_due_notices() == 0


async def test_the_running_loop_delivers_due_notices_without_a_new_event(db, app, configure, receiver):
    configure(webhook_url=receiver.url)
    notice = await Notice.create(channel=NoticeChannel.WEBHOOK, event="giftcard.redemption_failed",
                                 payload={"reason": "GIFT_CARD_EXPIRED"}, target=receiver.url,
                                 attempts=1, next_attempt_at=now_utc() - timedelta(seconds=1))
    runner = app.state.job_runner
    runner.start()
    try:
        async with asyncio.timeout(WAIT):
            while (await Notice.get(id=notice.id)).status != NoticeStatus.SENT:
                await asyncio.sleep(0.05)
    finally:
        await runner.stop()
    assert len(receiver.requests) == 1 and signature_ok(receiver.requests[0])


async def test_the_procrastinate_minute_task_delivers_due_notices(db, app, configure, receiver):
    if not db.is_postgres:
        pytest.skip("procrastinate runs on PostgreSQL only")
    configure(webhook_url=receiver.url)
    notice = await Notice.create(channel=NoticeChannel.WEBHOOK, event="giftcard.redemption_failed",
                                 payload={}, target=receiver.url, next_attempt_at=now_utc())
    papp = jobs.procrastinate_app(db.url)
    async with papp.open_async():
        jobs.set_runner(jobs.ProcrastinateRunner(papp))
        try:
            await papp.tasks["kupon.every_minute"].defer_async(timestamp=0)
            await asyncio.wait_for(papp.run_worker_async(queues=["kupon"], wait=False, install_signal_handlers=False,
                                                         listen_notify=False), WAIT * 3)
        finally:
            jobs.set_runner(app.state.job_runner)
    await notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT and len(receiver.requests) == 1


async def test_a_card_is_sent_by_mail_with_its_code_and_qr(db, app, configure, smtp):
    configure(smtp_port=smtp.port)
    card = await make_card(100_000, max_uses=1)
    actor = operator_actor(await make_operator(Role.OPERATOR))
    await send_gift_card(actor, card.id, " Friend@Example.com ", "설 잘 보내세요!")

    [mail] = smtp.messages
    assert mail["To"] == "friend@example.com" and "기프트카드" in mail["Subject"] and "gift card" in mail["Subject"]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert card.code in text and "100,000원" in text and "설 잘 보내세요!" in text and "1회 / Once" in text
    html = mail.get_body(preferencelist=("html",)).get_content()
    [png] = [part for part in mail.walk() if part.get_content_type() == "image/png"]
    assert png.get_content().startswith(b"\x89PNG\r\n\x1a\n") and len(png.get_content()) > 100
    assert f"cid:{png['Content-ID'].strip('<>')}" in html and card.code in html

    entry = await AuditEntry.get(action="giftcard.send")
    assert (entry.entity_type, entry.entity_id, entry.after["email"]) == ("GiftCard", str(card.id),
                                                                          "friend@example.com")


async def test_sending_a_card_is_refused_with_a_reason(db, app, configure, smtp):
    card = await make_card()
    actor = operator_actor(await make_operator(Role.OPERATOR))

    async def refusal(who=actor, email="friend@example.com") -> list[str]:
        with pytest.raises(Refused) as refused:
            await send_gift_card(who, card.id, email)
        return refused.value.codes

    configure()
    assert await refusal() == ["SMTP_NOT_CONFIGURED"]
    configure(smtp_port=smtp.port)
    assert await refusal(email="not an address") == ["INVALID_EMAIL"]
    assert await refusal(email="") == ["REQUIRED"]
    assert await refusal(operator_actor(await make_operator(Role.VIEWER))) == ["FORBIDDEN"]
    configure(smtp_port=free_port())  # nobody listens there
    assert await refusal() == ["MAIL_NOT_SENT"]
    assert smtp.messages == [] and await AuditEntry.filter(action="giftcard.send").count() == 0


SEND = """mutation($id: ID!, $email: String!) { sendGiftCard(cardId: $id, email: $email, message: "축하합니다") {
  card { code } errors { code messageKo } } }"""
NOTICES = """query($status: NoticeStatus) { notices(first: 10, status: $status) {
  totalCount edges { node { channel event status attempts target payload } } } }"""


async def test_send_and_notices_over_graphql(db, app, client, configure, smtp):
    configure(smtp_port=smtp.port)
    card = await make_card()
    await Notice.create(channel=NoticeChannel.WEBHOOK, event="giftcard.redemption_failed",
                        payload={"reason": "GIFT_CARD_UNKNOWN"}, target="http://u:p@127.0.0.1:9/hooks?token=abc",
                        status=NoticeStatus.FAILED, attempts=6)
    await operator_session(client, Role.VIEWER)
    viewer = await graphql(client, SEND, {"id": str(card.id), "email": "friend@example.com"})
    assert viewer["errors"][0]["extensions"]["code"] == "FORBIDDEN" and smtp.messages == []
    listed = (await graphql(client, NOTICES, {"status": "FAILED"}))["data"]["notices"]
    assert listed["totalCount"] == 1
    assert listed["edges"][0]["node"] == {"channel": "WEBHOOK", "event": "giftcard.redemption_failed",
                                          "status": "FAILED", "attempts": 6, "target": "http://127.0.0.1:9/hooks",
                                          "payload": {"reason": "GIFT_CARD_UNKNOWN"}}
    assert (await graphql(client, NOTICES, {"status": "SENT"}))["data"]["notices"]["totalCount"] == 0

    await operator_session(client, Role.OPERATOR)
    sent = (await graphql(client, SEND, {"id": str(card.id), "email": "friend@example.com"}))["data"]["sendGiftCard"]
    assert sent == {"card": {"code": card.code}, "errors": []} and len(smtp.messages) == 1
    bad = (await graphql(client, SEND, {"id": str(card.id), "email": "nope"}))["data"]["sendGiftCard"]
    assert bad["card"] is None and bad["errors"][0]["code"] == "INVALID_EMAIL" and bad["errors"][0]["messageKo"]


def test_secrets_stay_out_of_repr_and_a_webhook_needs_its_secret():
    settings = Settings.from_env({"KUPON_WEBHOOK_URL": "https://hooks.example.com/k", "KUPON_WEBHOOK_SECRET": "s3cr3t",
                                  "KUPON_SMTP_HOST": "smtp.example.com", "KUPON_SMTP_PASSWORD": "pw-123",
                                  "KUPON_SMTP_STARTTLS": "true"})
    assert "s3cr3t" not in repr(settings) and "pw-123" not in repr(settings)
    assert settings.smtp_starttls is True and settings.smtp_port == 587 and not settings.smtp_configured
    with pytest.raises(RuntimeError, match="KUPON_WEBHOOK_SECRET"):
        Settings.from_env({"KUPON_WEBHOOK_URL": "https://hooks.example.com/k"})
