"""Coupon codes (seed 001): a shared code (once per member) or individual single-use codes."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from gql.resolvers.access import Actor, require_change_shop, require_member, require_read_shop
from gql.resolvers.audit import record_change
from gql.resolvers.codes import generate_codes
from gql.resolvers.coupon_issuing import issue_coupon
from gql.resolvers.errors import Refused
from gql.resolvers.pagination import Page, PageRequest, paginate
from kupon.codes import CodeShape, normalise_code
from kupon.timeutil import now_utc
from models.codes import CodeKind
from models.coupons import CodeMode, Coupon, CouponCode, IssueMethod, MemberCoupon
from models.members import Member

MAX_CODES_PER_REQUEST = 100_000
INSERT_BATCH = 1000


async def _code_coupon(coupon_id: int, mode: CodeMode | None = None) -> Coupon:
    coupon = await Coupon.get_or_none(id=coupon_id)
    if coupon is None:
        raise Refused.because("NOT_FOUND", "coupon_id")
    if coupon.issue_method != IssueMethod.CODE or (mode and coupon.code_mode != mode):
        raise Refused.because("WRONG_ISSUE_METHOD", "coupon_id")
    return coupon


async def generate_individual_codes(actor: Actor, coupon_id: int, count: int) -> int:
    """Add `count` new single-use codes; more can be added later. Codes are unique across the
    table (the database enforces it; a rare collision is simply drawn again)."""
    require_change_shop(actor)
    if not 1 <= count <= MAX_CODES_PER_REQUEST:
        raise Refused.because("TOO_MANY", "count")
    coupon = await _code_coupon(coupon_id, CodeMode.INDIVIDUAL)
    codes = await generate_codes(CodeKind.COUPON, CodeShape(), count)
    async with in_transaction():
        await CouponCode.bulk_create([CouponCode(coupon_id=coupon.id, code=c, mode=CodeMode.INDIVIDUAL)
                                      for c in codes], batch_size=INSERT_BATCH)
        await record_change(actor, "coupon_code.generate", coupon, after={"count": len(codes)})
    created = len(codes)
    return created


@dataclass(frozen=True)
class CodeFilter:
    used: bool | None = None
    search: str = ""


async def list_codes(actor: Actor, coupon_id: int, flt: CodeFilter, page: PageRequest) -> Page[CouponCode]:
    require_read_shop(actor)
    query = CouponCode.filter(coupon_id=coupon_id).select_related("member")
    if flt.used is not None:
        query = query.filter(registered_at__isnull=not flt.used)
    if flt.search.strip():
        query = query.filter(code__icontains=normalise_code(flt.search))
    return await paginate(query.order_by("id"), page)


async def register_code(actor: Actor, text: str) -> MemberCoupon:
    """A member types a coupon code: the coupon lands in their wallet, or a reason comes back."""
    member = await Member.get(id=require_member(actor))
    return await redeem_code_for(member, text)


async def redeem_code_for(member: Member, text: str) -> MemberCoupon:
    code = await CouponCode.get_or_none(code=normalise_code(text)).select_related("coupon")
    if code is None:
        raise Refused.because("CODE_UNKNOWN", "code")
    coupon = code.coupon
    if code.mode == CodeMode.SHARED:
        return await issue_coupon(coupon, member, IssueMethod.CODE, member_cap=1, use_total_cap=True, code=code)
    if code.registered_at is not None:
        raise Refused.because("CODE_USED", "code")
    if code.member_id not in (None, member.id):
        raise Refused.because("CODE_GIVEN_TO_ANOTHER", "code")
    async with in_transaction():
        # Only one member ever registers an individual code, however many try at once.
        unclaimed = CouponCode.filter(id=code.id, registered_at__isnull=True)
        unclaimed = unclaimed.filter(member_id=member.id) if code.member_id else unclaimed.filter(
            member_id__isnull=True)
        if not await unclaimed.update(member_id=member.id, registered_at=now_utc()):
            raise Refused.because("CODE_USED", "code")
        return await issue_coupon(coupon, member, IssueMethod.CODE, code=code)


async def give_code(actor: Actor, code_id: int, member_id: int) -> MemberCoupon:
    """An operator gives an unused individual code to a member: it is registered for them at once."""
    require_change_shop(actor)
    code = await CouponCode.get_or_none(id=code_id)
    member = await Member.get_or_none(id=member_id)
    if code is None:
        raise Refused.because("NOT_FOUND", "code_id")
    if member is None:
        raise Refused.because("NOT_FOUND", "member_id")
    if code.mode != CodeMode.INDIVIDUAL:
        raise Refused.because("WRONG_ISSUE_METHOD", "code_id")
    if code.registered_at is not None:
        raise Refused.because("CODE_USED", "code_id")
    async with in_transaction():
        await CouponCode.filter(id=code.id, registered_at__isnull=True).update(given_at=now_utc())
        member_coupon = await redeem_code_for(member, code.code)
        await record_change(actor, "coupon_code.give", code, after={"member_id": member.id, "code": code.code})
    return member_coupon


async def get_code(actor: Actor, coupon_id: int, code_id: int) -> CouponCode:
    """One code of one coupon (a code of another coupon is NOT_FOUND), with its member."""
    require_read_shop(actor)
    code = await CouponCode.get_or_none(id=code_id, coupon_id=coupon_id).select_related("member")
    if code is None:
        raise Refused.because("NOT_FOUND", "code_id")
    return code
