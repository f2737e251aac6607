"""Coupons and serial codes restricted to members of chosen segments (or built-in groups).

Membership is read from each segment's latest snapshot (`segments.latest_membership`), so
checkout and registration agree with what the console shows for that day. Checkout reads a
coupon's audience inside its one wallet query (gql.resolvers.checkout._wallet_sql, the same
rule in SQL); serial registration calls `serial_audience_refusal`.
"""

from __future__ import annotations

from tortoise.models import Model
from tortoise.transactions import in_transaction

from gql.resolvers.access import Actor, require_change_shop, require_read_shop
from gql.resolvers.audit import record_change
from gql.resolvers.errors import Refused
from gql.resolvers.segments import latest_membership
from models.coupons import Coupon
from models.segments import CouponAudience, Segment, SerialAudience
from models.serials import SerialCampaign

MAX_AUDIENCE = 20


async def _segments(segment_ids: list[int]) -> list[Segment]:
    """The chosen segments in the given order; refused when one is unknown or deleted."""
    ids = list(dict.fromkeys(segment_ids))
    if len(ids) > MAX_AUDIENCE:
        raise Refused.because("TOO_MANY", "segment_ids")
    found = {s.id: s for s in await Segment.filter(id__in=ids, is_deleted=False)} if ids else {}
    if len(found) != len(ids):
        raise Refused.because("NOT_FOUND", "segment_ids")
    return [found[i] for i in ids]


async def check_audience(segment_ids: list[int]) -> None:
    """Refuse unknown segments without changing anything (the console checks before it saves)."""
    await _segments(segment_ids)


async def _replace(actor: Actor, owner: Model, link: type[Model], owner_field: str, action: str,
                   segment_ids: list[int]) -> list[Segment]:
    segments = await _segments(segment_ids)
    async with in_transaction():
        before = await link.filter(**{owner_field: owner.pk}).order_by("id").values_list("segment_id", flat=True)
        if list(before) == [s.id for s in segments]:
            return segments  # unchanged: no rewrite, no audit entry
        await link.filter(**{owner_field: owner.pk}).delete()
        await link.bulk_create([link(**{owner_field: owner.pk, "segment_id": s.id}) for s in segments])
        await record_change(actor, action, owner, before={"segment_ids": list(before)},
                            after={"segment_ids": [s.id for s in segments]})
    return segments


async def set_coupon_audience(actor: Actor, coupon_id: int, segment_ids: list[int]) -> list[Segment]:
    """Only members of these segments (any of them) may use the coupon; none: every member."""
    require_change_shop(actor)
    coupon = await Coupon.get_or_none(id=coupon_id)
    if coupon is None:
        raise Refused.because("NOT_FOUND", "coupon_id")
    return await _replace(actor, coupon, CouponAudience, "coupon_id", "coupon.audience", segment_ids)


async def set_serial_audience(actor: Actor, campaign_id: int, segment_ids: list[int]) -> list[Segment]:
    """Only members of these segments or groups may register the campaign's codes; none: every member."""
    require_change_shop(actor)
    campaign = await SerialCampaign.get_or_none(id=campaign_id)
    if campaign is None:
        raise Refused.because("NOT_FOUND", "campaign_id")
    return await _replace(actor, campaign, SerialAudience, "campaign_id", "serial.audience", segment_ids)


async def coupon_audience(actor: Actor, coupon_id: int) -> list[Segment]:
    require_read_shop(actor)
    return list(await Segment.filter(coupons__coupon_id=coupon_id).order_by("coupons__id"))


async def serial_audience(actor: Actor, campaign_id: int) -> list[Segment]:
    require_read_shop(actor)
    return list(await Segment.filter(serials__campaign_id=campaign_id).order_by("serials__id"))


async def serial_audience_refusal(campaign_id: int, member_id: int) -> str | None:
    """SERIAL_NOT_IN_AUDIENCE when the campaign has an audience the member is not in, else None."""
    segment_ids = list(await SerialAudience.filter(campaign_id=campaign_id).values_list("segment_id", flat=True))
    if segment_ids and not await latest_membership(segment_ids, member_id):
        return "SERIAL_NOT_IN_AUDIENCE"
    return None
