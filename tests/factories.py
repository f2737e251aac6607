"""Factories for test data: each makes a valid row with sensible defaults; override what matters."""

from __future__ import annotations

import itertools
from datetime import timedelta

from gql.resolvers.access import operator_actor
from gql.resolvers.auth import create_api_key, create_operator, issue_member_token
from kupon.timeutil import now_utc
from models.access import Operator, Role
from models.catalog import Category, Product, ProductKind
from models.members import Member
from models.sites import Site

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery"


async def make_site(**fields) -> Site:
    n = next(_seq)
    return await Site.create(**{"code": f"site{n}", "name": f"사이트 {n}", **fields})


async def make_category(site: Site, **fields) -> Category:
    return await Category.create(**{"site": site, "name": f"분류 {next(_seq)}", **fields})


async def make_product(site: Site, category: Category | None = None, **fields) -> Product:
    n = next(_seq)
    return await Product.create(**{"site": site, "category": category, "code": f"P{n:05d}", "name": f"상품 {n}",
                                   "kind": ProductKind.COURSE, "price": 100000, **fields})


async def make_member(site: Site | None = None, **fields) -> Member:
    n = next(_seq)
    site = site or await make_site()
    defaults = {"site": site, "login_id": f"member{n}", "name": f"홍길동{n}", "phone": f"010-1234-{n % 10000:04d}",
                "email": f"member{n}@example.com", "signed_up_at": now_utc() - timedelta(days=n % 30)}
    return await Member.create(**{**defaults, **fields})


async def make_operator(role: Role = Role.OPERATOR, **fields) -> Operator:
    n = next(_seq)
    return await create_operator(None, fields.pop("login_id", f"op{n}"), fields.pop("name", f"운영자{n}"),
                                 PASSWORD, role, **fields)


async def member_token(member: Member) -> str:
    owner = await make_operator(Role.OWNER)
    return (await issue_member_token(operator_actor(owner), member.id)).secret


async def api_key(name: str = "dashboard", scope: str = "READ") -> str:
    return (await create_api_key(None, name, scope)).secret


async def make_coupon(**fields):
    """An active MANUAL cart coupon of 1,000 won unless told otherwise."""
    from gql.resolvers.access import Actor, ActorKind
    from gql.resolvers.coupons import CouponInput, create_coupon

    owner = Actor(ActorKind.OPERATOR, id=None, label="factory", role=Role.OWNER)
    values = {"name": f"쿠폰 {next(_seq)}", "type": "CART", "benefit": "FIXED", "amount": 1000,
              "issue_method": "MANUAL", "issue_status": "ACTIVE", "use_status": "ACTIVE", **fields}
    return await create_coupon(owner, CouponInput(**values))


async def give_coupon(coupon, member, **fields):
    """Put a coupon in a member's wallet directly (bypassing issuing rules)."""
    from gql.resolvers.coupon_issuing import expiry_for, member_count_row
    from models.coupons import IssueMethod, MemberCoupon

    await member_count_row(coupon.id, member.id)
    now = now_utc()
    return await MemberCoupon.create(**{"coupon": coupon, "member": member, "issued_via": IssueMethod.MANUAL,
                                        "issued_at": now, "expires_at": expiry_for(coupon, now), **fields})


def _factory_owner():
    from gql.resolvers.access import Actor, ActorKind

    return Actor(ActorKind.OPERATOR, id=None, label="factory", role=Role.OWNER)


async def make_serial_campaign(rewards: list | None = None, **fields):
    """An active FIXED serial campaign with a typed code, giving one coupon (made here unless
    `rewards` is given as [(coupon_id, quantity)]). RANDOM codes are made by a job: run it."""
    from gql.resolvers.serials import SerialInput, create_serial_campaign

    if rewards is None:
        rewards = [((await make_coupon()).id, 1)]
    n = next(_seq)
    values = {"name": f"시리얼 {n}", "type": "FIXED", "fixed_code": f"SERIAL{n:04d}", **fields}
    return await create_serial_campaign(_factory_owner(), SerialInput(rewards=rewards, **values))


async def make_giftcard_campaign(**fields):
    """A gift card campaign of 10,000 won cards, single use. Its cards are made by a job: run it."""
    from gql.resolvers.giftcards import GiftCardCampaignInput, create_campaign

    values = {"name": f"기프트카드 {next(_seq)}", "value": 10000, "count": 3, "max_uses": 1, **fields}
    return await create_campaign(_factory_owner(), GiftCardCampaignInput(**values))


async def make_book_order(member=None, items: list[tuple] | None = None, **fields):
    """A PAID order placed now, with its shipments (WAITING) for the book items.
    `items`: (kind, product name, price) per line; by default one book and one course."""
    from gql.resolvers.shipping import shipments_for_order
    from models.orders import Order, OrderItem

    member = member or await make_member()
    items = items or [(ProductKind.BOOK, "포토샵 교재", 10000), (ProductKind.COURSE, "건축기사 건축계획", 8000)]
    total = sum(price for _, _, price in items)
    n = next(_seq)
    first = items[0][1]
    order = await Order.create(**{"number": f"20260320-{n:06d}", "site_id": member.site_id, "member": member,
                                  "name": first if len(items) == 1 else f"{first} 외 {len(items) - 1}건",
                                  "channel": "PC_WEB", "list_total": total, "paid_amount": total,
                                  "ordered_at": now_utc(), "paid_at": now_utc(), **fields})
    for kind, name, price in items:
        await OrderItem.create(order=order, product_name=name, kind=kind, quantity=1, unit_price=price,
                               list_price=price, list_amount=price, paid_amount=price)
    await shipments_for_order(order.id)
    return order


async def make_order(member=None, lines: list[tuple[str, int]] | None = None, *, subsidy: int = 0,
                     coupon_discount: int = 0, shipping_fee: int = 0, **fields):
    """An order with its items and no coupons, amounts that keep the money rule. `lines`: (product
    name, price) per COURSE line; `subsidy` and `coupon_discount` go on the first line."""
    from models.orders import Order, OrderItem, OrderStatus, PaymentMethod

    member = member or await make_member()
    lines = lines or [("파이썬 데이터 분석 입문", 280000)]
    total = sum(price for _, price in lines)
    n = next(_seq)
    now = now_utc()
    values = {"number": f"20260101-{n:06d}", "site_id": member.site_id, "member": member,
              "name": lines[0][0] if len(lines) == 1 else f"{lines[0][0]} 외 {len(lines) - 1}건",
              "channel": "PC_WEB", "list_total": total, "subsidy": subsidy, "coupon_discount": coupon_discount,
              "shipping_fee": shipping_fee,
              "paid_amount": total - subsidy - coupon_discount + shipping_fee, "status": OrderStatus.PAID,
              "payment_method": PaymentMethod.CARD, "ordered_at": now, "paid_at": now, **fields}
    order = await Order.create(**values)
    for index, (name, price) in enumerate(lines):
        first = index == 0
        await OrderItem.create(order=order, product_name=name, kind=ProductKind.COURSE, quantity=1,
                               unit_price=price, list_price=price, list_amount=price,
                               discount=coupon_discount if first else 0, subsidy=subsidy if first else 0,
                               paid_amount=price - (subsidy + coupon_discount if first else 0))
    return order
