"""Orders to refund: paid orders with the amounts the money rule gives, built directly (no checkout)."""

from __future__ import annotations

import itertools

from kupon.timeutil import now_utc
from models.catalog import ProductKind
from models.orders import Order, OrderItem, OrderStatus, PaymentMethod
from tests.factories import make_member

_seq = itertools.count(1)


async def make_paid_order(member=None, lines: list[tuple] | None = None, *, shipping_fee: int = 0,
                          gift_card_amount: int = 0, **fields) -> Order:
    """A PAID order. `lines`: (name, paid amount) or (name, paid amount, kind, product, training card);
    by default one 280,000 won course. paid_amount = the lines + shipping."""
    member = member or await make_member()
    lines = lines or [("한국사능력검정시험", 280000)]
    total = sum(line[1] for line in lines)
    now = now_utc()
    n = next(_seq)
    order = await Order.create(**{
        "number": f"20260401-R{n:05d}", "site_id": member.site_id, "member": member,
        "name": lines[0][0] if len(lines) == 1 else f"{lines[0][0]} 외 {len(lines) - 1}건",
        "channel": "PC_WEB", "list_total": total, "shipping_fee": shipping_fee, "paid_amount": total + shipping_fee,
        "gift_card_amount": gift_card_amount, "status": OrderStatus.PAID, "payment_method": PaymentMethod.CARD,
        "ordered_at": now, "paid_at": now, **fields})
    for line in lines:
        name, price = line[0], line[1]
        kind = line[2] if len(line) > 2 else ProductKind.COURSE
        product = line[3] if len(line) > 3 else None
        training = line[4] if len(line) > 4 else False
        await OrderItem.create(order=order, product=product, product_name=name, kind=kind, quantity=1,
                               unit_price=price, list_price=price, list_amount=price, paid_amount=price,
                               training_card=training)
    return order
