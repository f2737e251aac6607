"""Issuing: AUTO triggers, downloads, codes, revoking, and the daily birthday job."""

from datetime import date

import pytest

from gql.resolvers.access import Actor, ActorKind, operator_actor
from gql.resolvers.checkout import CartInput, CartLineInput, OrderRequest, place_order
from gql.resolvers.coupon_codes import CodeFilter, generate_individual_codes, give_code, list_codes, register_code
from gql.resolvers.coupon_issuing import download_coupon, issue_manually, revoke_member_coupon, set_trigger
from gql.resolvers.errors import Refused
from gql.resolvers.members import MemberChanges, NewMember, create_member, update_member
from gql.resolvers.pagination import PageRequest
from kupon import jobs
from kupon.timeutil import seoul_today
from models.access import Role
from models.coupons import MemberCoupon, MemberCouponStatus
from models.jobs import Job
from tests.factories import give_coupon, make_coupon, make_member, make_operator, make_site


def as_member(member) -> Actor:
    return Actor(ActorKind.MEMBER, id=member.id, label=member.login_id, member_id=member.id)


async def operator():
    return operator_actor(await make_operator(Role.OPERATOR))


async def wallet(member) -> list[int]:
    return [mc.coupon_id for mc in await MemberCoupon.filter(member_id=member.id).order_by("id")]


async def test_sign_up_grade_and_update_triggers_issue_once(db):
    actor = await operator()
    site = await make_site()
    welcome = await make_coupon(issue_method="AUTO")
    gold = await make_coupon(issue_method="AUTO")
    updated = await make_coupon(issue_method="AUTO")
    await set_trigger(actor, "SIGN_UP", welcome.id)
    await set_trigger(actor, "GRADE_CHANGE", gold.id)
    await set_trigger(actor, "MEMBER_UPDATE", updated.id)
    member = await create_member(actor, NewMember(site_id=site.id, login_id="newbie", name="신규회원"))
    assert await wallet(member) == [welcome.id]
    await update_member(actor, member.id, MemberChanges(grade="GOLD"))
    await update_member(actor, member.id, MemberChanges(name="이름변경"))
    await update_member(actor, member.id, MemberChanges(name="이름변경"))  # no change: no event
    assert sorted(await wallet(member)) == sorted([welcome.id, gold.id, updated.id])


async def test_trigger_needs_an_auto_coupon(db):
    with pytest.raises(Refused) as refused:
        await set_trigger(await operator(), "SIGN_UP", (await make_coupon(issue_method="MANUAL")).id)
    assert refused.value.codes == ["WRONG_ISSUE_METHOD"]


async def test_first_purchase_coupon_only_after_the_first_order(db):
    actor = await operator()
    first = await make_coupon(issue_method="AUTO")
    await set_trigger(actor, "FIRST_PURCHASE", first.id)
    member = await make_member()
    cart = CartInput(lines=[CartLineInput(kind="BOOK", quantity=1, unit_price=15000)], channel="APP")
    await place_order(as_member(member), None, OrderRequest(cart))
    await place_order(as_member(member), None, OrderRequest(cart))
    assert await wallet(member) == [first.id]


async def test_birthday_job_runs_once_a_day_and_issues_once_a_year(db, app):
    actor = await operator()
    birthday = await make_coupon(issue_method="AUTO")
    await set_trigger(actor, "BIRTHDAY", birthday.id)
    today = seoul_today()
    celebrating = await make_member(birthday=date(1990, today.month, min(today.day, 28)) if today.day <= 28
                                    else date(1992, today.month, today.day))
    other = await make_member(birthday=date(1990, 1, 1) if (today.month, today.day) != (1, 1) else date(1990, 1, 2))
    created = await jobs.ensure_daily_jobs(today)
    assert await jobs.ensure_daily_jobs(today) == []  # created once per day
    first = await Job.filter(id__in=created, kind="coupons.birthday").values_list("id", flat=True)
    assert len(first) == 1
    await app.state.job_runner.run_pending()
    job = await Job.get(id=first[0])
    assert job.status == "SUCCEEDED" and job.result == {"issued": 1}
    assert await wallet(celebrating) == [birthday.id] and await wallet(other) == []


async def test_manual_issue_reports_refusals_per_member(db):
    actor = await operator()
    site = await make_site()
    coupon = await make_coupon(site_id=site.id, per_member_limit=1)
    here, elsewhere = await make_member(site), await make_member()
    report = await issue_manually(actor, coupon.id, [here.id, elsewhere.id, here.id, 999999])
    assert [mc.member_id for mc in report.issued] == [here.id]
    assert report.refused == {elsewhere.id: "WRONG_SITE", 999999: "NOT_FOUND"}
    again = await issue_manually(actor, coupon.id, [here.id])
    assert again.refused == {here.id: "ALREADY_ISSUED"}


