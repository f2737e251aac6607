from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Grade(StrEnum):
    BASIC = "BASIC"
    SILVER = "SILVER"
    GOLD = "GOLD"
    VIP = "VIP"


class Member(Model):
    """A shop customer. Phone and e-mail are shown masked in every list."""

    id = fields.IntField(primary_key=True)
    site = fields.ForeignKeyField("models.Site", related_name="members", on_delete=fields.RESTRICT)
    login_id = fields.CharField(max_length=64)
    name = fields.CharField(max_length=50)
    phone = fields.CharField(max_length=20, default="")
    email = fields.CharField(max_length=254, default="")
    grade = fields.CharEnumField(Grade, max_length=16, default=Grade.BASIC)
    birthday = fields.DateField(null=True)
    is_active = fields.BooleanField(default=True)
    signed_up_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "member"
        ordering = ["id"]
        unique_together = (("site", "login_id"),)
        indexes = (("signed_up_at",),)


class MemberToken(Model):
    """A bearer token of the mobile app, stored as its SHA-256 only."""

    id = fields.IntField(primary_key=True)
    member = fields.ForeignKeyField("models.Member", related_name="tokens", on_delete=fields.CASCADE)
    token_hash = fields.CharField(max_length=64, unique=True)
    label = fields.CharField(max_length=100, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField(null=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "member_token"
