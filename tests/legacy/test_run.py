"""The migration run (SPEC 3, seed 000 "이전 작업") on both databases: the switch, used, unused and
unmatched records, paper serials, exactly once, STOPPED targets, personal data erased."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from gql.resolvers import legacy, legacy_run
from gql.resolvers import legacy_applications as apps
from gql.resolvers.access import Actor, ActorKind, operator_actor
from gql.resolvers.errors import Refused
from gql.resolvers.serials import register_serial
from gql.resolvers.shop_settings import coupons_enabled, set_coupons_enabled
from models.access import Operator, Role
from models.audit import AuditEntry
from models.codes import Code
from models.coupons import Coupon, CouponMemberCount, CouponStatus, MemberCoupon, MemberCouponStatus
from models.jobs import Job, JobStatus
from models.legacy import ApplicationStatus, LegacyCoupon, LegacyRecord, MigrationApplication, MigrationStage
from models.serials import SerialCampaign, SerialMemberCount, SerialRegistration

# Seed 000's eligible coupons: two jackpot (one with an unmatched member), a random-serial paper
# coupon (3 registered, 2 printed but never registered) and a same-serial one ("12 days after issue").
MIGRATED = ("19171914", "12171514", "20240301", "55154614")


async def submitted(owner, imported, numbers=MIGRATED) -> MigrationApplication:
    for number in numbers:
        await legacy.create_target_coupon(owner, imported[number].id)
        if imported[number].kind == "PAPER":
            await legacy.create_target_serial(owner, imported[number].id)
    result = await apps.request_migration(owner, [imported[n].id for n in numbers])
    assert not result.refused
    return await apps.submit_application(owner, "김담당", "ops@shop.kr", "010-1234-5678", "2021-02-23", True)


async def run(app, owner, application) -> MigrationApplication:
    await set_coupons_enabled(owner, False)
    await legacy_run.run_migration(owner, application.id)
    await app.state.job_runner.run_pending()
    return await MigrationApplication.get(id=application.id)


async def target(imported, number) -> Coupon:
    return await Coupon.get(id=(await LegacyCoupon.get(id=imported[number].id)).target_coupon_id)


async def test_refused_while_coupons_are_usable_in_checkout(app, imported, owner):
    application = await submitted(owner, imported, ("19171914",))
    assert await coupons_enabled()  # never set: on
    assert await legacy_run.run_blocker(application) == "MIGRATION_SWITCH_ON"
    with pytest.raises(Refused) as refused:
        await legacy_run.run_migration(owner, application.id)
    assert refused.value.codes == ["MIGRATION_SWITCH_ON"]
    staff = operator_actor(await Operator.create(login_id="staff", name="직원", password_hash="!",
                                                 role=Role.OPERATOR))
    with pytest.raises(Refused) as refused:
        await legacy_run.run_migration(staff, application.id)
    assert refused.value.codes == ["FORBIDDEN"]
    stored = await MigrationApplication.get(id=application.id)
    assert stored.status == ApplicationStatus.SUBMITTED and stored.job_id is None
    assert not await Job.exists(kind=legacy_run.RUN_JOB)


async def test_switch_stays_off_while_a_run_is_in_progress(app, imported, owner):
    application = await submitted(owner, imported, ("19171914",))
    await set_coupons_enabled(owner, False)
    started = await legacy_run.run_migration(owner, application.id)
    assert started.status == ApplicationStatus.RUNNING and await legacy_run.run_in_progress()
    with pytest.raises(Refused) as refused:
        await set_coupons_enabled(owner, True)
    assert refused.value.codes == ["MIGRATION_RUNNING"]
    assert not await coupons_enabled()
    with pytest.raises(Refused) as refused:  # started once only
        await legacy_run.run_migration(owner, application.id)
    assert refused.value.codes == ["APPLICATION_CLOSED"]
    await app.state.job_runner.run_pending()
    assert not await legacy_run.run_in_progress()
    assert await set_coupons_enabled(owner, True) and await coupons_enabled()


async def test_a_failed_run_frees_the_switch_and_can_run_again(app, imported, owner):
    application = await submitted(owner, imported, ("19171914",))
    await set_coupons_enabled(owner, False)
    started = await legacy_run.run_migration(owner, application.id)
    await Job.filter(id=started.job_id).update(status=JobStatus.FAILED)
    assert not await legacy_run.run_in_progress()
    again = await legacy_run.run_migration(owner, application.id)
    assert again.job_id != started.job_id
    await app.state.job_runner.run_pending()
    assert (await MigrationApplication.get(id=application.id)).status == ApplicationStatus.COMPLETED


async def test_records_move_into_member_coupons(app, imported, owner, shoppers):
    application = await run(app, owner, await submitted(owner, imported))
    assert application.status == ApplicationStatus.COMPLETED
    # 4 + 5 matched jackpot records (left_member unmatched), 3 + 5 registered paper records.
    assert (application.moved_count, application.already_count, application.unmatched_count) == (17, 0, 1)
    job = await Job.get(id=application.job_id)
    assert job.status == JobStatus.SUCCEEDED and (job.progress, job.total) == (17, 17)

    vvip = await target(imported, "12171514")
    moved = await MemberCoupon.filter(coupon_id=vvip.id).order_by("member_id")
    assert [m.member_id for m in moved] == [shoppers[f"shopper0{n}"].id for n in range(1, 6)]
    first = moved[0]
    assert first.status == MemberCouponStatus.AVAILABLE and first.issued_via == "MANUAL"
    assert first.issued_at == datetime(2021, 2, 18, 2, 0, tzinfo=UTC)  # 11:00 Seoul
    assert first.expires_at == vvip.use_to and first.issue_key == f"LEGACY:{(await first.legacy_record).id}"
    unmatched = await LegacyRecord.get(legacy_coupon_id=imported["12171514"].id, member_login_id="left_member")
    assert unmatched.member_coupon_id is None and unmatched.moved_at is None

    spring = await target(imported, "20240301")  # used by shopper01 on order 20210305-0007
    used = await MemberCoupon.get(coupon_id=spring.id, member_id=shoppers["shopper01"].id)
    record = await used.legacy_record
    assert used.status == MemberCouponStatus.USED and used.used_at == datetime(2021, 3, 5, 5, 0, tzinfo=UTC)
    assert record.order_ref == "20210305-0007" and record.member_coupon_id == used.id
    assert (spring.issued_count, spring.used_count) == (3, 1)
    counts = {(c.member_id, c.issued, c.used) for c in await CouponMemberCount.filter(coupon_id=spring.id)}
    assert counts == {(shoppers["shopper01"].id, 1, 1), (shoppers["shopper03"].id, 1, 0),
                      (shoppers["shopper04"].id, 1, 0)}

    days = await target(imported, "55154614")  # "12 days after issue": from the legacy issue time
    unused = await MemberCoupon.get(coupon_id=days.id, member_id=shoppers["shopper02"].id)
    assert unused.expires_at == unused.issued_at + timedelta(days=12)

    for number in MIGRATED:
        coupon = await LegacyCoupon.get(id=imported[number].id)
        assert coupon.stage == MigrationStage.MIGRATED and coupon.migrated_at is not None
        assert legacy.smart_coupon_action(coupon) == legacy.SmartCouponAction.MIGRATED
        smart = await target(imported, number)
        assert (smart.issue_status, smart.use_status) == (CouponStatus.STOPPED, CouponStatus.STOPPED)
    assert (await LegacyCoupon.get(number="31171714")).stage == MigrationStage.NONE  # not requested


async def test_stopped_target_has_a_banner_until_activated(app, imported, owner):
    await run(app, owner, await submitted(owner, imported, ("19171914",)))
    smart = await target(imported, "19171914")
    banner = await legacy_run.migration_banner(smart.id)
    assert banner.reason == "MIGRATED_COUPON_STOPPED" and banner.legacy_number == "19171914"
    assert banner.legacy_name == "02월 일반회원 쿠폰"
    await Coupon.filter(id=smart.id).update(issue_status=CouponStatus.ACTIVE, use_status=CouponStatus.ACTIVE)
    assert await legacy_run.migration_banner(smart.id) is None
    assert await legacy_run.migration_banner((await target(imported, "19171914")).id + 999) is None


async def test_paper_serials_registered_and_unregistered(app, imported, owner, shoppers):
    await run(app, owner, await submitted(owner, imported, ("20240301", "55154614")))
    random_serial = await SerialCampaign.get(id=(await LegacyCoupon.get(id=imported["20240301"].id)).target_serial_id)
    codes = dict(await Code.filter(serial_campaign_id=random_serial.id).values_list("code", "registrations"))
    assert codes == {"SP24A2B3C4": 1, "SP24D5E6F7": 1, "SP24G7H8J9": 1, "SP24K2M3N4": 0, "SP24P5Q6R7": 0}
    assert random_serial.registered_count == 3
    registrations = await SerialRegistration.filter(campaign_id=random_serial.id).order_by("code_id")
    assert [(r.code_id, r.member_id) for r in registrations] == [
        ("SP24A2B3C4", shoppers["shopper01"].id), ("SP24D5E6F7", shoppers["shopper03"].id),
        ("SP24G7H8J9", shoppers["shopper04"].id)]
    assert await SerialMemberCount.filter(campaign_id=random_serial.id, registrations=1).count() == 3

    same = await SerialCampaign.get(id=(await LegacyCoupon.get(id=imported["55154614"].id)).target_serial_id)
    assert same.registered_count == 5
    assert (await Code.get(code="DC43AABBDD46D")).registrations == 5

    # The operator activates the coupon (and opens its 2021 windows); a printed serial nobody
    # registered registers now, a registered one does not register again.
    smart = await target(imported, "20240301")
    await Coupon.filter(id=smart.id).update(issue_status="ACTIVE", use_status="ACTIVE", issue_to=None,
                                            use_window="UNLIMITED", use_to=None, use_from=None)
    member = shoppers["shopper06"]
    actor = Actor(ActorKind.MEMBER, id=member.id, member_id=member.id)
    registered = await register_serial(actor, "SP24-K2M3-N4", "APP")
    assert [c.coupon_id for c in registered.coupons] == [smart.id]
    with pytest.raises(Refused) as refused:
        await register_serial(actor, "SP24A2B3C4", "APP")
    assert refused.value.codes == ["CODE_USED"]


async def test_running_again_moves_nothing_twice(app, imported, owner):
    application = await submitted(owner, imported)
    # A crash after one committed batch: two records already moved before the run.
    spring = await LegacyCoupon.get(id=imported["12171514"].id)
    assert (await legacy_run.move_batch(await legacy_run._target(spring), spring.id, 2))[0] == 2
    application = await run(app, owner, application)
    assert (application.moved_count, application.already_count, application.unmatched_count) == (15, 2, 1)
    before = await MemberCoupon.all().count()
    assert before == 17 == await LegacyRecord.filter(member_coupon_id__not_isnull=True).count()
    # The job once more (a retry after its last batch) and every batch again: nothing new.
    await MigrationApplication.filter(id=application.id).update(status=ApplicationStatus.RUNNING)
    job = await Job.create(kind=legacy_run.RUN_JOB, params={"application_id": application.id})
    await app.state.job_runner.run_pending()
    assert (await Job.get(id=job.id)).status == JobStatus.SUCCEEDED
    for number in MIGRATED:
        coupon = await LegacyCoupon.get(id=imported[number].id)
        assert await legacy_run.move_batch(await legacy_run._target(coupon), coupon.id, 100) == (0, None)
    assert await MemberCoupon.all().count() == before
    vvip = await target(imported, "12171514")
    assert (vvip.issued_count, vvip.used_count) == (5, 0)
    assert sum(await CouponMemberCount.filter(coupon_id=vvip.id).values_list("issued", flat=True)) == 5


async def test_personal_data_erased_and_audited_without_it(app, imported, owner):
    application = await run(app, owner, await submitted(owner, imported, ("19171914",)))
    assert (application.applicant_name, application.applicant_email, application.applicant_phone) == ("", "", "")
    assert application.erased_at is not None and application.completed_at is not None
    entries = await AuditEntry.filter(entity_type="MigrationApplication", entity_id=str(application.id))
    actions = {e.action for e in entries}
    assert {"legacy.run_start", "legacy.run_complete", "legacy.applicant_erased"} <= actions
    text = " ".join(str(e.before) + str(e.after) for e in await AuditEntry.all())
    assert "ops@shop.kr" not in text and "김담당" not in text and "5678" not in text


async def test_scheduled_run_starts_once_when_due_and_waits_for_the_switch(app, imported, owner):
    application = await submitted(owner, imported, ("19171914",))
    await apps.schedule_application(owner, application.id, datetime.now(UTC) + timedelta(hours=1))
    assert await legacy_run.start_due_runs() == []  # not yet due
    await MigrationApplication.filter(id=application.id).update(scheduled_at=datetime.now(UTC) - timedelta(minutes=1))
    assert await legacy_run.start_due_runs() == []  # due, but the switch is on: it waits
    assert (await MigrationApplication.get(id=application.id)).status == ApplicationStatus.SCHEDULED
    await set_coupons_enabled(owner, False)
    started = await asyncio.gather(legacy_run.start_due_runs(), legacy_run.start_due_runs())
    assert sorted(sum(started, [])) == [application.id]
    assert await Job.filter(kind=legacy_run.RUN_JOB).count() == 1
    await app.state.job_runner.run_pending()
    done = await MigrationApplication.get(id=application.id)
    assert done.status == ApplicationStatus.COMPLETED and done.moved_count == 4


async def test_a_migrated_coupons_records_are_closed_to_imports(app, imported, owner):
    from gql.resolvers import legacy_import
    from tests.legacy.conftest import sample

    await run(app, owner, await submitted(owner, imported))
    again = await legacy_import.import_legacy_file(owner, "records", sample("records.csv"))
    assert not again.rejected and again.imported == again.updated == 0
    header = sample("records.csv").decode("utf-8-sig").splitlines()[0]
    late = f"{header}\n19171914,R19999,shopper05,,2021-02-19 10:00,,\n"
    before = await LegacyRecord.all().count()
    report = await legacy_import.import_legacy_file(owner, "records", late.encode())
    assert [(r.row, r.reason) for r in report.rejected] == [(2, "LEGACY_COUPON_MIGRATED")]
    assert await LegacyRecord.all().count() == before
