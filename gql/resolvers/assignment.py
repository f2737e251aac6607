"""Maximum-weight assignment of coupons to cart lines (Hungarian algorithm, O(n^3)).

Checkout needs it because each non-stackable PRODUCT coupon takes one line and
each line takes at most one: picking greedily can lose money (a big coupon on
the only line a small coupon fits). Carts and wallets are small (tens), so the
cubic algorithm is cheap.
"""

from __future__ import annotations


def max_weight_assignment(weights: list[list[int]]) -> list[tuple[int, int]]:
    """Rows are coupons, columns lines; a weight <= 0 means "cannot pair".
    Returns (row, column) pairs with positive weight maximising the total."""
    rows = len(weights)
    cols = len(weights[0]) if rows else 0
    if not rows or not cols:
        return []
    n = max(rows, cols)
    top = max(max(row) for row in weights)
    # Minimise cost = top - weight on a square matrix; impossible pairs cost `top`, like padding.
    cost = [[top - (weights[r][c] if r < rows and c < cols and weights[r][c] > 0 else 0) for c in range(n)]
            for r in range(n)]
    inf = float("inf")
    u, v = [0] * (n + 1), [0] * (n + 1)
    match, way = [0] * (n + 1), [0] * (n + 1)
    for r in range(1, n + 1):
        match[0] = r
        col0 = 0
        minv = [inf] * (n + 1)
        used = [False] * (n + 1)
        while True:
            used[col0] = True
            r0, delta, col1 = match[col0], inf, 0
            for c in range(1, n + 1):
                if not used[c]:
                    current = cost[r0 - 1][c - 1] - u[r0] - v[c]
                    if current < minv[c]:
                        minv[c], way[c] = current, col0
                    if minv[c] < delta:
                        delta, col1 = minv[c], c
            for c in range(n + 1):
                if used[c]:
                    u[match[c]] += delta
                    v[c] -= delta
                else:
                    minv[c] -= delta
            col0 = col1
            if match[col0] == 0:
                break
        while col0:
            col1 = way[col0]
            match[col0] = match[col1]
            col0 = col1
    pairs = []
    for c in range(1, n + 1):
        r = match[c] - 1
        if r < rows and c - 1 < cols and weights[r][c - 1] > 0:
            pairs.append((r, c - 1))
    return sorted(pairs)
