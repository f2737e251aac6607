"""Member activity resolvers: visits, points ledger, tags, consents, member upsert, grade history."""

from datetime import UTC, datetime, timedelta

import pytest

from gql.resolvers import members
from gql.resolvers.access import Actor, ActorKind, operator_actor
from gql.resolvers.activity_rows import MemberRef
from gql.resolvers.errors import Refused
from gql.resolvers.member_activity import (
    PointInput,
    VisitInput,
    adjust_points,
    adjust_points_batch,
    points_held,
    record_visit,
    record_visits,
    tag_members,
    tags_by_members,
)
from gql.resolvers.member_upsert import ConsentInput, MemberUpsert, set_marketing_consent, upsert_member
from kupon.timeutil import now_utc
from models.access import ApiKeyScope, Role
from models.activity import GradeChange, MarketingConsent, MemberTag, PointEntry, Visit
from models.audit import AuditEntry
from models.coupons import TriggerEvent
from tests.factories import make_coupon, make_member, make_operator, make_site

INTEGRATION = Actor(ActorKind.API_KEY, id=1, label="backend", scope=ApiKeyScope.INTEGRATION)
READ_KEY = Actor(ActorKind.API_KEY, id=2, label="dashboard", scope=ApiKeyScope.READ)


def codes(call_result) -> list[str]:
    return [p.code for p in call_result.problems]


async def test_visit_by_login_id_is_stored_once_however_often_sent(db):
    site = await make_site(code="gangnam")
    member = await make_member(site, login_id="hong")
    at = datetime(2026, 3, 1, 14, 0)  # no offset: Seoul wall-clock time
    ref = MemberRef(site_code="gangnam", login_id="hong")
    visit = await record_visit(INTEGRATION, VisitInput(ref, "APP", at))
    assert visit.member_id == member.id and visit.site_id == site.id
    assert visit.at == datetime(2026, 3, 1, 5, 0, tzinfo=UTC)
    again = await record_visits(INTEGRATION, [VisitInput(ref, "APP", at), VisitInput(MemberRef(member.id), "APP", at)])
    assert all(r.repeated and r.value.id == visit.id for r in again)
    assert await Visit.filter(member_id=member.id).count() == 1
    assert await AuditEntry.filter(action="member.visits", entity_id=str(member.id)).count() == 1


async def test_bad_visit_rows_are_reported_and_good_ones_kept(db):
    site = await make_site(code="s1")
    member = await make_member(site, login_id="kim")
    rows = [VisitInput(MemberRef(member.id), "APP"),
            VisitInput(MemberRef(site_code="s1", login_id="nobody"), "APP"),
            VisitInput(MemberRef(site_code="nope", login_id="kim"), "APP"),
            VisitInput(MemberRef(), "APP"),
            VisitInput(MemberRef(member.id), "FAX"),
            VisitInput(MemberRef(member.id), "APP", now_utc() + timedelta(days=1)),
            VisitInput(MemberRef(member.id), "PC_WEB", site_code="nope")]
    results = await record_visits(INTEGRATION, rows)
    assert [codes(r) for r in results] == [[], ["MEMBER_UNKNOWN"], ["SITE_UNKNOWN"], ["MEMBER_REF_REQUIRED"],
                                           ["INVALID_CHOICE"], ["ACTIVITY_IN_FUTURE"], ["SITE_UNKNOWN"]]
    assert await Visit.all().count() == 1


async def test_batch_size_is_bounded(db):
    member = await make_member()
    with pytest.raises(Refused) as refused:
        await record_visits(INTEGRATION, [VisitInput(MemberRef(member.id), "APP")] * 1001)
    assert refused.value.codes == ["TOO_MANY"]


async def test_points_ledger_spend_beyond_held_is_refused(db):
    member = await make_member()
    ref = MemberRef(member.id)
    earned = await adjust_points(INTEGRATION, PointInput(ref, "EARN", 1000, "적립"))
    assert earned.points_held == 1000 and not earned.repeated
    spent = await adjust_points(INTEGRATION, PointInput(ref, "SPEND", 400, "사용"))
    assert spent.points_held == 600
    with pytest.raises(Refused) as refused:
        await adjust_points(INTEGRATION, PointInput(ref, "SPEND", 601))
    assert refused.value.codes == ["POINTS_INSUFFICIENT"]
    for bad in (0, -5, 100_000_001):
        with pytest.raises(Refused) as refused:
            await adjust_points(INTEGRATION, PointInput(ref, "EARN", bad))
        assert refused.value.codes == ["POINTS_AMOUNT_INVALID"]
    with pytest.raises(Refused) as refused:
        await adjust_points(INTEGRATION, PointInput(ref, "GIFT", 5))
    assert refused.value.codes == ["INVALID_CHOICE"]
    assert await points_held(member.id) == 600


