"""SMS/LMS, alimtalk and friendtalk providers against the fake gateway on loopback: signed
requests, timeouts, 5xx, 429, 4xx, idempotent re-sends and the Kakao-to-SMS fallback."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest

from kupon.messaging import (
    Backoff,
    Button,
    Channel,
    OutboundMessage,
    PermanentSendError,
    Providers,
    RateLimited,
    TransientSendError,
)
from kupon.messaging.fake_gateway import running_fake_gateway
from kupon.messaging.http_gateway import SMS_PATH, signed_headers
from kupon.settings import Settings
from kupon.throwaway_postgres import free_port
from tests.messaging.conftest import READ_TIMEOUT, SENDER_KEY, SENDER_NUMBER, gateway_settings

PHONE = "01012345678"
COUPON_URL = "https://shop.test/coupons/download/abc123"


def sms(text: str = "(광고) 가을 쿠폰이 도착했어요", key: str = "run-1:member-1", to: str = PHONE) -> OutboundMessage:
    return OutboundMessage(Channel.SMS, to, text, key)


def friendtalk(key: str = "run-1:member-1", to: str = PHONE) -> OutboundMessage:
    return OutboundMessage(Channel.FRIENDTALK, to, "(광고) 신규 회원 쿠폰을 드려요", key,
                           buttons=(Button("쿠폰 받기", COUPON_URL),))


async def test_signed_sms_is_accepted_and_recorded(providers, gateway):
    result = await providers.send(sms())

    assert result.channel is Channel.SMS and result.fallback_reason is None
    [request] = gateway.delivered()
    assert request.path == SMS_PATH and request.message_id == result.message_id
    assert request.body == {"to": PHONE, "from": SENDER_NUMBER, "text": "(광고) 가을 쿠폰이 도착했어요",
                            "idempotency_key": "run-1:member-1", "kind": "SMS", "subject": ""}


async def test_long_sms_goes_as_lms_and_too_long_is_refused_before_sending(providers, gateway):
    result = await providers.send(OutboundMessage(Channel.SMS, PHONE, "가" * 46, "k-lms", subject="쿠폰"))
    assert result.channel is Channel.LMS
    assert gateway.delivered()[0].body | {"text": ""} == {
        "to": PHONE, "from": SENDER_NUMBER, "text": "", "idempotency_key": "k-lms", "kind": "LMS", "subject": "쿠폰"}

    with pytest.raises(PermanentSendError) as refused:
        await providers.send(sms("가" * 1001, key="k-long"))
    assert refused.value.reason_code == "MESSAGE_TOO_LONG"
    assert len(gateway.requests()) == 1


async def test_kakao_messages_carry_sender_key_template_and_buttons(providers, gateway):
    await providers.send(friendtalk())
    with pytest.raises(PermanentSendError) as refused:
        await providers.send(OutboundMessage(Channel.ALIMTALK, PHONE, "주문이 접수되었어요", "k-alim"))
    assert refused.value.reason_code == "MISSING_FIELD"
    await providers.send(OutboundMessage(Channel.ALIMTALK, PHONE, "주문이 접수되었어요", "k-alim",
                                         template_code="ORDER_01"))

    friend, alim = gateway.delivered()
    assert friend.path == "/v1/kakao/friendtalk" and alim.path == "/v1/kakao/alimtalk"
    assert friend.body["sender_key"] == SENDER_KEY and friend.body["buttons"] == [
        {"name": "쿠폰 받기", "url": COUPON_URL}]
    assert alim.body["template_code"] == "ORDER_01" and alim.body["from"] == SENDER_KEY


async def test_wrong_secret_is_refused_by_the_gateway(gateway):
    async with Providers.from_settings(gateway_settings(gateway, gateway_api_secret="not-the-secret")) as wrong:
        with pytest.raises(PermanentSendError) as refused:
            await wrong.send(sms())
    assert refused.value.reason_code == "BAD_SIGNATURE"
    assert [r.outcome for r in gateway.requests()] == ["bad_signature"]


def test_gateway_refuses_a_tampered_body_and_a_replayed_nonce(gateway):
    body = json.dumps({"to": PHONE, "from": SENDER_NUMBER, "text": "hi", "idempotency_key": "k"}).encode()
    headers = signed_headers(gateway.api_key, gateway.api_secret, "POST", SMS_PATH, body)
    tampered = httpx.post(gateway.url + SMS_PATH, content=body.replace(b"hi", b"ho"), headers=headers)
    assert (tampered.status_code, tampered.json()) == (401, {"code": "BAD_SIGNATURE"})

    headers = signed_headers(gateway.api_key, gateway.api_secret, "POST", SMS_PATH, body)
    assert httpx.post(gateway.url + SMS_PATH, content=body, headers=headers).status_code == 200
    replayed = httpx.post(gateway.url + SMS_PATH, content=body, headers=headers)
    assert (replayed.status_code, replayed.json()) == (401, {"code": "REPLAYED_NONCE"})

    stale = signed_headers(gateway.api_key, gateway.api_secret, "POST", SMS_PATH, body)
    stale["X-Kupon-Timestamp"] = str(int(time.time()) - 3600)
    assert httpx.post(gateway.url + SMS_PATH, content=body, headers=stale).status_code == 401
    assert len(gateway.delivered()) == 1


async def test_timeout_is_transient_and_the_resend_is_not_delivered_twice(providers, gateway):
    gateway.delay(READ_TIMEOUT + 0.5, times=1)
    with pytest.raises(TransientSendError) as late:
        await providers.send(sms())
    assert late.value.reason_code == "TIMEOUT"

    # The gateway accepted it after we stopped waiting, as a real one may.
    for _ in range(100):
        if gateway.delivered():
            break
        await asyncio.sleep(0.05)
    first = gateway.delivered()[0].message_id
    again = await providers.send(sms())
    assert again.message_id == first
    assert len(gateway.delivered()) == 1
    assert [r.outcome for r in gateway.requests()] == ["accepted", "duplicate"]


async def test_connection_refused_is_transient(gateway):
    settings = gateway_settings(gateway, sms_base_url=f"http://127.0.0.1:{free_port()}")
    async with Providers.from_settings(settings) as nowhere:
        with pytest.raises(TransientSendError) as refused:
            await nowhere.send(sms())
    assert refused.value.reason_code == "CONNECTION_FAILED"


async def test_server_error_is_transient_then_the_retry_goes(providers, gateway):
    gateway.fail(503, times=1)
    with pytest.raises(TransientSendError) as failed:
        await providers.send(sms())
    assert failed.value.reason_code == "HTTP_503" and not isinstance(failed.value, RateLimited)
    await providers.send(sms())
    assert [r.outcome for r in gateway.requests()] == ["failed", "accepted"]


async def test_rate_limit_says_how_long_to_wait(providers, gateway):
    gateway.rate_limit(retry_after=7, times=1)
    with pytest.raises(RateLimited) as limited:
        await providers.send(sms())
    assert limited.value.retry_after_seconds == 7
    assert Backoff().delay(limited.value, attempt=1) == 7
    assert 0 <= Backoff(base_seconds=1).delay(TransientSendError("TIMEOUT"), attempt=3) <= 4


async def test_rejected_number_is_permanent_with_the_gateways_code(providers, gateway):
    gateway.reject("01000000000", code="INVALID_NUMBER")
    with pytest.raises(PermanentSendError) as rejected:
        await providers.send(sms(to="01000000000"))
    assert rejected.value.reason_code == "INVALID_NUMBER"
    await providers.send(sms(key="run-1:member-2"))
    assert [r.outcome for r in gateway.requests()] == ["rejected", "accepted"]


async def test_no_kakaotalk_falls_back_to_sms_with_the_coupon_link_when_asked(providers, gateway):
    gateway.no_kakaotalk(PHONE)
    result = await providers.send_with_fallback(friendtalk(), fallback_to_sms=True)

    assert result.channel is Channel.SMS and result.fallback_reason == "NO_KAKAOTALK"  # 83 bytes with the link
    [delivered] = gateway.delivered()
    assert delivered.path == SMS_PATH and delivered.message_id == result.message_id
    assert delivered.body["text"] == f"(광고) 신규 회원 쿠폰을 드려요\n쿠폰 받기: {COUPON_URL}"
    assert delivered.body["idempotency_key"] == "run-1:member-1:sms"
    assert (await providers.send_with_fallback(friendtalk(), fallback_to_sms=True)).message_id == result.message_id
    assert len(gateway.delivered()) == 1


async def test_no_fallback_unless_asked_and_never_for_transient_errors(providers, gateway):
    gateway.no_kakaotalk(PHONE)
    with pytest.raises(PermanentSendError) as refused:
        await providers.send_with_fallback(friendtalk(), fallback_to_sms=False)
    assert refused.value.reason_code == "NO_KAKAOTALK"

    gateway.fail(502, path="/v1/kakao/", times=1)
    with pytest.raises(TransientSendError):
        await providers.send_with_fallback(friendtalk(to="01099998888"), fallback_to_sms=True)
    assert gateway.delivered() == []


async def test_kakao_not_configured_falls_back_when_asked(gateway):
    async with Providers.from_settings(gateway_settings(gateway, kakao_base_url="")) as sms_only:
        assert sms_only.channels == {Channel.SMS, Channel.LMS}
        result = await sms_only.send_with_fallback(friendtalk(), fallback_to_sms=True)
        assert (result.channel, result.fallback_reason) == (Channel.SMS, "CHANNEL_NOT_CONFIGURED")
        with pytest.raises(PermanentSendError) as refused:
            await sms_only.send(OutboundMessage(Channel.EMAIL, "a@b.test", "hi", "k"))
    assert refused.value.reason_code == "CHANNEL_NOT_CONFIGURED"


def test_gateway_settings_from_the_environment():
    env = {"KUPON_SMS_BASE_URL": "https://sms.example/api/", "KUPON_GATEWAY_API_KEY": "key",
           "KUPON_GATEWAY_API_SECRET": "secret", "KUPON_GATEWAY_READ_TIMEOUT": "4.5",
           "KUPON_SMS_SENDER_NUMBER": "0212345678", "KUPON_KAKAO_SENDER_KEY": "sk"}
    settings = Settings.from_env(env)
    assert (settings.sms_base_url, settings.kakao_base_url, settings.gateway_read_timeout) == (
        "https://sms.example/api", "", 4.5)
    assert "secret" not in repr(settings)
    assert Settings.from_env({}).sms_base_url == ""
    with pytest.raises(RuntimeError, match="KUPON_GATEWAY_API_KEY"):
        Settings.from_env({"KUPON_KAKAO_BASE_URL": "https://kakao.example"})
    with pytest.raises(RuntimeError, match="http"):
        Settings.from_env({**env, "KUPON_SMS_BASE_URL": "ftp://sms.example"})


async def test_fake_gateway_in_its_own_process_for_benchmarks():
    with running_fake_gateway(process=True) as own:
        async with Providers.from_settings(gateway_settings(own)) as providers:
            result = await providers.send(sms())
        assert [r.message_id for r in own.delivered()] == [result.message_id]
        assert own.stats() == {"accepted": 1}
