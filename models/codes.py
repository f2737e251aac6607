"""Every code a person types, of every kind, in one table: its primary key makes a code
unique across coupon codes, serial codes and gift cards (SPEC 2 and 9)."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class CodeKind(StrEnum):
    COUPON = "COUPON"
    SERIAL = "SERIAL"
    GIFT_CARD = "GIFT_CARD"


class Code(Model):
    """A typed code, stored normalised (upper-case, no spaces or hyphens), so lookups are
    case-insensitive. Serial codes live here directly (a million of them are one row each);
    coupon codes and gift cards keep their own row and claim their code here too."""

    code = fields.CharField(max_length=40, primary_key=True)
    kind = fields.CharEnumField(CodeKind, max_length=16)
    serial_campaign = fields.ForeignKeyField("models.SerialCampaign", related_name="codes", null=True,
                                             on_delete=fields.CASCADE)
    registrations = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "code"
        indexes = (("serial_campaign_id", "registrations"),)
