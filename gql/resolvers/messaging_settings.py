"""Shop-wide messaging settings (the ShopSetting row "messaging", a JSON object), read with defaults.

The shop's name and 080 opt-out number (what an advertising message must carry), whether the
night-time ban covers e-mail (on unless the shop turns it off: the law exempts e-mail), the
price per message in won per channel (charged from the prepaid credit), the send rate per
provider (messages per second) and the public address links in messages start with.
Only the OWNER changes them, with an audit entry.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace

from tortoise.transactions import in_transaction

from gql.resolvers.access import Actor, require_owner, require_read_shop
from gql.resolvers.ad_rules import ShopIdentity
from gql.resolvers.audit import record_change
from gql.resolvers.errors import Refused
from gql.resolvers.validation import Checker
from models.coupons import ShopSetting

KEY = "messaging"
PRICED_CHANNELS = ("SMS", "LMS", "ALIMTALK", "FRIENDTALK", "EMAIL")
PROVIDERS = ("SMS", "KAKAO", "EMAIL")  # SMS/LMS share the SMS gateway; alimtalk/friendtalk the Kakao one
DEFAULT_PRICES = {"SMS": 9, "LMS": 27, "ALIMTALK": 8, "FRIENDTALK": 15, "EMAIL": 1}
DEFAULT_RATES = {"SMS": 100, "KAKAO": 100, "EMAIL": 20}
_OPT_OUT_NUMBER = re.compile(r"^080-?\d{3,4}-?\d{4}$")


def provider_of(channel: str) -> str:
    return {"SMS": "SMS", "LMS": "SMS", "ALIMTALK": "KAKAO", "FRIENDTALK": "KAKAO"}.get(channel, "EMAIL")


@dataclass(frozen=True)
class MessagingSettings:
    shop_name: str = "kupon"
    opt_out_number: str = ""  # the free 080 number; advertising SMS/Kakao is not sent without it
    night_ban_email: bool = True
    prices: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PRICES))
    rate_limits: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_RATES))
    public_url: str = "http://127.0.0.1:8000"
    secret_key: str = field(default="", repr=False, compare=False)  # signs unsubscribe links; not stored

    @property
    def identity(self) -> ShopIdentity:
        return ShopIdentity(self.shop_name, self.opt_out_number)

    def price(self, channel: str) -> int:
        return int(self.prices.get(channel, DEFAULT_PRICES.get(channel, 0)))

    def rate(self, channel: str) -> int:
        provider = provider_of(channel)
        return int(self.rate_limits.get(provider, DEFAULT_RATES[provider]))

    def stored(self) -> dict:
        values = asdict(self)
        values.pop("secret_key")
        return values


STORED_NAMES = tuple(MessagingSettings().stored())


async def load_messaging_settings(secret_key: str = "") -> MessagingSettings:
    """The settings as stored, defaults for the rest; `secret_key` (Settings.secret_key) signs links."""
    row = await ShopSetting.get_or_none(key=KEY)
    stored = {name: value for name, value in (row.value if row else {}).items() if name in STORED_NAMES}
    defaults = MessagingSettings()
    for name in ("prices", "rate_limits"):
        if name in stored:
            stored[name] = {**getattr(defaults, name), **stored[name]}
    return replace(defaults, **stored, secret_key=secret_key)


async def messaging_settings(actor: Actor) -> MessagingSettings:
    require_read_shop(actor)
    return await load_messaging_settings()


def _checked(changes: dict) -> dict:
    check = Checker()
    cleaned: dict = {}
    for name, value in changes.items():
        if name == "shop_name":
            cleaned[name] = check.text(name, value, 40)
        elif name == "opt_out_number":
            value = (value or "").strip()
            if value and not _OPT_OUT_NUMBER.match(value):
                check.fail("INVALID_OPT_OUT_NUMBER", name)
            cleaned[name] = value
        elif name == "night_ban_email":
            cleaned[name] = bool(value)
        elif name in ("prices", "rate_limits"):
            allowed = PRICED_CHANNELS if name == "prices" else PROVIDERS
            table = {}
            for key, number in (value or {}).items():
                if key not in allowed:
                    check.fail("INVALID_CHOICE", f"{name}.{key}")
                elif not isinstance(number, int) or isinstance(number, bool) or number < (
                        0 if name == "prices" else 1):
                    check.fail("INVALID_PRICE" if name == "prices" else "INVALID_RATE", f"{name}.{key}")
                else:
                    table[key] = number
            cleaned[name] = table
        elif name == "public_url":
            value = check.text(name, value, 200).rstrip("/")
            if value and not value.startswith(("http://", "https://")):
                check.fail("INVALID_URL", name)
            cleaned[name] = value
        else:
            check.fail("INVALID_CHOICE", name)
    if check.problems:
        raise Refused(*check.problems)
    return cleaned


async def update_messaging_settings(actor: Actor, changes: dict) -> MessagingSettings:
    """Change some settings (names of MessagingSettings; prices/rate_limits merge per key).
    OWNER only; every bad field refused at once; one audit entry with before and after."""
    require_owner(actor)
    cleaned = _checked(changes)
    async with in_transaction():
        before = await load_messaging_settings()
        stored = before.stored()
        for name, value in cleaned.items():
            stored[name] = {**stored[name], **value} if name in ("prices", "rate_limits") else value
        await ShopSetting.update_or_create(key=KEY, defaults={"value": stored})
        after = await load_messaging_settings()
        await record_change(actor, "settings.messaging", ("ShopSetting", KEY),
                            before={k: before.stored()[k] for k in cleaned},
                            after={k: after.stored()[k] for k in cleaned})
    return after
