"""The compiled SQL of a segment selects exactly what tests/segments/evaluator.py says, on both
databases, for random trees over random members.

Activity is placed near the edges of the windows (the Seoul midnights that start a period and
end the day, in UTC, give or take minutes), where off-by-one and time zone mistakes show. Each
example gets two fresh sites and two coupons, so earlier examples' rows never count: a tree
scoped to one site sees only this example's members, and an unscoped one is cut to them.
"""

from __future__ import annotations

import itertools
import os
from datetime import UTC, date, timedelta

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gql.resolvers.errors import Refused
from gql.resolvers.raw_sql import fetch
from gql.resolvers.segment_sql import compile_segment
from gql.resolvers.segment_tree import add_months, end_of, period_window, validate_tree
from gql.resolvers.segments import segment_member_ids
from kupon.timeutil import SEOUL, seoul_day_start_utc
from models.activity import MarketingConsent, MemberTag, PointEntry, Visit
from models.coupons import MemberCoupon
from models.members import Member
from models.orders import Order
from tests.factories import make_coupon, make_site
from tests.segments.evaluator import CouponRow, MemberRow, OrderRow, PointRow, evaluate

DAYS = [1, 2, 7, 30]
MONTHS = [1, 3]
AS_OF_DAYS = [date(2026, 3, 10), date(2024, 2, 29), date(2025, 2, 28), date(2025, 12, 31), date(2026, 3, 31)]
OFFSETS = [timedelta(minutes=m) for m in (-600, -61, -1, 0, 0, 1, 59, 600)] + [
    timedelta(seconds=-1), timedelta(microseconds=1), timedelta(microseconds=-1)]
TAGS = ["vip", "new", "gym", "yoga"]
CHANNELS = ["SMS", "KAKAO", "EMAIL", "PUSH", "NIGHT"]
GRADES = ["BASIC", "SILVER", "GOLD", "VIP"]
STATUSES = ["PAID", "CANCELLED", "PARTIALLY_REFUNDED", "FULLY_REFUNDED", "AWAITING_DEPOSIT"]
COUPON_STATUSES = ["AVAILABLE", "AVAILABLE", "USED", "EXPIRED", "REVOKED"]
_numbers = itertools.count(1)


def edges(as_of: date) -> list:
    """The instants where the windows of the trees below start and end, plus one long before."""
    starts = [period_window(as_of, {"days": n}).start for n in DAYS]
    starts += [period_window(as_of, {"months": n}).start for n in MONTHS]
    return starts + [end_of(as_of), seoul_day_start_utc(as_of - timedelta(days=400))]


def instants(as_of: date):
    """Near an edge; in UTC or in Seoul time (the same instant, as callers may pass either)."""
    return st.builds(lambda edge, offset, zone: (edge + offset).astimezone(zone),
                     st.sampled_from(edges(as_of)), st.sampled_from(OFFSETS), st.sampled_from([UTC, SEOUL]))


# --- members -----------------------------------------------------------------------------------

