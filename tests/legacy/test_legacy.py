"""Eligibility (seed 000's table), search, target coupons and serials, requests and applications."""

from datetime import UTC, date, datetime, timedelta

import pytest

from gql.resolvers import legacy
from gql.resolvers import legacy_applications as apps
from gql.resolvers.access import Actor, ActorKind, operator_actor
from gql.resolvers.errors import Refused
from gql.resolvers.pagination import PageRequest
from gql.resolvers.serials import register_serial
from models.access import Operator, Role
from models.audit import AuditEntry
from models.codes import Code
from models.coupons import IssueMethod, UseWindow
from models.legacy import ApplicationStatus, LegacyCoupon, LegacyKind, MigrationApplication, MigrationStage
from models.serials import SerialType
from tests.factories import make_coupon

A = legacy.SmartCouponAction

SEED_TABLE = {  # number: (reason, action) as seed 000's two tables show them
    "33172114": ("NO_ISSUE_HISTORY", A.CANNOT_CREATE),
    "19171914": (None, A.CREATE_COUPON),
    "31171714": (None, A.CREATE_COUPON),
    "12171514": (None, A.CREATE_COUPON),
    "44102514": ("ISSUANCE_EXPIRED", A.CANNOT_CREATE),
    "11555144": ("NO_USABLE_COUPONS", A.CANNOT_CREATE),
    "55154614": (None, A.CREATE_COUPON),
    "12108000": ("ISSUANCE_EXPIRED", A.CANNOT_CREATE),
    "20240301": (None, A.CREATE_COUPON),
}


async def search(actor, **kwargs):
    return await legacy.search_legacy_coupons(actor, legacy.LegacySearch(**kwargs), PageRequest(first=50))


async def test_eligibility_and_action_as_in_seed_000(imported):
    for number, (reason, action) in SEED_TABLE.items():
        coupon = imported[number]
        assert (legacy.ineligibility(coupon), legacy.smart_coupon_action(coupon)) == (reason, action), number


async def test_reasons_are_checked_in_order(imported):
    expired_and_empty = imported["44102514"]  # expired and never issued: expiry comes first
    assert legacy.ineligibility(expired_and_empty) == "ISSUANCE_EXPIRED"
    expired_and_empty.issue_status = "AVAILABLE"
    assert legacy.ineligibility(expired_and_empty) == "NO_ISSUE_HISTORY"


async def test_search_filters_and_counts(imported, owner):
    page = await search(owner)
    assert page.total_count == 9 and [c.number for c in page.items][:2] == ["33172114", "19171914"]
    assert (await search(owner, kind=LegacyKind.PAPER)).total_count == 4
    assert (await search(owner, kind=LegacyKind.JACKPOT)).total_count == 5
    issuable = await search(owner, condition=legacy.LegacyCondition.ISSUABLE)
    assert sorted(c.number for c in issuable.items) == ["12171514", "19171914", "20240301", "31171714", "55154614"]
    assert (await search(owner, text="VIP")).total_count == 3  # VVVIP, VIP, VVIP
    assert [c.number for c in (await search(owner, text="5515")).items] == ["55154614"]
    assert (await search(owner, condition=legacy.LegacyCondition.CREATED)).total_count == 0
    small = await legacy.search_legacy_coupons(owner, legacy.LegacySearch(), PageRequest(first=4))
    assert small.total_count == 9 and len(small.items) == 4 and small.has_next_page


async def test_records_with_unmatched_members(imported, owner):
    page = await legacy.list_legacy_records(owner, imported["12171514"].id, PageRequest(first=50))
    assert page.total_count == 6
    unmatched = await legacy.list_legacy_records(owner, imported["12171514"].id, PageRequest(first=50),
                                                 unmatched_only=True)
    assert [r.member_login_id for r in unmatched.items] == ["left_member"]
    key = Actor(ActorKind.API_KEY, id=1, label="dash")
    assert (await search(key)).total_count == 9  # dashboards read the search
    with pytest.raises(Refused):
        await legacy.list_legacy_records(key, imported["12171514"].id, PageRequest())


async def test_coupon_prefill(imported):
    jackpot = legacy.coupon_prefill(imported["12171514"])
    assert jackpot.name == "02월 VVIP 할인 쿠폰 테스트" and jackpot.issue_method == "MANUAL"
    assert sorted(jackpot.channels) == ["APP", "MOBILE_WEB", "PC_WEB"]
    assert jackpot.issue_from == imported["12171514"].issue_from == jackpot.use_from
    assert jackpot.use_window == UseWindow.RANGE.value and jackpot.display_to == imported["12171514"].display_to
    assert (jackpot.benefit, jackpot.amount) == ("FIXED", 1)
    days = legacy.coupon_prefill(imported["55154614"])
    assert (days.use_window, days.use_days_after_issue) == ("DAYS_AFTER_ISSUE", 12)


