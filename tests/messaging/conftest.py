"""The fake gateway on loopback (one per session, reset for each test), providers pointed at it,
and the SMTP server fixture of the gift-card notice tests."""

from __future__ import annotations

import pytest

from kupon.messaging import Providers
from kupon.messaging.fake_gateway import running_fake_gateway
from kupon.settings import Settings
from tests.giftcards.test_notices import smtp  # noqa: F401 - the aiosmtpd fixture (an Inbox on loopback)

SENDER_NUMBER = "0212345678"
SENDER_KEY = "kakao-sender-key-1"
READ_TIMEOUT = 0.5


@pytest.fixture(scope="session")
def fake_gateway_server():
    with running_fake_gateway() as gateway:
        yield gateway


@pytest.fixture
def gateway(fake_gateway_server):
    fake_gateway_server.reset()
    return fake_gateway_server


def gateway_settings(gateway, **changes) -> Settings:
    values = dict(sms_base_url=gateway.url, kakao_base_url=gateway.url, gateway_api_key=gateway.api_key,
                  gateway_api_secret=gateway.api_secret, gateway_connect_timeout=1.0,
                  gateway_read_timeout=READ_TIMEOUT, sms_sender_number=SENDER_NUMBER, kakao_sender_key=SENDER_KEY)
    return Settings(**{**values, **changes})


@pytest.fixture
async def providers(gateway):
    async with Providers.from_settings(gateway_settings(gateway)) as found:
        yield found
