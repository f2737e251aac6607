"""Customer segments: a validated condition tree, recomputed daily into dated snapshots.

`tree` holds the tree as JSON (see gql/resolvers/segment_tree.py for its grammar).
A snapshot is the membership of one Seoul day: `SegmentMember` rows keyed by
(segment, day, member), so the members of any recomputed day, and who entered or left
since the day before, are plain SQL.
"""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class SegmentKind(StrEnum):
    CUSTOM = "CUSTOM"
    BUILTIN = "BUILTIN"


class Segment(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100)
    description = fields.TextField(default="")
    kind = fields.CharEnumField(SegmentKind, max_length=8, default=SegmentKind.CUSTOM)
    # Built-in groups: REGULARS, ALMOST_REGULARS, FIRST_EARNING.
    builtin_key = fields.CharField(max_length=32, null=True, unique=True)
    # Search scope: None is every member, otherwise the members of one site.
    site = fields.ForeignKeyField("models.Site", related_name="segments", null=True, on_delete=fields.RESTRICT)
    tree = fields.JSONField()
    size = fields.IntField(null=True)
    computed_for = fields.DateField(null=True)
    computed_at = fields.DatetimeField(null=True)
    is_deleted = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "segment"
        ordering = ["id"]


class SegmentSnapshot(Model):
    """The size of a segment on one Seoul day, and when it was computed."""

    id = fields.IntField(primary_key=True)
    segment = fields.ForeignKeyField("models.Segment", related_name="snapshots", on_delete=fields.CASCADE)
    day = fields.DateField()
    size = fields.IntField()
    computed_at = fields.DatetimeField()
    # The tree the snapshot was computed with, so an edited segment still explains its history.
    tree = fields.JSONField()

    class Meta:
        table = "segment_snapshot"
        unique_together = (("segment", "day"),)
        ordering = ["day"]


class SegmentMember(Model):
    id = fields.BigIntField(primary_key=True)
    segment = fields.ForeignKeyField("models.Segment", related_name="members", on_delete=fields.CASCADE)
    day = fields.DateField()
    member = fields.ForeignKeyField("models.Member", related_name="segment_rows", on_delete=fields.CASCADE)

    class Meta:
        table = "segment_member"
        unique_together = (("segment", "day", "member"),)
        indexes = (("member_id",),)


class CouponAudience(Model):
    """A coupon restricted to members of these segments (none: every member)."""

    id = fields.IntField(primary_key=True)
    coupon = fields.ForeignKeyField("models.Coupon", related_name="audience", on_delete=fields.CASCADE)
    segment = fields.ForeignKeyField("models.Segment", related_name="coupons", on_delete=fields.RESTRICT)

    class Meta:
        table = "coupon_audience"
        unique_together = (("coupon", "segment"),)


class SerialAudience(Model):
    """Serial code registration restricted to members of these segments or groups."""

    id = fields.IntField(primary_key=True)
    campaign = fields.ForeignKeyField("models.SerialCampaign", related_name="audience", on_delete=fields.CASCADE)
    segment = fields.ForeignKeyField("models.Segment", related_name="serials", on_delete=fields.RESTRICT)

    class Meta:
        table = "serial_audience"
        unique_together = (("campaign", "segment"),)
