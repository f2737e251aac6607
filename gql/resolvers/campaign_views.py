"""What the campaign screens show around a campaign: the choices of the editor and the names
its targets and coupon block refer to. Reads only; the console and GraphQL ask here rather
than reading the models themselves."""

from __future__ import annotations

from dataclasses import dataclass

from gql.resolvers.access import Actor, require_read_shop
from gql.resolvers.campaigns import PickableMember
from gql.resolvers.segments import ensure_builtin_groups
from kupon.privacy import mask_phone
from models.campaigns import Campaign, CampaignRun
from models.coupons import Coupon, IssueMethod
from models.members import Member
from models.segments import Segment, SegmentKind

DOWNLOAD_COUPON_CHOICES = 200


@dataclass
class EditorChoices:
    segments: list[Segment]
    download_coupons: list[Coupon]


@dataclass
class CampaignReferences:
    segment_names: list[str]
    picked: list[PickableMember]
    coupon: Coupon | None


async def editor_choices(actor: Actor) -> EditorChoices:
    """Custom segments by name, and the newest coupons a member can download (a coupon block's URL)."""
    require_read_shop(actor)
    await ensure_builtin_groups()
    segments = await Segment.filter(is_deleted=False, kind=SegmentKind.CUSTOM).order_by("name")
    coupons = await Coupon.filter(issue_method=IssueMethod.DOWNLOAD).order_by("-id").limit(DOWNLOAD_COUPON_CHOICES)
    return EditorChoices(list(segments), list(coupons))


async def picked_members(actor: Actor, ids: list[int]) -> list[PickableMember]:
    """Members picked by hand, in the order picked, phones masked; unknown ids left out."""
    require_read_shop(actor)
    found = {m.id: m for m in await Member.filter(id__in=ids)} if ids else {}
    return [PickableMember(m.id, m.name, mask_phone(m.phone), str(m.grade), m.login_id)
            for i in ids if (m := found.get(i))]


async def campaign_references(actor: Actor, campaign: Campaign) -> CampaignReferences:
    require_read_shop(actor)
    targets = campaign.targets or {}
    segment_ids = targets.get("segment_ids") or []
    names = [s.name for s in await Segment.filter(id__in=segment_ids)] if segment_ids else []
    coupon_id = (campaign.coupon_block or {}).get("coupon_id")
    coupon = await Coupon.get_or_none(id=coupon_id) if coupon_id else None
    return CampaignReferences(names, await picked_members(actor, targets.get("member_ids") or []), coupon)


async def has_runs(actor: Actor, campaign_id: int) -> bool:
    require_read_shop(actor)
    return await CampaignRun.exists(campaign_id=campaign_id)


async def campaign_names(actor: Actor, ids: set[int]) -> dict[int, str]:
    require_read_shop(actor)
    return dict(await Campaign.filter(id__in=ids).values_list("id", "name")) if ids else {}