async def test_batch_applies_in_order_so_an_earlier_earning_pays_a_later_spend(db):
    member = await make_member()
    ref = MemberRef(member.id)
    results = await adjust_points_batch(INTEGRATION, [PointInput(ref, "SPEND", 100), PointInput(ref, "EARN", 300),
                                                      PointInput(ref, "SPEND", 300), PointInput(ref, "SPEND", 1)])
    assert [codes(r) for r in results] == [["POINTS_INSUFFICIENT"], [], [], ["POINTS_INSUFFICIENT"]]
    assert await points_held(member.id) == 0


async def test_external_id_records_a_retried_call_once(db):
    member, other = await make_member(), await make_member()
    row = PointInput(MemberRef(member.id), "EARN", 500, "주문 적립", external_id="pos-77")
    first = await adjust_points(INTEGRATION, row)
    again = await adjust_points(INTEGRATION, row)
    assert again.repeated and again.entry.id == first.entry.id and again.points_held == 500
    assert await PointEntry.filter(external_id="pos-77").count() == 1
    with pytest.raises(Refused) as refused:
        await adjust_points(INTEGRATION, PointInput(MemberRef(other.id), "EARN", 500, external_id="pos-77"))
    assert refused.value.codes == ["POINTS_EXTERNAL_ID_REUSED"]
    in_one_batch = await adjust_points_batch(INTEGRATION, [
        PointInput(MemberRef(member.id), "EARN", 10, external_id="pos-78"),
        PointInput(MemberRef(member.id), "EARN", 10, external_id="pos-78")])
    assert in_one_batch[1].repeated and in_one_batch[1].value.id == in_one_batch[0].value.id
    assert await points_held(member.id) == 510


async def test_tags_bulk_and_idempotent(db):
    site = await make_site(code="t")
    a, b = await make_member(site, login_id="aaa"), await make_member(site, login_id="bbb")
    refs = [MemberRef(a.id), MemberRef(site_code="t", login_id="bbb"), MemberRef(site_code="t", login_id="zzz")]
    report = await tag_members(INTEGRATION, " 단골 ", refs)
    assert report.changed == 2 and [codes(r) for r in report.results] == [[], [], ["MEMBER_UNKNOWN"]]
    again = await tag_members(INTEGRATION, "단골", refs[:2])
    assert again.changed == 0 and all(r.repeated for r in again.results)
    assert await tags_by_members([a.id, b.id]) == [["단골"], ["단골"]]
    removed = await tag_members(INTEGRATION, "단골", [MemberRef(a.id)], remove=True)
    assert removed.changed == 1 and await MemberTag.filter(tag="단골").count() == 1
    with pytest.raises(Refused) as refused:
        await tag_members(INTEGRATION, "  ", refs)
    assert refused.value.codes == ["REQUIRED"]
    with pytest.raises(Refused):
        await tag_members(INTEGRATION, "x" * 51, refs)


async def test_consent_withdrawal_keeps_the_row_and_the_newest_news_wins(db):
    member = await make_member()
    ref = MemberRef(member.id)
    given = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
    [sms] = await set_marketing_consent(INTEGRATION, ref, [ConsentInput("SMS", True, given)])
    assert sms.granted and sms.changed_at == given
    [same] = await set_marketing_consent(INTEGRATION, ref, [ConsentInput("SMS", True, given + timedelta(days=3))])
    assert same.changed_at == given  # the date it was first given is kept
    withdrawn_at = given + timedelta(days=5)
    await set_marketing_consent(INTEGRATION, ref, [ConsentInput("SMS", False, withdrawn_at)])
    await set_marketing_consent(INTEGRATION, ref, [ConsentInput("SMS", True, given + timedelta(days=1))])  # stale
    row = await MarketingConsent.get(member_id=member.id, channel="SMS")
    assert row.granted is False and row.changed_at == withdrawn_at
    with pytest.raises(Refused) as refused:
        await set_marketing_consent(INTEGRATION, ref, [ConsentInput("KAKAO", True), ConsentInput("FAX", True)])
    assert refused.value.codes == ["INVALID_CHOICE"]
    assert not await MarketingConsent.exists(member_id=member.id, channel="KAKAO")
    assert await AuditEntry.filter(action="member.consent").count() == 2


