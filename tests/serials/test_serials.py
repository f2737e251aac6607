"""Serial code campaigns: creation, generation as a job, registration with every refusal, and limits
that hold under concurrent registrations on PostgreSQL."""

import asyncio
from datetime import timedelta

import pytest

from gql.resolvers.access import Actor, ActorKind, operator_actor
from gql.resolvers.errors import Refused
from gql.resolvers.serials import (
    MAX_FAILURES_PER_MEMBER,
    SerialInput,
    create_serial_campaign,
    register_serial,
    update_serial_campaign,
)
from kupon.timeutil import now_utc
from models.access import Role
from models.codes import Code
from models.coupons import MemberCoupon
from models.jobs import Job
from models.serials import SerialCampaign
from tests.factories import make_coupon, make_member, make_operator


def as_member(member) -> Actor:
    return Actor(ActorKind.MEMBER, id=member.id, label=member.login_id, member_id=member.id)


async def operator():
    return operator_actor(await make_operator(Role.OPERATOR))


async def fixed_campaign(code="PAPER2026", **fields):
    coupon = await make_coupon()
    values = {"name": "종이쿠폰", "type": "FIXED", "rewards": [(coupon.id, 2)], "fixed_code": code, **fields}
    return await create_serial_campaign(await operator(), SerialInput(**values)), coupon


async def refusal(awaitable) -> str:
    with pytest.raises(Refused) as refused:
        await awaitable
    return refused.value.codes[0]


async def test_fixed_code_gives_its_rewards_once_per_member(db):
    campaign, coupon = await fixed_campaign()
    member = await make_member()
    result = await register_serial(as_member(member), "paper-2026", "APP", "10.0.0.1")
    assert [mc.coupon_id for mc in result.coupons] == [coupon.id, coupon.id]
    assert await refusal(register_serial(as_member(member), "PAPER2026", "APP")) == "ALREADY_REGISTERED"
    assert await MemberCoupon.filter(member_id=member.id).count() == 2


async def test_registration_refusals(db):
    member = await make_member(grade="BASIC")
    await fixed_campaign(code="ONLYVIP1", member_grades=["VIP"])
    await fixed_campaign(code="PCONLY01", channels=["PC_WEB"])
    await fixed_campaign(code="LATER001", register_from=now_utc() + timedelta(days=1))
    await fixed_campaign(code="STOPPED1", status="STOPPED")
    await fixed_campaign(code="TWOONLY1", quantity_limit=1, per_member_limit=1)
    assert await refusal(register_serial(as_member(member), "ONLYVIP1", "APP")) == "WRONG_GROUP"
    assert await refusal(register_serial(as_member(member), "PCONLY01", "APP")) == "WRONG_CHANNEL"
    assert await refusal(register_serial(as_member(member), "LATER001", "APP")) == "OUTSIDE_PERIOD"
    assert await refusal(register_serial(as_member(member), "STOPPED1", "APP")) == "SERIAL_NOT_ACTIVE"
    assert await refusal(register_serial(as_member(member), "NOSUCHCODE", "APP")) == "CODE_UNKNOWN"
    await register_serial(as_member(await make_member()), "TWOONLY1", "APP")
    assert await refusal(register_serial(as_member(member), "TWOONLY1", "APP")) == "SERIAL_USED_UP"


async def test_invalid_definitions_are_refused(db):
    coupon = await make_coupon()
    with pytest.raises(Refused) as refused:
        await create_serial_campaign(await operator(), SerialInput(
            name="", type="RANDOM", rewards=[], code_length=3, quantity_limit=10,
            register_from=now_utc(), register_to=now_utc() - timedelta(days=1)))
    assert set(refused.value.codes) == {"REQUIRED", "REWARDS_REQUIRED", "INVALID_CODE_PATTERN",
                                        "WINDOW_ENDS_BEFORE_START"}
    with pytest.raises(Refused) as small:
        await create_serial_campaign(await operator(), SerialInput(
            name="x", type="RANDOM", rewards=[(coupon.id, 1)], code_pattern="AB####", quantity_limit=10_000))
    assert small.value.codes == ["CODE_SPACE_TOO_SMALL"]
    await fixed_campaign(code="TAKEN123")
    assert await refusal(fixed_campaign(code="taken-123")) == "DUPLICATE"
    assert await SerialCampaign.filter(name="종이쿠폰").count() == 1


