"""Segments select exactly what their sentence says: seed 002's example, the Seoul day
boundaries of a window, the built-in groups at their boundaries, and the snapshots."""

from datetime import date, datetime, time, timedelta

import pytest

from gql.resolvers.access import operator_actor
from gql.resolvers.errors import Refused
from gql.resolvers.pagination import PageRequest
from gql.resolvers.segment_sentence import sentence
from gql.resolvers.segment_tree import validate_tree
from gql.resolvers.segments import (
    SegmentInput,
    create_segment,
    members_as_of,
    preview_segment,
    recompute,
    recompute_all,
    segment_member_ids,
)
from kupon.timeutil import SEOUL, now_utc, seoul_today
from models.access import Role
from models.activity import PointEntry, PointKind
from models.orders import OrderStatus
from models.segments import Segment, SegmentSnapshot
from tests.factories import make_member, make_operator, make_order, make_site

SEED_002 = {"op": "AND", "children": [
    {"field": "SIGNED_UP", "days": 7},
    {"op": "NOT", "child": {"field": "ORDER_COUNT", "period": {"days": 7}, "cmp": {"op": "GTE", "value": 1}}},
]}


def seoul(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SEOUL)


async def operator():
    return operator_actor(await make_operator(Role.OPERATOR))


async def test_seed_002_new_members_without_a_first_order(db):
    site = await make_site()
    now = now_utc()
    joined_3_days_no_order = await make_member(site, signed_up_at=now - timedelta(days=3))
    joined_3_days_one_order = await make_member(site, signed_up_at=now - timedelta(days=3))
    await make_order(joined_3_days_one_order, ordered_at=now - timedelta(days=1))
    joined_8_days = await make_member(site, signed_up_at=now - timedelta(days=8))
    cancelled_order_only = await make_member(site, signed_up_at=now - timedelta(days=2))
    await make_order(cancelled_order_only, status=OrderStatus.CANCELLED)

    found = await segment_member_ids(SEED_002, seoul_today(), site.id)

    assert found == sorted([joined_3_days_no_order.id, cancelled_order_only.id])
    assert joined_8_days.id not in found
    assert sentence(validate_tree(SEED_002)) == "signed up in the last 7 days AND NOT orders in the last 7 days >= 1"
    assert sentence(validate_tree(SEED_002), "ko") == "최근 7일 이내 가입 그리고 아님(최근 7일 주문 수 1건 이상)"


async def test_window_edges_are_seoul_midnights(db):
    """Last 7 days as of D is D-6 00:00 .. D 23:59:59 in Asia/Seoul, whatever the UTC date."""
    site = await make_site()
    day = date(2026, 3, 10)
    first = day - timedelta(days=6)
    in_first_minute = await make_member(site, signed_up_at=seoul(first, 0, 30))   # 15:30 UTC the day before
    before_window = await make_member(site, signed_up_at=seoul(first - timedelta(days=1), 23, 30))
    late_last_day = await make_member(site, signed_up_at=seoul(day, 23, 30))       # 14:30 UTC the same day
    after_window = await make_member(site, signed_up_at=seoul(day + timedelta(days=1), 0, 30))

    found = await segment_member_ids({"field": "SIGNED_UP", "days": 7}, day, site.id)

    assert found == [in_first_minute.id, late_last_day.id]
    assert before_window.id not in found and after_window.id not in found


async def earn(member, count: int, days_ago: int) -> None:
    for _ in range(count):
        await PointEntry.create(member=member, kind=PointKind.EARN, amount=100, at=now_utc() - timedelta(days=days_ago))