async def test_upsert_creates_then_updates_and_fires_coupon_triggers(db):
    from gql.resolvers.coupon_issuing import set_trigger

    await make_site(code="main")
    owner = operator_actor(await make_operator(Role.OWNER))
    signup = await make_coupon(issue_method="AUTO")
    grade_coupon = await make_coupon(issue_method="AUTO")
    await set_trigger(owner, TriggerEvent.SIGN_UP.value, signup.id)
    await set_trigger(owner, TriggerEvent.GRADE_CHANGE.value, grade_coupon.id)
    created = await upsert_member(INTEGRATION, MemberUpsert(
        "main", "newbie", name="신입", phone="01012345678", consents=(ConsentInput("EMAIL", True),)))
    assert created.created and created.member.phone == "010-1234-5678"
    member = created.member
    assert await MarketingConsent.filter(member_id=member.id, channel="EMAIL", granted=True).exists()
    assert await member.coupons.filter(coupon_id=signup.id).count() == 1
    updated = await upsert_member(INTEGRATION, MemberUpsert("main", "newbie", grade="GOLD"))
    assert not updated.created and updated.member.grade == "GOLD" and updated.member.name == "신입"
    assert await member.coupons.filter(coupon_id=grade_coupon.id).count() == 1
    history = await GradeChange.filter(member_id=member.id).order_by("id").values_list("from_grade", "to_grade")
    assert history == [(None, "BASIC"), ("BASIC", "GOLD")]
    entries = await AuditEntry.filter(entity_type="Member", entity_id=str(member.id)).count()
    await upsert_member(INTEGRATION, MemberUpsert("main", "newbie", grade="GOLD", name="신입"))
    assert await AuditEntry.filter(entity_type="Member", entity_id=str(member.id)).count() == entries


async def test_upsert_refusals_change_nothing(db):
    await make_site(code="main")
    with pytest.raises(Refused) as refused:
        await upsert_member(INTEGRATION, MemberUpsert("main", "nobody"))
    assert refused.value.codes == ["REQUIRED"]
    with pytest.raises(Refused) as refused:
        await upsert_member(INTEGRATION, MemberUpsert("nope", "x1x", name="a", consents=(ConsentInput("FAX", True),)))
    assert set(refused.value.codes) == {"INVALID_CHOICE", "SITE_UNKNOWN"}
    with pytest.raises(Refused) as refused:
        await upsert_member(INTEGRATION, MemberUpsert("main", "ok_id", name="a", phone="12"))
    assert refused.value.codes == ["INVALID_PHONE"]
    assert not await members.Member.exists(login_id__in=["nobody", "x1x", "ok_id"])


async def test_grade_change_through_the_console_edit_path_is_recorded(db):
    member = await make_member(grade="BASIC")
    operator = operator_actor(await make_operator(Role.OPERATOR))
    await members.update_member(operator, member.id, members.MemberChanges(grade="VIP"))
    await members.update_member(operator, member.id, members.MemberChanges(name="다른이름"))
    rows = await GradeChange.filter(member_id=member.id).values_list("from_grade", "to_grade")
    assert rows == [("BASIC", "VIP")]


async def test_read_key_and_anonymous_cannot_write_activity(db):
    member = await make_member()
    for actor, code in ((READ_KEY, "FORBIDDEN"), (Actor(ActorKind.ANONYMOUS), "UNAUTHENTICATED"),
                        (operator_actor(await make_operator(Role.VIEWER)), "FORBIDDEN")):
        with pytest.raises(Refused) as refused:
            await record_visit(actor, VisitInput(MemberRef(member.id), "APP"))
        assert refused.value.codes == [code]
    assert not INTEGRATION.can_read_shop and READ_KEY.can_read_shop and not READ_KEY.can_write_activity
    operator = operator_actor(await make_operator(Role.OPERATOR))
    assert operator.can_write_activity
    await record_visit(operator, VisitInput(MemberRef(member.id), "PC_WEB"))