async def test_jackpot_target_and_request(imported, owner):
    coupon = await legacy.create_target_coupon(owner, imported["19171914"].id)
    assert coupon.issue_method == IssueMethod.MANUAL and coupon.name == "02월 일반회원 쿠폰"
    linked = await LegacyCoupon.get(id=imported["19171914"].id)
    assert linked.target_coupon_id == coupon.id and legacy.smart_coupon_action(linked) == A.CREATED
    assert (await search(owner, condition=legacy.LegacyCondition.CREATED)).total_count == 1
    with pytest.raises(Refused) as refused:  # one smart coupon, one legacy coupon
        await legacy.link_target(owner, imported["31171714"].id, coupon_id=coupon.id)
    assert refused.value.codes == ["LEGACY_TARGET_TAKEN"]
    with pytest.raises(Refused) as refused:  # not eligible
        await legacy.link_target(owner, imported["33172114"].id, coupon_id=(await make_coupon()).id)
    assert refused.value.codes == ["NO_ISSUE_HISTORY"]
    with pytest.raises(Refused) as refused:
        await legacy.link_target(owner, imported["31171714"].id,
                                 coupon_id=(await make_coupon(issue_method="DOWNLOAD")).id)
    assert refused.value.codes == ["WRONG_ISSUE_METHOD"]

    result = await apps.request_migration(owner, [imported[n].id for n in ("19171914", "31171714", "44102514")]
                                          + [999999])
    assert [c.number for c in result.requested] == ["19171914"]
    assert result.refused == {imported["31171714"].id: "LEGACY_TARGET_MISSING",
                              imported["44102514"].id: "ISSUANCE_EXPIRED", 999999: "NOT_FOUND"}
    requested = await LegacyCoupon.get(id=imported["19171914"].id)
    assert requested.stage == MigrationStage.REQUESTED and legacy.smart_coupon_action(requested) == A.REQUESTED
    again = await apps.request_migration(owner, [requested.id])
    assert again.refused == {requested.id: "LEGACY_ALREADY_REQUESTED"}
    with pytest.raises(Refused) as refused:
        await legacy.link_target(owner, requested.id, coupon_id=(await make_coupon()).id)
    assert refused.value.codes == ["LEGACY_TARGET_LOCKED"]
    assert (await search(owner, condition=legacy.LegacyCondition.REQUESTED)).total_count == 1


async def test_random_paper_serial_gets_the_legacy_serials(imported, owner, shoppers):
    paper = imported["20240301"]
    assert legacy.smart_coupon_action(paper) == A.CREATE_COUPON
    with pytest.raises(Refused) as refused:  # the serial comes after the coupon
        await legacy.create_target_serial(owner, paper.id)
    assert refused.value.codes == ["LEGACY_TARGET_WRONG_KIND"]
    coupon = await legacy.create_target_coupon(owner, paper.id)
    paper = await LegacyCoupon.get(id=paper.id)
    assert legacy.smart_coupon_action(paper) == A.CREATE_SERIAL
    codes = await legacy.paper_serials(paper.id)
    prefill = legacy.serial_prefill(paper, codes)
    assert prefill.type == "RANDOM" and prefill.rewards == [(coupon.id, 1)] and prefill.quantity_limit == 5
    assert prefill.register_to == datetime(2999, 12, 31, 14, 59, 59, tzinfo=UTC)
    assert prefill.register_from == paper.issue_from
    serial = await legacy.create_target_serial(owner, paper.id)
    assert serial.type == SerialType.RANDOM and serial.quantity_limit == 5
    assert sorted(await Code.filter(serial_campaign_id=serial.id).values_list("code", flat=True)) == codes
    paper = await LegacyCoupon.get(id=paper.id)
    assert paper.target_serial_id == serial.id and legacy.smart_coupon_action(paper) == A.CREATED
    # A printed serial nobody registered registers in kupon (once the operator activates the coupon
    # and opens its 2021 issue period).
    await coupon.filter(id=coupon.id).update(issue_status="ACTIVE", use_status="ACTIVE", issue_to=None,
                                             use_window="UNLIMITED", use_to=None, use_from=None)
    member = shoppers["shopper06"]
    registered = await register_serial(Actor(ActorKind.MEMBER, id=member.id, member_id=member.id), "sp24-k2m3-n4",
                                       "APP")
    assert [c.coupon_id for c in registered.coupons] == [coupon.id]


