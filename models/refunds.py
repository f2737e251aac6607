"""Refunds (SPEC section 5, seed 001 환불관리)."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models.fields import EncryptedTextField


class RefundStatus(StrEnum):
    REQUESTED = "REQUESTED"
    COMPLETED = "COMPLETED"
    REJECTED = "REJECTED"


class RefundMethod(StrEnum):
    CARD_CANCEL = "CARD_CANCEL"
    BANK_TRANSFER = "BANK_TRANSFER"


class RefundRequest(Model):
    """A request to give money back for some items of an order. `amount` is what was asked for,
    `refunded_amount` what was paid back on completion (never more than the refundable amount)."""

    id = fields.IntField(primary_key=True)
    order = fields.ForeignKeyField("models.Order", related_name="refunds", on_delete=fields.RESTRICT)
    item_ids = fields.JSONField(default=list)
    requested_at = fields.DatetimeField()
    requested_by = fields.CharField(max_length=100)
    status = fields.CharEnumField(RefundStatus, max_length=16, default=RefundStatus.REQUESTED)
    amount = fields.IntField()
    refunded_amount = fields.IntField(default=0)
    reason = fields.TextField(default="")
    method = fields.CharEnumField(RefundMethod, max_length=20, default=RefundMethod.CARD_CANCEL)
    bank = fields.CharField(max_length=50, default="")
    account_number = EncryptedTextField(null=True)
    account_holder = fields.CharField(max_length=50, default="")
    memo = fields.TextField(default="")
    handler = fields.ForeignKeyField("models.Operator", related_name="handled_refunds", null=True,
                                     on_delete=fields.SET_NULL)
    rejected_reason = fields.TextField(default="")
    completed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "refund_request"
        ordering = ["-id"]
        indexes = (("status", "requested_at"),)


class MemberMessage(Model):
    """The outbox of messages to members (refund results now, campaigns later)."""

    id = fields.BigIntField(primary_key=True)
    member = fields.ForeignKeyField("models.Member", related_name="messages", on_delete=fields.CASCADE)
    template = fields.CharField(max_length=64)
    payload = fields.JSONField(default=dict)
    status = fields.CharField(max_length=16, default="PENDING")
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "member_message"
        ordering = ["-id"]