async def test_download_respects_status_and_per_member(db):
    coupon = await make_coupon(issue_method="DOWNLOAD", total_limit=100)
    member = await make_member()
    issued = await download_coupon(as_member(member), coupon.download_token)
    assert issued.issued_via == "DOWNLOAD"
    with pytest.raises(Refused) as twice:
        await download_coupon(as_member(member), coupon.download_token)
    assert twice.value.codes == ["ALREADY_ISSUED"]
    waiting = await make_coupon(issue_method="DOWNLOAD", issue_status="WAITING")
    with pytest.raises(Refused) as closed:
        await download_coupon(as_member(member), waiting.download_token)
    assert closed.value.codes == ["ISSUE_NOT_ACTIVE"]


async def test_shared_and_individual_codes(db):
    actor = await operator()
    shared = await make_coupon(issue_method="CODE", code_mode="SHARED", shared_code="welcome-2026")
    a, b = await make_member(), await make_member()
    assert (await register_code(as_member(a), "Welcome 2026")).coupon_id == shared.id  # case and spaces ignored
    assert (await register_code(as_member(b), "WELCOME2026")).coupon_id == shared.id
    with pytest.raises(Refused) as again:
        await register_code(as_member(a), "welcome2026")
    assert again.value.codes == ["ALREADY_ISSUED"]
    individual = await make_coupon(issue_method="CODE", code_mode="INDIVIDUAL")
    assert await generate_individual_codes(actor, individual.id, 5) == 5
    codes = (await list_codes(actor, individual.id, CodeFilter(), PageRequest(first=10))).items
    assert len({c.code for c in codes}) == 5 and all(set(c.code) <= set("23456789ABCDEFGHJKMNPQRSTUVWXYZ")
                                                      for c in codes)
    await register_code(as_member(a), codes[0].code.lower())
    with pytest.raises(Refused) as used:
        await register_code(as_member(b), codes[0].code)
    assert used.value.codes == ["CODE_USED"]
    given = await give_code(actor, codes[1].id, b.id)
    assert given.member_id == b.id
    unused = await list_codes(actor, individual.id, CodeFilter(used=False), PageRequest(first=10))
    assert unused.total_count == 3
    with pytest.raises(Refused) as unknown:
        await register_code(as_member(a), "NOPE")
    assert unknown.value.codes == ["CODE_UNKNOWN"]


async def test_revoke_only_unused(db):
    actor = await operator()
    member = await make_member()
    mc = await give_coupon(await make_coupon(), member)
    revoked = await revoke_member_coupon(actor, mc.id)
    assert revoked.status == MemberCouponStatus.REVOKED
    with pytest.raises(Refused) as twice:
        await revoke_member_coupon(actor, mc.id)
    assert twice.value.codes == ["NOT_REVOCABLE"]


async def test_public_download_url(client, db):
    from tests.factories import member_token

    coupon = await make_coupon(issue_method="DOWNLOAD", name="다운로드 쿠폰", total_limit=1)
    info = await client.get(f"/coupons/{coupon.download_token}")
    assert info.status_code == 200 and info.json()["name"] == "다운로드 쿠폰"
    assert (await client.get("/coupons/unknown-token")).status_code == 404
    assert (await client.post(f"/coupons/{coupon.download_token}")).status_code == 401
    first, second = await make_member(), await make_member()
    claimed = await client.post(f"/coupons/{coupon.download_token}",
                                headers={"Authorization": f"Bearer {await member_token(first)}"})
    assert claimed.status_code == 201 and await wallet(first) == [coupon.id]
    late = await client.post(f"/coupons/{coupon.download_token}",
                             headers={"Authorization": f"Bearer {await member_token(second)}"})
    assert late.status_code == 409 and late.json()["code"] == "ISSUE_LIMIT_REACHED"


async def test_revoked_coupon_can_be_issued_again_within_the_limit(db):
    actor = await operator()
    member = await make_member()
    coupon = await make_coupon(per_member_limit=1)
    first = (await issue_manually(actor, coupon.id, [member.id])).issued[0]
    await revoke_member_coupon(actor, first.id)
    again = await issue_manually(actor, coupon.id, [member.id])
    assert len(again.issued) == 1 and again.refused == {}
