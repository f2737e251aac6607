"""Gift cards (SPEC section 9, seed 004): campaigns, cards with balances, every redemption attempt."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class GiftCardStatus(StrEnum):
    ACTIVE = "ACTIVE"
    DISABLED = "DISABLED"


class RedemptionStatus(StrEnum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    ROLLED_BACK = "ROLLED_BACK"


class GiftCardCampaign(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100)
    value = fields.IntField()
    code_prefix = fields.CharField(max_length=10, default="")
    code_pattern = fields.CharField(max_length=40, default="")
    code_length = fields.IntField(default=16)
    valid_from = fields.DatetimeField(null=True)
    valid_to = fields.DatetimeField(null=True)
    # 1: single use; N: up to N redemptions; None: any number while the balance lasts.
    max_uses = fields.IntField(null=True)
    status = fields.CharEnumField(GiftCardStatus, max_length=16, default=GiftCardStatus.ACTIVE)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "gift_card_campaign"
        ordering = ["-id"]


class GiftCard(Model):
    id = fields.IntField(primary_key=True)
    campaign = fields.ForeignKeyField("models.GiftCardCampaign", related_name="cards", on_delete=fields.RESTRICT)
    code = fields.CharField(max_length=40, unique=True)
    initial_value = fields.IntField()
    balance = fields.IntField()
    uses = fields.IntField(default=0)
    status = fields.CharEnumField(GiftCardStatus, max_length=16, default=GiftCardStatus.ACTIVE)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "gift_card"
        ordering = ["id"]


class GiftCardRedemption(Model):
    """Every attempt, failed ones included (with the reason). `card` is empty for an unknown code."""

    id = fields.BigIntField(primary_key=True)
    card = fields.ForeignKeyField("models.GiftCard", related_name="redemptions", null=True,
                                  on_delete=fields.RESTRICT)
    code_text = fields.CharField(max_length=64)
    order = fields.ForeignKeyField("models.Order", related_name="gift_card_redemptions", null=True,
                                   on_delete=fields.SET_NULL)
    amount = fields.IntField()
    status = fields.CharEnumField(RedemptionStatus, max_length=16)
    reason = fields.CharField(max_length=40, default="")
    source = fields.CharField(max_length=16, default="ORDER")
    at = fields.DatetimeField()

    class Meta:
        table = "gift_card_redemption"
        ordering = ["-id"]
        indexes = (("status", "at"),)