async def test_builtin_groups_at_their_boundaries(db):
    from gql.resolvers.segments import BUILTIN_GROUPS

    site = await make_site()
    three_recent = await make_member(site)
    await earn(three_recent, 3, days_ago=10)
    two_recent_one_old = await make_member(site)
    await earn(two_recent_one_old, 2, days_ago=10)
    await earn(two_recent_one_old, 1, days_ago=200)
    two_ever = await make_member(site)
    await earn(two_ever, 2, days_ago=300)
    one = await make_member(site)
    await earn(one, 1, days_ago=5)
    spent_only = await make_member(site)
    await PointEntry.create(member=spent_only, kind=PointKind.SPEND, amount=100, at=now_utc())
    await make_member(site)

    today = seoul_today()

    async def group(key):
        return await segment_member_ids(BUILTIN_GROUPS[key][2], today, site.id)

    assert await group("REGULARS") == [three_recent.id]
    assert await group("ALMOST_REGULARS") == [two_recent_one_old.id, two_ever.id]
    assert await group("FIRST_EARNING") == [one.id]


async def test_bad_tree_is_refused_with_the_path_of_the_bad_node(db):
    actor = await operator()
    bad = {"op": "AND", "children": [
        {"field": "SIGNED_UP", "days": 7},
        {"op": "NOT", "child": {"field": "ORDER_COUNT", "period": {"days": 0}, "cmp": {"op": "GTE", "value": 1}}},
        {"field": "TELEPATHY"},
    ]}
    with pytest.raises(Refused) as refused:
        await create_segment(actor, SegmentInput(name="나쁜 트리", tree=bad))
    fields = {p.field: p.code for p in refused.value.problems}
    assert fields == {"tree.children[1].child.period.days": "SEGMENT_NUMBER_OUT_OF_RANGE",
                      "tree.children[2].field": "SEGMENT_FIELD_UNKNOWN"}
    assert await Segment.filter(name="나쁜 트리").count() == 0


async def test_recompute_stores_the_day_and_entered_and_left(db):
    actor = await operator()
    site = await make_site()
    now = now_utc()
    stays = await make_member(site, signed_up_at=now - timedelta(days=1))
    orders_later = await make_member(site, signed_up_at=now - timedelta(days=1))
    segment = await create_segment(actor, SegmentInput(name="신규 미구매", tree=SEED_002, site_id=site.id))
    today = seoul_today()
    yesterday = today - timedelta(days=1)

    assert await recompute(segment, yesterday) == 2
    await make_order(orders_later, ordered_at=now)
    newcomer = await make_member(site, signed_up_at=now)
    assert await recompute(segment, today) == 2

    page = PageRequest(first=50)
    members = await members_as_of(actor, segment.id, today, "MEMBERS", page)
    entered = await members_as_of(actor, segment.id, today, "ENTERED", page)
    left = await members_as_of(actor, segment.id, today, "LEFT", page)
    before = await members_as_of(actor, segment.id, yesterday, "MEMBERS", page)
    assert [m.id for m in members.page.items] == [stays.id, newcomer.id]
    assert [m.id for m in entered.page.items] == [newcomer.id]
    assert [m.id for m in left.page.items] == [orders_later.id]
    assert entered.compared_with == yesterday
    assert [m.id for m in before.page.items] == [stays.id, orders_later.id]
    segment = await Segment.get(id=segment.id)
    assert (segment.size, segment.computed_for) == (2, today)
    assert [s.size for s in await SegmentSnapshot.filter(segment_id=segment.id).order_by("day")] == [2, 2]

    preview = await preview_segment(actor, SEED_002, site.id)
    assert preview.size == 2 and [m.id for m in preview.sample] == [stays.id, newcomer.id]


async def test_daily_job_recomputes_every_segment_once_per_day(db):
    from kupon import jobs
    from models.jobs import Job

    site = await make_site()
    actor = await operator()
    await make_member(site, signed_up_at=now_utc() - timedelta(days=2))
    segment = await create_segment(actor, SegmentInput(name="신규", tree=SEED_002, site_id=site.id))
    today = seoul_today()
    created = await jobs.ensure_daily_jobs(today)
    again = await jobs.ensure_daily_jobs(today)
    daily = await Job.filter(kind="segments.daily", id__in=created)
    assert len(daily) == 1 and not [j for j in again if j == daily[0].id]
    result = await recompute_all(today - timedelta(days=1))
    assert result["sizes"][str(segment.id)] == 1
    assert await Segment.filter(kind="BUILTIN").count() == 3