def orders(as_of):
    def order(status, temporary, at, paid, refunded_share):
        return OrderRow(status, temporary, at, paid, paid * refunded_share // 2)
    return st.builds(order, st.sampled_from(STATUSES), st.sampled_from([False, False, False, True]),
                     instants(as_of), st.sampled_from([0, 1000, 5000, 10000]), st.sampled_from([0, 0, 1, 2]))


def members(as_of):
    def birthday(offset, year):
        if offset is None:
            return None
        if offset == "leap":
            return date(1992, 2, 29)
        day = as_of + timedelta(days=offset)
        return day.replace(year=year) if not (day.month == 2 and day.day == 29) else date(1992, 2, 29)

    return st.builds(
        MemberRow,
        id=st.just(0),
        site_id=st.sampled_from([0, 0, 1]),
        signed_up_at=instants(as_of),
        grade=st.sampled_from(GRADES),
        birthday=st.builds(birthday, st.sampled_from([None, -1, 0, 1, 3, 6, 7, 30, "leap"]),
                           st.sampled_from([1988, 1990, 2000])),
        is_active=st.sampled_from([True, True, True, False]),
        orders=st.lists(orders(as_of), max_size=4),
        points=st.lists(st.builds(PointRow, st.sampled_from(["EARN", "EARN", "SPEND"]),
                                  st.sampled_from([1, 100, 1000]), instants(as_of)), max_size=4),
        visits=st.lists(instants(as_of), max_size=4),
        tags=st.sets(st.sampled_from(TAGS), max_size=3),
        consents=st.dictionaries(st.sampled_from(CHANNELS), st.booleans(), max_size=3),
        coupons=st.lists(st.builds(CouponRow, st.sampled_from([0, 1]), st.sampled_from(COUPON_STATUSES),
                                   instants(as_of), st.none() | instants(as_of)), max_size=2),
    )


# --- trees -------------------------------------------------------------------------------------

PERIODS = st.sampled_from([{"days": n} for n in DAYS] + [{"months": n} for n in MONTHS] + [{"ever": True}])


def comparisons(values):
    single = st.builds(lambda op, v: {"op": op, "value": v}, st.sampled_from(["GTE", "LTE", "EQ"]),
                       st.sampled_from(values))
    between = st.builds(lambda a, b: {"op": "BETWEEN", "value": min(a, b), "value2": max(a, b)},
                        st.sampled_from(values), st.sampled_from(values))
    return single | between


def last_orders(as_of):
    days = st.builds(lambda when, n: {"field": "LAST_ORDER", "when": when, "days": n},
                     st.sampled_from(["WITHIN_DAYS", "BEFORE_DAYS"]), st.sampled_from(DAYS))
    dates = st.builds(lambda when, k: {"field": "LAST_ORDER", "when": when,
                                       "date": (as_of - timedelta(days=k)).isoformat()},
                      st.sampled_from(["BEFORE_DATE", "AFTER_DATE"]), st.sampled_from([-1, 0, 1, 6, 7, 30]))
    return days | dates


def conditions(as_of):
    counts = comparisons([0, 1, 2, 3])
    return st.one_of(
        st.builds(lambda n: {"field": "SIGNED_UP", "days": n}, st.sampled_from(DAYS)),
        st.builds(lambda p, c: {"field": "ORDER_COUNT", "period": p, "cmp": c}, PERIODS, counts),
        st.builds(lambda p, c: {"field": "AMOUNT_SPENT", "period": p, "cmp": c}, PERIODS,
                  comparisons([0, 1000, 5000, 10000, 15000])),
        last_orders(as_of),
        st.builds(lambda g: {"field": "GRADE", "grades": sorted(g)}, st.sets(st.sampled_from(GRADES), min_size=1)),
        st.builds(lambda c: {"field": "POINTS_HELD", "cmp": c}, comparisons([0, 1, 100, 1000, 1100])),
        st.builds(lambda p, c: {"field": "POINTS_EARNED", "period": p, "cmp": c}, PERIODS,
                  comparisons([0, 1, 100, 1000, 1100])),
        st.builds(lambda p, c: {"field": "EARNINGS", "period": p, "cmp": c}, PERIODS, counts),
        st.builds(lambda m, t: {"field": "TAGS", "match": m, "tags": sorted(t)},
                  st.sampled_from(["ANY", "ALL", "NONE"]), st.sets(st.sampled_from(TAGS), min_size=1)),
        st.builds(lambda p, c: {"field": "VISITS", "period": p, "cmp": c}, PERIODS, counts),
        st.builds(lambda ch: {"field": "CONSENT", "channel": ch}, st.sampled_from(CHANNELS)),
        st.builds(lambda n: {"field": "BIRTHDAY", "days": n}, st.sampled_from([1, 2, 7, 31])),
        st.builds(lambda i: {"field": "HOLDS_COUPON", "coupon_id": i + 1}, st.sampled_from([0, 1])),
    )


def trees(as_of):
    return st.recursive(
        conditions(as_of),
        lambda children: st.one_of(
            st.builds(lambda cs: {"op": "AND", "children": cs}, st.lists(children, min_size=1, max_size=3)),
            st.builds(lambda cs: {"op": "OR", "children": cs}, st.lists(children, min_size=1, max_size=3)),
            st.builds(lambda c: {"op": "NOT", "child": c}, children)),
        max_leaves=6)


@st.composite
def scenarios(draw):
    as_of = draw(st.sampled_from(AS_OF_DAYS))
    return as_of, draw(trees(as_of)), draw(st.lists(members(as_of), min_size=1, max_size=12)), draw(st.booleans())


def with_coupon_ids(node: dict, coupon_ids: list[int]) -> dict:
    if node.get("field") == "HOLDS_COUPON":
        return {**node, "coupon_id": coupon_ids[node["coupon_id"] - 1]}
    if "children" in node:
        return {**node, "children": [with_coupon_ids(c, coupon_ids) for c in node["children"]]}
    if "child" in node:
        return {**node, "child": with_coupon_ids(node["child"], coupon_ids)}
    return node


# --- the database side -------------------------------------------------------------------------

async def insert(rows: list[MemberRow]) -> tuple[list[int], list[int]]:
    """Two sites, two coupons and the members' rows; sets each row's real id and site and
    coupon ids; returns (site ids, coupon ids)."""
    sites = [await make_site(), await make_site()]
    coupons = [(await make_coupon()).id, (await make_coupon()).id]
    batch = next(_numbers)
    await Member.bulk_create([
        Member(site_id=sites[r.site_id].id, login_id=f"p{batch}-{i}", name="회원", signed_up_at=r.signed_up_at,
               grade=r.grade, birthday=r.birthday, is_active=r.is_active) for i, r in enumerate(rows)])
    ids = dict(await Member.filter(site_id__in=[s.id for s in sites]).values_list("login_id", "id"))
    for i, r in enumerate(rows):
        r.id, r.site_id = ids[f"p{batch}-{i}"], sites[r.site_id].id
        for mc in r.coupons:
            mc.coupon_id = coupons[mc.coupon_id]
    await Order.bulk_create([
        Order(number=f"P{batch}-{i}-{j}", name="주문", site_id=r.site_id, member_id=r.id, channel="APP",
              status=o.status, is_temporary=o.is_temporary, ordered_at=o.ordered_at, list_total=o.paid_amount,
              paid_amount=o.paid_amount, refunded_amount=o.refunded_amount)
        for i, r in enumerate(rows) for j, o in enumerate(r.orders)])
    await PointEntry.bulk_create([PointEntry(member_id=r.id, kind=p.kind, amount=p.amount, at=p.at)
                                  for r in rows for p in r.points])
    await Visit.bulk_create([Visit(member_id=r.id, site_id=r.site_id, channel="APP", at=at)
                             for r in rows for at in r.visits])
    await MemberTag.bulk_create([MemberTag(member_id=r.id, tag=t) for r in rows for t in sorted(r.tags)])
    await MarketingConsent.bulk_create([
        MarketingConsent(member_id=r.id, channel=ch, granted=g, changed_at=r.signed_up_at)
        for r in rows for ch, g in r.consents.items()])
    await MemberCoupon.bulk_create([
        MemberCoupon(coupon_id=mc.coupon_id, member_id=r.id, status=mc.status, issued_via="MANUAL",
                     issued_at=mc.issued_at, expires_at=mc.expires_at) for r in rows for mc in r.coupons])
    return [s.id for s in sites], coupons


@settings(max_examples=int(os.environ.get("KUPON_SEGMENT_EXAMPLES", "50")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(scenario=scenarios())
async def test_compiled_segment_equals_plain_evaluation(db, scenario):
    as_of, raw_tree, rows, scoped = scenario
    try:
        validate_tree(raw_tree)
    except Refused:
        assume(False)
    site_ids, coupon_ids = await insert(rows)
    tree = validate_tree(with_coupon_ids(raw_tree, coupon_ids))
    site_id = site_ids[0] if scoped else None
    mine = {r.id for r in rows}

    got = set(await segment_member_ids(tree, as_of, site_id)) & mine

    assert got == evaluate(tree, as_of, rows, site_id), (tree, as_of, site_id)
    if scoped:
        sql, params = compile_segment(tree, as_of, site_id, db.is_postgres).count()
        assert (await fetch(sql, *params))[0][0] == len(got)


async def test_an_order_awaiting_its_deposit_is_not_an_order_yet(db):
    """Segments count paid orders: one placed by bank transfer whose deposit has not arrived
    yet does not make a member a buyer (seed 002's "no first order" keeps them)."""
    as_of = date(2026, 3, 10)
    row = MemberRow(id=0, site_id=0, signed_up_at=seoul_day_start_utc(as_of), orders=[
        OrderRow("AWAITING_DEPOSIT", False, seoul_day_start_utc(as_of) + timedelta(hours=10), 5000, 0)])
    await insert([row])
    tree = {"field": "ORDER_COUNT", "period": {"days": 7}, "cmp": {"op": "GTE", "value": 1}}

    assert evaluate(tree, as_of, [row]) == set()
    assert await segment_member_ids(tree, as_of, row.site_id) == []


def test_months_window_starts_on_the_same_day_of_the_month():
    """A sanity check of the edges the members are placed on."""
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert period_window(date(2026, 3, 10), {"months": 1}).start == seoul_day_start_utc(date(2026, 2, 11))
