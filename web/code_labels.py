"""Operator-facing names of the serial code and gift card enums, with the coupon ones they reuse
(channels, statuses). Templates translate them with `_(labels[value])`."""

from __future__ import annotations

from models.giftcards import GiftCardStatus, RedemptionStatus
from models.members import Grade
from models.serials import SerialStatus, SerialType
from web.coupon_labels import LABELS as COUPON_LABELS
from web.coupon_labels import N_

LABELS: dict[str, str] = {
    **COUPON_LABELS,
    SerialType.FIXED: N_("Fixed code"),
    SerialType.RANDOM: N_("Random codes"),
    SerialStatus.ACTIVE: N_("Active"),
    SerialStatus.STOPPED: N_("Stopped"),
    GiftCardStatus.DISABLED: N_("Disabled"),
    RedemptionStatus.SUCCEEDED: N_("Succeeded"),
    RedemptionStatus.FAILED: N_("Failed"),
    RedemptionStatus.ROLLED_BACK: N_("Rolled back"),
    "COUNTER": N_("Counter"),
    "ORDER": N_("Order"),
    Grade.BASIC: N_("Basic"),
    Grade.SILVER: N_("Silver"),
    Grade.GOLD: N_("Gold"),
    Grade.VIP: N_("VIP"),
}
