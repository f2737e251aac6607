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
