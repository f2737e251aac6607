"""What the shop's back end tells kupon about its members, for segments and campaigns.

Visits, points and tags arrive through the integration API key or a CSV import; orders,
spending and coupon use are read from kupon's own tables. Points held are the sum of the
ledger, never stored a second time.
"""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models.coupons import Channel
from models.members import Grade


class PointKind(StrEnum):
    EARN = "EARN"
    SPEND = "SPEND"


class ConsentChannel(StrEnum):
    """Marketing consent per channel. NIGHT is the separate consent to advertising sent
    between 21:00 and 08:00 (Network Act article 50(3)), not a channel of its own."""

    SMS = "SMS"
    KAKAO = "KAKAO"
    EMAIL = "EMAIL"
    PUSH = "PUSH"
    NIGHT = "NIGHT"


class Visit(Model):
    id = fields.BigIntField(primary_key=True)
    member = fields.ForeignKeyField("models.Member", related_name="visits", on_delete=fields.CASCADE)
    site = fields.ForeignKeyField("models.Site", related_name="visits", on_delete=fields.CASCADE)
    channel = fields.CharEnumField(Channel, max_length=16)
    at = fields.DatetimeField()

    class Meta:
        table = "member_visit"
        indexes = (("member_id", "at"), ("at",))


class PointEntry(Model):
    """One ledger line: EARN adds `amount`, SPEND takes it away (amount is always positive)."""

    id = fields.BigIntField(primary_key=True)
    member = fields.ForeignKeyField("models.Member", related_name="point_entries", on_delete=fields.CASCADE)
    kind = fields.CharEnumField(PointKind, max_length=8)
    amount = fields.IntField()
    reason = fields.CharField(max_length=200, default="")
    at = fields.DatetimeField()
    # The back end's own id for the entry, so a retried call records it once.
    external_id = fields.CharField(max_length=64, null=True, unique=True)

    class Meta:
        table = "point_entry"
        indexes = (("member_id", "at"),)


class MemberTag(Model):
    id = fields.IntField(primary_key=True)
    member = fields.ForeignKeyField("models.Member", related_name="tags", on_delete=fields.CASCADE)
    tag = fields.CharField(max_length=50)
    tagged_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "member_tag"
        unique_together = (("member", "tag"),)
        indexes = (("tag",),)


class GradeChange(Model):
    id = fields.IntField(primary_key=True)
    member = fields.ForeignKeyField("models.Member", related_name="grade_changes", on_delete=fields.CASCADE)
    from_grade = fields.CharEnumField(Grade, max_length=16, null=True)
    to_grade = fields.CharEnumField(Grade, max_length=16)
    at = fields.DatetimeField()

    class Meta:
        table = "grade_change"
        ordering = ["-at"]


class MarketingConsent(Model):
    """A member's current consent on one channel: given when `granted`, withdrawn otherwise.
    `changed_at` is when it was given or withdrawn (the two-year notice counts from it)."""

    id = fields.IntField(primary_key=True)
    member = fields.ForeignKeyField("models.Member", related_name="consents", on_delete=fields.CASCADE)
    channel = fields.CharEnumField(ConsentChannel, max_length=8)
    granted = fields.BooleanField()
    changed_at = fields.DatetimeField()
    source = fields.CharField(max_length=50, default="")
    # When the informational notice of the consent status was last sent (every two years).
    notified_at = fields.DatetimeField(null=True)

    class Meta:
        table = "marketing_consent"
        unique_together = (("member", "channel"),)
        indexes = (("channel", "granted"),)
