"""The wallet page is raw SQL (benchmark `wallet`): it must give what the ORM gives, on both databases."""

from datetime import timedelta

from gql.resolvers.pagination import PageRequest, encode_cursor
from gql.resolvers.wallet import effective_status, member_coupons, status_condition
from kupon.timeutil import now_utc
from models.coupons import MemberCoupon, MemberCouponStatus
from tests.conftest import graphql
from tests.factories import give_coupon, make_category, make_coupon, make_member, member_token
from tests.gql.test_rules import count_sql

COMPARED = ["id", "name", "type", "benefit", "amount", "percent", "max_discount", "target_scope",
            "target_category_ids", "target_product_ids", "product_kinds", "channels", "total_limit",
            "per_member_limit", "used_count", "issue_method", "issue_from", "use_window", "use_to",
            "use_weekdays", "issue_status", "use_status", "created_at", "site_id"]


async def wallet_of_every_status():
    """A member holding a coupon in every (effective) status, and someone else's coupon."""
    member, other = await make_member(), await make_member()
    now = now_utc()
    categories = [(await make_category(member.site)).id for _ in range(2)]
    coupon = await make_coupon(type="PRODUCT", benefit="PERCENT", percent=10, max_discount=3000,
                               target_scope="CATEGORIES", target_category_ids=categories, product_kinds=["BOOK"],
                               channels=["APP"], use_weekdays=[0, 6], issue_from=now - timedelta(days=1))
    held = {
        "plain": await give_coupon(coupon, member),
        "live": await give_coupon(await make_coupon(), member, expires_at=now + timedelta(days=3)),
        "lapsed": await give_coupon(await make_coupon(), member, expires_at=now - timedelta(days=1)),
        "expired": await give_coupon(await make_coupon(), member, status=MemberCouponStatus.EXPIRED),
        "used": await give_coupon(await make_coupon(), member, status=MemberCouponStatus.USED, used_at=now),
        "revoked": await give_coupon(await make_coupon(), member, status=MemberCouponStatus.REVOKED),
    }
    await give_coupon(coupon, other)
    return member, held


async def test_wallet_page_filters_by_effective_status_as_the_orm_does(db):
    member, held = await wallet_of_every_status()
    sizes = {None: 6, "AVAILABLE": 2, "EXPIRED": 2, "USED": 1, "REVOKED": 1}
    for status in [None, *MemberCouponStatus]:
        page = await member_coupons(member.id, status, PageRequest(first=50))
        query = MemberCoupon.filter(member_id=member.id)
        if status:
            query = query.filter(status_condition(status, now_utc()))
        assert [mc.id for mc in page.items] == [mc.id for mc in await query.order_by("-issued_at", "-id")], status
        assert page.total_count == len(page.items) == sizes[status]
        assert status is None or all(effective_status(mc) == status for mc in page.items)
    (lapsed,) = (await member_coupons(member.id, MemberCouponStatus.EXPIRED, PageRequest(first=50))).items[1:]
    assert lapsed.id == held["lapsed"].id


async def test_wallet_page_reads_models_like_the_orm(db):
    member, held = await wallet_of_every_status()
    page = await member_coupons(member.id, None, PageRequest(first=50))
    by_id = {mc.id: mc for mc in page.items}
    for mc in await MemberCoupon.filter(member_id=member.id).select_related("coupon"):
        mine = by_id[mc.id]
        assert {f: getattr(mine, f) for f in MemberCoupon._meta.fields_db_projection} == {
            f: getattr(mc, f) for f in MemberCoupon._meta.fields_db_projection}
        assert {f: getattr(mine.coupon, f) for f in COMPARED} == {f: getattr(mc.coupon, f) for f in COMPARED}
    only = await member_coupons(member.id, None, PageRequest(first=50), coupon_id=held["plain"].coupon_id)
    assert [mc.id for mc in only.items] == [held["plain"].id]


async def test_wallet_pages_count_only_when_the_page_cannot_tell(db):
    member = await make_member()
    for _ in range(5):
        await give_coupon(await make_coupon(), member)
    cases = [  # (first, after, items, statements): a full page or one past the end needs the COUNT
        (2, None, 2, 2), (2, encode_cursor(1), 2, 2), (2, encode_cursor(3), 1, 1), (10, None, 5, 1),
        (2, encode_cursor(9), 0, 2), (5, None, 5, 2)]
    for first, after, items, statements in cases:
        with count_sql() as sent:
            page = await member_coupons(member.id, None, PageRequest(first=first, after=after))
        assert (len(page.items), page.total_count, len(sent)) == (items, 5, statements), (first, after)


async def test_wallet_over_graphql_with_every_status(client, db):
    member, held = await wallet_of_every_status()
    token = await member_token(member)
    result = await graphql(client, "{ myCoupons(status: EXPIRED) { totalCount edges { node { id status "
                                   "coupon { id channels } } } } }", token=token)
    edges = result["data"]["myCoupons"]["edges"]
    assert {e["node"]["id"] for e in edges} == {str(held["lapsed"].id), str(held["expired"].id)}
    assert {e["node"]["status"] for e in edges} == {"EXPIRED"}