async def test_same_serial_paper_becomes_fixed(imported, owner):
    paper = imported["55154614"]
    await legacy.create_target_coupon(owner, paper.id)
    serial = await legacy.create_target_serial(owner, paper.id)
    assert serial.type == SerialType.FIXED and serial.quantity_limit is None
    assert await Code.filter(serial_campaign_id=serial.id).values_list("code", flat=True) == ["DC43AABBDD46D"]


async def test_link_serial_checks_the_reward(imported, owner):
    paper = imported["55154614"]
    await legacy.create_target_coupon(owner, paper.id)
    from tests.factories import make_serial_campaign

    unrelated = await make_serial_campaign()
    with pytest.raises(Refused) as refused:
        await legacy.link_target(owner, paper.id, serial_id=unrelated.id)
    assert refused.value.codes == ["LEGACY_TARGET_WRONG_KIND"]
    with pytest.raises(Refused) as refused:  # jackpot coupons take no serial
        await legacy.link_target(owner, imported["19171914"].id, serial_id=unrelated.id)
    assert refused.value.codes == ["LEGACY_TARGET_WRONG_KIND"]


async def requested(owner, imported, number="19171914"):
    await legacy.create_target_coupon(owner, imported[number].id)
    await apps.request_migration(owner, [imported[number].id])


async def test_application_needs_consent_and_valid_contacts(imported, owner):
    await requested(owner, imported)
    with pytest.raises(Refused) as refused:
        await apps.submit_application(owner, "", "not-mail", "12345", None, False)
    assert sorted(refused.value.codes) == sorted(["REQUIRED", "INVALID_EMAIL", "INVALID_PHONE", "REQUIRED",
                                                  "CONSENT_REQUIRED"])
    with pytest.raises(Refused) as refused:
        await apps.submit_application(owner, "김담당", "ops@shop.kr", "01012345678", "2021-02-23", False)
    assert refused.value.codes == ["CONSENT_REQUIRED"]
    application = await apps.submit_application(owner, "김담당", "ops@shop.kr", "01012345678", "2021-02-23", True)
    assert application.status == ApplicationStatus.SUBMITTED and application.wished_date == date(2021, 2, 23)
    stored = await MigrationApplication.get(id=application.id)
    assert (stored.applicant_name, stored.applicant_phone) == ("김담당", "010-1234-5678")
    assert [c.number for c in await apps.application_coupons(application.id)] == ["19171914"]
    with pytest.raises(Refused) as refused:  # every requested coupon is in an open application
        await apps.submit_application(owner, "김담당", "ops@shop.kr", "01012345678", "2021-02-23", True)
    assert refused.value.codes == ["NOTHING_REQUESTED"]


async def test_owner_schedules_and_cancel_erases_personal_data(imported, owner):
    await requested(owner, imported)
    application = await apps.submit_application(owner, "김담당", "ops@shop.kr", "010-1234-5678", date(2021, 2, 23),
                                                True)
    operator = operator_actor(await Operator.create(login_id="op", name="직원", password_hash="!",
                                                    role=Role.OPERATOR))
    for call in (apps.schedule_application(operator, application.id, datetime.now(UTC) + timedelta(days=1)),
                 apps.cancel_application(operator, application.id)):
        with pytest.raises(Refused) as refused:
            await call
        assert refused.value.codes == ["FORBIDDEN"]
    with pytest.raises(Refused) as refused:
        await apps.schedule_application(owner, application.id, datetime.now(UTC) - timedelta(minutes=1))
    assert refused.value.codes == ["SCHEDULE_IN_PAST"]
    at = datetime.now(UTC) + timedelta(days=2)
    scheduled = await apps.schedule_application(owner, application.id, at)
    assert scheduled.status == ApplicationStatus.SCHEDULED and scheduled.scheduled_at == at.replace(microsecond=(
        scheduled.scheduled_at.microsecond))
    cancelled = await apps.cancel_application(owner, application.id)
    assert cancelled.status == ApplicationStatus.CANCELLED and cancelled.erased_at is not None
    stored = await MigrationApplication.get(id=application.id)
    assert (stored.applicant_name, stored.applicant_email, stored.applicant_phone) == ("", "", "")
    erased = await AuditEntry.get(action="legacy.applicant_erased")
    text = str(erased.before) + str(erased.after)
    assert "ops@shop.kr" not in text and "김담당" not in text and "5678" not in text
    assert not any("ops@shop.kr" in str(e.after) for e in await AuditEntry.all())
    with pytest.raises(Refused) as refused:
        await apps.cancel_application(owner, application.id)
    assert refused.value.codes == ["APPLICATION_CLOSED"]
    # The coupon is still requested: a new application covers it again.
    again = await apps.submit_application(owner, "이담당", "two@shop.kr", "010-2222-3333", "2021-03-01", True)
    assert [c.number for c in await apps.application_coupons(again.id)] == ["19171914"]
