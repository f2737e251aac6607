"""Money helpers: amounts are integer won, percentages round down to the won."""

from __future__ import annotations


def percent_of(amount: int, percent: int) -> int:
    """`percent`% of `amount`, rounded down to the won (integer arithmetic, no floats)."""
    return amount * percent // 100


def allocate(total: int, weights: list[int]) -> list[int]:
    """Split `total` over lines in proportion to `weights`, rounding down, with the
    remainder going to the largest weights first, so the parts add up exactly."""
    if total <= 0 or not weights or sum(weights) <= 0:
        return [0] * len(weights)
    whole = sum(weights)
    parts = [total * w // whole for w in weights]
    rest = total - sum(parts)
    for index in sorted(range(len(weights)), key=lambda i: (-weights[i], i))[:rest]:
        parts[index] += 1
    return parts


def order_paid_amount(list_total: int, subsidy: int, coupon_discount: int, shipping_fee: int,
                      shipping_discount: int = 0) -> int:
    """What an order costs its buyer (seed 001 결제금액 = 상품금액 - 지원금 - 할인액 + 배송비):
    paid = list total - subsidy - discount + shipping - shipping discount."""
    return list_total - subsidy - coupon_discount + shipping_fee - shipping_discount
