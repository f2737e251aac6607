"""Serial code campaigns (SPEC section 2, seed 000): members register a code, rewards land in the wallet."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class SerialType(StrEnum):
    FIXED = "FIXED"  # one code for everyone (typed in or generated)
    RANDOM = "RANDOM"  # N single-use generated codes


class SerialStatus(StrEnum):
    ACTIVE = "ACTIVE"
    STOPPED = "STOPPED"


class SerialCampaign(Model):
    id = fields.IntField(primary_key=True)
    site = fields.ForeignKeyField("models.Site", related_name="serial_campaigns", null=True,
                                  on_delete=fields.RESTRICT)
    name = fields.CharField(max_length=100)
    channels = fields.CharField(max_length=64, default="APP,MOBILE_WEB,PC_WEB")
    register_from = fields.DatetimeField(null=True)
    register_to = fields.DatetimeField(null=True)
    # Grades allowed to register; empty: every member.
    member_grades = fields.JSONField(default=list)
    type = fields.CharEnumField(SerialType, max_length=16)
    # FIXED: registrations allowed in total; RANDOM: codes generated so far. None: unlimited (FIXED only).
    quantity_limit = fields.IntField(null=True)
    registered_count = fields.IntField(default=0)
    # 1: a member registers once; N: up to N times (FIXED codes).
    per_member_limit = fields.IntField(default=1)
    code_prefix = fields.CharField(max_length=10, default="")
    code_pattern = fields.CharField(max_length=40, default="")
    code_length = fields.IntField(default=12)
    status = fields.CharEnumField(SerialStatus, max_length=16, default=SerialStatus.ACTIVE)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "serial_campaign"
        ordering = ["-id"]

    @property
    def channel_list(self) -> list[str]:
        return [c for c in self.channels.split(",") if c]


class SerialReward(Model):
    id = fields.IntField(primary_key=True)
    campaign = fields.ForeignKeyField("models.SerialCampaign", related_name="rewards", on_delete=fields.CASCADE)
    coupon = fields.ForeignKeyField("models.Coupon", related_name="serial_rewards", on_delete=fields.RESTRICT)
    quantity = fields.IntField(default=1)

    class Meta:
        table = "serial_reward"


class SerialRegistration(Model):
    id = fields.IntField(primary_key=True)
    campaign = fields.ForeignKeyField("models.SerialCampaign", related_name="registrations",
                                      on_delete=fields.CASCADE)
    code = fields.ForeignKeyField("models.Code", related_name="serial_registrations", on_delete=fields.CASCADE)
    member = fields.ForeignKeyField("models.Member", related_name="serial_registrations", on_delete=fields.RESTRICT)
    client_ip = fields.CharField(max_length=64, default="")
    registered_at = fields.DatetimeField()

    class Meta:
        table = "serial_registration"
        ordering = ["-id"]


class SerialMemberCount(Model):
    """Registrations per member and campaign, for the duplicate limit (a conditional UPDATE)."""

    id = fields.IntField(primary_key=True)
    campaign = fields.ForeignKeyField("models.SerialCampaign", related_name="member_counts",
                                      on_delete=fields.CASCADE)
    member = fields.ForeignKeyField("models.Member", related_name="serial_counts", on_delete=fields.CASCADE)
    registrations = fields.IntField(default=0)

    class Meta:
        table = "serial_member_count"
        unique_together = (("campaign", "member"),)


class FailedRegistration(Model):
    """Failed code entries (serials and coupon codes), read to throttle guessing."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.IntField(null=True)
    client_ip = fields.CharField(max_length=64, default="")
    reason = fields.CharField(max_length=40)
    at = fields.DatetimeField()

    class Meta:
        table = "failed_registration"
        indexes = (("member_id", "at"), ("client_ip", "at"))
