"""Serial code campaigns (SPEC section 2): definitions, code generation, registration.

Registration limits are conditional UPDATEs inside one transaction (codes,
campaign quantity, per-member duplicates), so concurrent members never exceed
them; failed attempts are recorded and throttle guessing per member and per
client address.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from gql.resolvers.access import Actor, require_change_shop, require_member, require_read_shop
from gql.resolvers.audit import record_change, snapshot
from gql.resolvers.codes import claim_codes, generate_codes
from gql.resolvers.coupon_issuing import issue_coupon
from gql.resolvers.errors import Problem, Refused
from gql.resolvers.jobs import start_job
from gql.resolvers.pagination import Page, PageRequest, paginate
from gql.resolvers.segment_audience import serial_audience_refusal
from kupon.codes import CodeShape, normalise_code
from kupon.jobs import JobRun, job_function
from kupon.timeutil import now_utc
from models.codes import Code, CodeKind
from models.coupons import Channel, Coupon, IssueMethod, MemberCoupon
from models.jobs import Job
from models.members import Grade, Member
from models.serials import (
    FailedRegistration,
    SerialCampaign,
    SerialMemberCount,
    SerialRegistration,
    SerialReward,
    SerialStatus,
    SerialType,
)

THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_MEMBER = 10
MAX_FAILURES_PER_ADDRESS = 30
MAX_RANDOM_CODES = 5_000_000
GENERATE_JOB = "serials.generate"


@dataclass(frozen=True)
class SerialInput:
    name: str
    type: str
    rewards: list[tuple[int, int]]
    site_id: int | None = None
    channels: list[str] = field(default_factory=lambda: [c.value for c in Channel])
    register_from: datetime | None = None
    register_to: datetime | None = None
    member_grades: list[str] = field(default_factory=list)
    quantity_limit: int | None = None
    per_member_limit: int = 1
    fixed_code: str = ""
    code_prefix: str = ""
    code_pattern: str = ""
    code_length: int = 12
    status: str = SerialStatus.ACTIVE.value


async def _clean(data: SerialInput, existing: SerialCampaign | None = None) -> dict:
    p: list[Problem] = []
    name = (data.name or "").strip()
    if not name:
        p.append(Problem("REQUIRED", "name"))
    elif len(name) > 100:
        p.append(Problem("TOO_LONG", "name"))
    try:
        serial_type = SerialType(data.type)
    except ValueError:
        serial_type = None
        p.append(Problem("INVALID_CHOICE", "type"))
    if existing is not None and serial_type != existing.type:
        p.append(Problem("INVALID_CHOICE", "type"))  # codes already exist in the other shape
    channels = sorted(set(data.channels or []))
    if not channels or any(c not in Channel.__members__ for c in channels):
        p.append(Problem("INVALID_CHOICE" if channels else "REQUIRED", "channels"))
    if data.register_from and data.register_to and data.register_to <= data.register_from:
        p.append(Problem("WINDOW_ENDS_BEFORE_START", "register_to"))
    if any(g not in Grade.__members__ for g in data.member_grades or []):
        p.append(Problem("INVALID_CHOICE", "member_grades"))
    if data.quantity_limit is not None and data.quantity_limit < 1:
        p.append(Problem("INVALID_LIMIT", "quantity_limit"))
    if serial_type == SerialType.RANDOM and existing is None:
        if data.quantity_limit is None:
            p.append(Problem("REQUIRED", "quantity_limit"))
        elif data.quantity_limit > MAX_RANDOM_CODES:
            p.append(Problem("TOO_MANY", "quantity_limit"))
    if data.per_member_limit < 1:
        p.append(Problem("INVALID_LIMIT", "per_member_limit"))
    shape = CodeShape(length=data.code_length, prefix=data.code_prefix, pattern=data.code_pattern)
    if serial_type == SerialType.RANDOM and existing is None and data.quantity_limit:
        problem = shape.problem(data.quantity_limit)
        if problem:
            p.append(Problem(problem, "code_pattern"))
    if not data.rewards:
        p.append(Problem("REWARDS_REQUIRED", "rewards"))
    coupon_ids = [coupon_id for coupon_id, _ in data.rewards]
    if any(quantity < 1 for _, quantity in data.rewards):
        p.append(Problem("INVALID_LIMIT", "rewards"))
    if coupon_ids and await Coupon.filter(id__in=set(coupon_ids)).count() != len(set(coupon_ids)):
        p.append(Problem("NOT_FOUND", "rewards"))
    try:
        status = SerialStatus(data.status)
    except ValueError:
        status = None
        p.append(Problem("INVALID_CHOICE", "status"))
    if p:
        raise Refused(*p)
    return {
        "name": name, "site_id": data.site_id, "channels": ",".join(channels), "register_from": data.register_from,
        "register_to": data.register_to, "member_grades": sorted(set(data.member_grades or [])),
        "type": serial_type, "quantity_limit": data.quantity_limit,
        "per_member_limit": data.per_member_limit if serial_type == SerialType.FIXED else 1,
        "code_prefix": data.code_prefix, "code_pattern": data.code_pattern, "code_length": data.code_length,
        "status": status,
    }


async def check_serial_input(data: SerialInput, campaign_id: int | None = None) -> None:
    """Raise Refused with every problem of `data`, as creating (or updating `campaign_id`) would;
    changes nothing. (The console calls it to list these next to the fields it could not read.)"""
    await _clean(data, existing=await _campaign(campaign_id) if campaign_id else None)


AUDITED = ["name", "channels", "register_from", "register_to", "member_grades", "quantity_limit",
           "per_member_limit", "status"]


async def create_serial_campaign(actor: Actor, data: SerialInput,
                                 given_codes: Collection[str] | None = None) -> SerialCampaign:
    """FIXED: the one code is claimed now (typed in or generated). RANDOM: the codes are made by a
    background job (a million take a while); its progress is on the campaign's latest job.
    RANDOM with `given_codes` (legacy paper serials, SPEC 3): exactly those codes, claimed now
    (normalised; quantity = how many), no job; refused with IMPORT_CODE_TAKEN, and nothing kept,
    when one of them is already a code of any kind."""
    require_change_shop(actor)
    if given_codes is not None:
        given = {normalise_code(c) for c in given_codes} - {""}
        data = replace(data, quantity_limit=len(given) or None)
    values = await _clean(data)
    if given_codes is not None and values["type"] == SerialType.RANDOM:
        return await _create_with_codes(actor, values, data.rewards, given)
    fixed_code = normalise_code(data.fixed_code)
    if values["type"] == SerialType.FIXED and fixed_code and not 4 <= len(fixed_code) <= 40:
        raise Refused.because("INVALID_CODE_PATTERN", "fixed_code")
    async with in_transaction():
        campaign = await SerialCampaign.create(**values)
        await _replace_rewards(campaign, data.rewards)
        await record_change(actor, "serial.create", campaign, after=snapshot(campaign, AUDITED))
    if campaign.type == SerialType.FIXED:
        try:
            await _claim_fixed_code(campaign, fixed_code)
        except Refused:
            await campaign.delete()
            raise
    else:
        await start_job(actor, GENERATE_JOB, {"campaign_id": campaign.id, "target": campaign.quantity_limit})
    return campaign


async def _create_with_codes(actor: Actor, values: dict, rewards: list[tuple[int, int]],
                             codes: set[str]) -> SerialCampaign:
    async with in_transaction():
        campaign = await SerialCampaign.create(**values)
        await _replace_rewards(campaign, rewards)
        await record_change(actor, "serial.create", campaign, after=snapshot(campaign, AUDITED))
    claimed = await claim_codes(CodeKind.SERIAL, codes, campaign.id)
    if len(claimed) < len(codes):
        await Code.filter(serial_campaign_id=campaign.id).delete()
        await campaign.delete()
        raise Refused.because("IMPORT_CODE_TAKEN", "codes")
    return campaign


async def _claim_fixed_code(campaign: SerialCampaign, code: str) -> None:
    if code:
        if not await claim_codes(CodeKind.SERIAL, {code}, campaign.id):
            raise Refused.because("DUPLICATE", "fixed_code")
        return
    shape = CodeShape(length=campaign.code_length, prefix=campaign.code_prefix, pattern=campaign.code_pattern)
    await generate_codes(CodeKind.SERIAL, shape, 1, campaign.id)


async def _replace_rewards(campaign: SerialCampaign, rewards: list[tuple[int, int]]) -> None:
    await SerialReward.filter(campaign_id=campaign.id).delete()
    await SerialReward.bulk_create([SerialReward(campaign_id=campaign.id, coupon_id=c, quantity=q)
                                    for c, q in rewards])


async def update_serial_campaign(actor: Actor, campaign_id: int, data: SerialInput) -> SerialCampaign:
    """Everything but the type can change; RANDOM codes are added with `add_random_codes`."""
    require_change_shop(actor)
    campaign = await _campaign(campaign_id)
    values = await _clean(data, existing=campaign)
    if campaign.type == SerialType.RANDOM:
        values["quantity_limit"] = campaign.quantity_limit
    async with in_transaction():
        before = snapshot(campaign, AUDITED)
        for key, value in values.items():
            setattr(campaign, key, value)
        await campaign.save()
        await _replace_rewards(campaign, data.rewards)
        await record_change(actor, "serial.update", campaign, before, snapshot(campaign, AUDITED))
    return campaign


async def add_random_codes(actor: Actor, campaign_id: int, count: int) -> Job:
    require_change_shop(actor)
    campaign = await _campaign(campaign_id)
    if campaign.type != SerialType.RANDOM:
        raise Refused.because("WRONG_ISSUE_METHOD", "campaign_id")
    if not 1 <= count <= MAX_RANDOM_CODES:
        raise Refused.because("TOO_MANY", "count")
    shape = CodeShape(length=campaign.code_length, prefix=campaign.code_prefix, pattern=campaign.code_pattern)
    problem = shape.problem((campaign.quantity_limit or 0) + count)
    if problem:
        raise Refused.because(problem, "count")
    await SerialCampaign.filter(id=campaign.id).update(quantity_limit=F("quantity_limit") + count)
    # The target is read after the atomic increment: of two concurrent requests, the later job's
    # target covers both, and a job only makes what is missing up to its target.
    target = (await SerialCampaign.get(id=campaign.id)).quantity_limit
    return await start_job(actor, GENERATE_JOB, {"campaign_id": campaign.id, "target": target})


@job_function(GENERATE_JOB)
async def generate_serial_codes(run: JobRun) -> dict:
    """Resumable: counts what exists and makes only the rest, so a retry after a crash
    neither duplicates nor loses codes."""
    campaign = await SerialCampaign.get(id=run.params["campaign_id"])
    target = int(run.params["target"])
    existing = await Code.filter(serial_campaign_id=campaign.id).count()
    shape = CodeShape(length=campaign.code_length, prefix=campaign.code_prefix, pattern=campaign.code_pattern)

    async def progress(done: int, _total: int) -> None:
        await run.progress(existing + done, target)

    await run.progress(existing, target)
    made = await generate_codes(CodeKind.SERIAL, shape, max(0, target - existing), campaign.id, progress)
    return {"generated": len(made), "total": existing + len(made)}


async def _campaign(campaign_id: int) -> SerialCampaign:
    campaign = await SerialCampaign.get_or_none(id=campaign_id)
    if campaign is None:
        raise Refused.because("NOT_FOUND", "id")
    return campaign


async def get_serial_campaign(actor: Actor, campaign_id: int) -> SerialCampaign:
    require_read_shop(actor)
    return await _campaign(campaign_id)


async def list_serial_campaigns(actor: Actor, search: str, page: PageRequest, *,
                                serial_type: SerialType | None = None,
                                status: SerialStatus | None = None) -> Page[SerialCampaign]:
    """Newest first; `search` matches the name, `serial_type` and `status` narrow the list when given."""
    require_read_shop(actor)
    query = SerialCampaign.all()
    if search.strip():
        query = query.filter(name__icontains=search.strip())
    if serial_type is not None:
        query = query.filter(type=serial_type)
    if status is not None:
        query = query.filter(status=status)
    return await paginate(query.order_by("-id"), page)


async def list_serial_codes(actor: Actor, campaign_id: int, used: bool | None, page: PageRequest) -> Page[Code]:
    require_read_shop(actor)
    query = Code.filter(serial_campaign_id=campaign_id)
    if used is not None:
        query = query.filter(registrations__gt=0) if used else query.filter(registrations=0)
    return await paginate(query.order_by("created_at", "code"), page)


async def rewards_of(campaign_ids: list[int]) -> list[list[SerialReward]]:
    rows = await SerialReward.filter(campaign_id__in=set(campaign_ids)).select_related("coupon").order_by("id")
    return [[r for r in rows if r.campaign_id == i] for i in campaign_ids]


# Registration -----------------------------------------------------------------------------------------

async def check_throttle(member_id: int | None, client_ip: str) -> None:
    """Refuse while too many recent failures come from this member or this address."""
    since = now_utc() - THROTTLE_WINDOW
    if member_id is not None and await FailedRegistration.filter(
            member_id=member_id, at__gte=since).count() >= MAX_FAILURES_PER_MEMBER:
        raise Refused.because("TRY_AGAIN_LATER", "code")
    if client_ip and await FailedRegistration.filter(
            client_ip=client_ip, at__gte=since).count() >= MAX_FAILURES_PER_ADDRESS:
        raise Refused.because("TRY_AGAIN_LATER", "code")


async def record_failure(member_id: int | None, client_ip: str, reason: str) -> None:
    await FailedRegistration.create(member_id=member_id, client_ip=client_ip, reason=reason, at=now_utc())


@dataclass
class Registration:
    registration: SerialRegistration
    coupons: list[MemberCoupon]


async def register_serial(actor: Actor, text: str, channel: str, client_ip: str = "") -> Registration:
    """A member registers a serial code; its reward coupons land in the wallet, or a reason comes
    back. Every refusal but throttling itself counts as a failed attempt."""
    member = await Member.get(id=require_member(actor))
    await check_throttle(member.id, client_ip)
    try:
        return await _register(member, normalise_code(text), channel, client_ip)
    except Refused as refused:
        await record_failure(member.id, client_ip, refused.codes[0])
        raise


async def _register(member: Member, code_text: str, channel: str, client_ip: str) -> Registration:
    code = await Code.get_or_none(code=code_text, kind=CodeKind.SERIAL).select_related("serial_campaign")
    if code is None:
        raise Refused.because("CODE_UNKNOWN", "code")
    campaign: SerialCampaign = code.serial_campaign
    now = now_utc()
    if campaign.status != SerialStatus.ACTIVE:
        raise Refused.because("SERIAL_NOT_ACTIVE", "code")
    if (campaign.register_from and now < campaign.register_from) or (
            campaign.register_to and now > campaign.register_to):
        raise Refused.because("OUTSIDE_PERIOD", "code")
    if channel not in campaign.channel_list:
        raise Refused.because("WRONG_CHANNEL", "channel")
    if campaign.member_grades and member.grade.value not in campaign.member_grades:
        raise Refused.because("WRONG_GROUP", "code")
    if campaign.site_id is not None and campaign.site_id != member.site_id:
        raise Refused.because("WRONG_SITE", "code")
    if audience_refusal := await serial_audience_refusal(campaign.id, member.id):
        raise Refused.because(audience_refusal, "code")
    await _member_count_row(campaign.id, member.id)
    rewards = await SerialReward.filter(campaign_id=campaign.id).select_related("coupon").order_by("id")
    async with in_transaction():
        if campaign.type == SerialType.RANDOM:
            if not await Code.filter(code=code.code, registrations=0).update(registrations=1):
                raise Refused.because("CODE_USED", "code")
            await SerialCampaign.filter(id=campaign.id).update(registered_count=F("registered_count") + 1)
        else:
            limited = SerialCampaign.filter(id=campaign.id)
            if campaign.quantity_limit is not None:
                limited = limited.filter(registered_count__lt=campaign.quantity_limit)
            if not await limited.update(registered_count=F("registered_count") + 1):
                raise Refused.because("SERIAL_USED_UP", "code")
            await Code.filter(code=code.code).update(registrations=F("registrations") + 1)
        if not await SerialMemberCount.filter(campaign_id=campaign.id, member_id=member.id,
                                              registrations__lt=campaign.per_member_limit).update(
                registrations=F("registrations") + 1):
            raise Refused.because("ALREADY_REGISTERED", "code")
        registration = await SerialRegistration.create(campaign=campaign, code_id=code.code, member=member,
                                                       client_ip=client_ip, registered_at=now)
        coupons = []
        for reward in rewards:
            for n in range(reward.quantity):
                try:
                    coupons.append(await issue_coupon(reward.coupon, member, IssueMethod.MANUAL, now=now,
                                                      issue_key=f"SERIAL:{registration.id}:{reward.id}:{n}"))
                except Refused:
                    raise Refused.because("REWARD_UNAVAILABLE", "code") from None
    return Registration(registration, coupons)


async def _member_count_row(campaign_id: int, member_id: int) -> None:
    if await SerialMemberCount.exists(campaign_id=campaign_id, member_id=member_id):
        return
    try:
        async with in_transaction():
            await SerialMemberCount.create(campaign_id=campaign_id, member_id=member_id)
    except IntegrityError:
        pass