async def test_random_codes_are_generated_by_a_job_and_single_use(db, app):
    coupon = await make_coupon()
    campaign = await create_serial_campaign(await operator(), SerialInput(
        name="랜덤", type="RANDOM", rewards=[(coupon.id, 1)], quantity_limit=50, code_pattern="RND-####-####"))
    await app.state.job_runner.run_pending()
    job = await Job.get(kind="serials.generate")
    assert job.status == "SUCCEEDED" and (job.progress, job.total) == (50, 50)
    codes = await Code.filter(serial_campaign_id=campaign.id).values_list("code", flat=True)
    assert len(set(codes)) == 50 and all(c.startswith("RND") and len(c) == 11 for c in codes)
    first, second = await make_member(), await make_member()
    await register_serial(as_member(first), codes[0].lower(), "APP")
    assert await refusal(register_serial(as_member(second), codes[0], "APP")) == "CODE_USED"
    await register_serial(as_member(second), codes[1], "APP")


async def test_guessing_is_throttled(db):
    member = await make_member()
    await fixed_campaign(code="REALCODE1")
    for n in range(MAX_FAILURES_PER_MEMBER):
        assert await refusal(register_serial(as_member(member), f"GUESS{n:04d}", "APP", "10.1.1.1")) == "CODE_UNKNOWN"
    assert await refusal(register_serial(as_member(member), "REALCODE1", "APP", "10.1.1.1")) == "TRY_AGAIN_LATER"
    other = await make_member()
    await register_serial(as_member(other), "REALCODE1", "APP", "10.1.1.2")


async def test_update_keeps_type_and_changes_the_rest(db):
    campaign, coupon = await fixed_campaign()
    actor = await operator()
    changed = await update_serial_campaign(actor, campaign.id, SerialInput(
        name="바뀐 이름", type="FIXED", rewards=[(coupon.id, 1)], per_member_limit=3))
    assert (changed.name, changed.per_member_limit) == ("바뀐 이름", 3)
    with pytest.raises(Refused):
        await update_serial_campaign(actor, campaign.id, SerialInput(name="x", type="RANDOM",
                                                                     rewards=[(coupon.id, 1)]))


async def _gather_codes(calls) -> list[str]:
    async def attempt(call):
        try:
            await call
            return "OK"
        except Refused as refused:
            return refused.codes[0]

    return await asyncio.wait_for(asyncio.gather(*(attempt(c) for c in calls)), timeout=120)


async def test_concurrent_registrations_hold_every_limit(db):
    if not db.is_postgres:
        pytest.skip("concurrency is meaningful on PostgreSQL (SQLite serialises a process's writes)")
    actor = await operator()
    coupon = await make_coupon()
    random_campaign = await create_serial_campaign(actor, SerialInput(name="r", type="RANDOM", quantity_limit=1,
                                                                      rewards=[(coupon.id, 1)]))
    from gql.resolvers.serials import generate_serial_codes
    from kupon.jobs import JobRun

    job = await Job.get(kind="serials.generate")
    await generate_serial_codes(JobRun(job))
    code = (await Code.get(serial_campaign_id=random_campaign.id)).code
    members = [await make_member() for _ in range(30)]
    one_code = await _gather_codes(register_serial(as_member(m), code, "APP") for m in members[:20])
    assert one_code.count("OK") == 1 and set(one_code) == {"OK", "CODE_USED"}

    await fixed_campaign(code="TENONLY01", quantity_limit=10)
    ten = await _gather_codes(register_serial(as_member(m), "TENONLY01", "APP") for m in members)
    assert ten.count("OK") == 10 and set(ten) == {"OK", "SERIAL_USED_UP"}
    assert (await SerialCampaign.get(name="종이쿠폰", quantity_limit=10)).registered_count == 10

    await fixed_campaign(code="ONCEEACH1")
    once = await _gather_codes(register_serial(as_member(members[0]), "ONCEEACH1", "APP") for _ in range(10))
    assert once.count("OK") == 1 and set(once) == {"OK", "ALREADY_REGISTERED"}
