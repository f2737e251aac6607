"""Campaigns and coupon messages: what to send, to whom, when; every message recorded once
per run and member; the prepaid message credit as a ledger.

Advertising rules (Network Act article 50) are enforced in gql/resolvers/ad_rules.py and
applied when a run selects its targets and when it sends; exclusions are recorded as
messages with status EXCLUDED and their reason, so statistics and the compliance page read
one table.
"""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class MessageType(StrEnum):
    ADVERTISING = "ADVERTISING"
    INFORMATIONAL = "INFORMATIONAL"


class CampaignChannel(StrEnum):
    FRIENDTALK = "FRIENDTALK"
    ALIMTALK = "ALIMTALK"
    SMS = "SMS"
    EMAIL = "EMAIL"


class ScheduleKind(StrEnum):
    NOW = "NOW"
    RESERVED = "RESERVED"
    REPEAT = "REPEAT"


class CampaignStatus(StrEnum):
    DRAFT = "DRAFT"
    SCHEDULED = "SCHEDULED"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    DONE = "DONE"
    CANCELLED = "CANCELLED"


class CouponValidity(StrEnum):
    SAME_DAY = "SAME_DAY"
    DAYS_3 = "DAYS_3"
    DAYS_7 = "DAYS_7"
    DAYS_30 = "DAYS_30"
    DAYS_90 = "DAYS_90"
    DAYS_365 = "DAYS_365"


class RunStatus(StrEnum):
    PLANNED = "PLANNED"
    SENDING = "SENDING"
    DEFERRED = "DEFERRED"  # reached 21:00 with advertising left: resumes at 08:00 Seoul
    PAUSED = "PAUSED"      # the message credit would be overdrawn
    DONE = "DONE"
    CANCELLED = "CANCELLED"


class MessageStatus(StrEnum):
    QUEUED = "QUEUED"
    SENT = "SENT"
    FAILED = "FAILED"
    EXCLUDED = "EXCLUDED"


class CreditKind(StrEnum):
    TOP_UP = "TOP_UP"
    CHARGE = "CHARGE"
    REFUND = "REFUND"


class CouponMessageTemplate(Model):
    """The one draft an operator keeps (seed 003): the next save overwrites it."""

    id = fields.IntField(primary_key=True)
    operator = fields.OneToOneField("models.Operator", related_name="message_template", on_delete=fields.CASCADE)
    channel = fields.CharEnumField(CampaignChannel, max_length=16)
    text = fields.TextField()
    coupon_block = fields.JSONField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "coupon_message_template"


class Campaign(Model):
    """`targets` is {"segment_ids": [...], "groups": [...], "filters": tree or null, "member_ids": [...]}.
    `coupon_block` is {"kind", "percent"|"amount"|"gift_name", "name", "coupon_id", "url",
    "description", "validity"} or null. Periods of the send settings are in days, null when off."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100)
    message_type = fields.CharEnumField(MessageType, max_length=16)
    channel = fields.CharEnumField(CampaignChannel, max_length=16)
    fallback_to_sms = fields.BooleanField(default=False)
    subject = fields.CharField(max_length=200, default="")
    text = fields.TextField()
    coupon_block = fields.JSONField(null=True)
    targets = fields.JSONField()
    schedule = fields.CharEnumField(ScheduleKind, max_length=16)
    send_at = fields.DatetimeField(null=True)
    repeat_every_days = fields.IntField(null=True)
    repeat_time = fields.CharField(max_length=5, null=True)  # "HH:MM" Seoul
    start_date = fields.DateField(null=True)
    end_date = fields.DateField(null=True)
    visited_within_days = fields.IntField(null=True)
    skip_messaged_within_days = fields.IntField(null=True)
    never_twice = fields.BooleanField(default=False)
    performance_days = fields.IntField(null=True)
    status = fields.CharEnumField(CampaignStatus, max_length=16, default=CampaignStatus.DRAFT)
    next_run_at = fields.DatetimeField(null=True)
    created_by = fields.ForeignKeyField("models.Operator", related_name="campaigns", null=True,
                                        on_delete=fields.SET_NULL)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "campaign"
        ordering = ["-id"]
        indexes = (("status", "next_run_at"),)


class CampaignRun(Model):
    """One sending of a campaign (a repeating campaign has one per occurrence)."""

    id = fields.IntField(primary_key=True)
    campaign = fields.ForeignKeyField("models.Campaign", related_name="runs", on_delete=fields.CASCADE)
    scheduled_for = fields.DatetimeField()
    status = fields.CharEnumField(RunStatus, max_length=16, default=RunStatus.PLANNED)
    targets = fields.IntField(default=0)
    excluded = fields.JSONField(default=dict)  # reason -> count
    sent = fields.IntField(default=0)
    failed = fields.IntField(default=0)
    resume_at = fields.DatetimeField(null=True)
    pause_reason = fields.CharField(max_length=64, default="")
    job = fields.ForeignKeyField("models.Job", related_name="campaign_runs", null=True, on_delete=fields.SET_NULL)
    started_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "campaign_run"
        ordering = ["-scheduled_for"]
        unique_together = (("campaign", "scheduled_for"),)


class CampaignMessage(Model):
    """A message to one member in one run: unique per (run, member), so a worker killed
    mid-batch and restarted sends each member of the run once."""

    id = fields.BigIntField(primary_key=True)
    run = fields.ForeignKeyField("models.CampaignRun", related_name="messages", on_delete=fields.CASCADE)
    campaign = fields.ForeignKeyField("models.Campaign", related_name="messages", on_delete=fields.CASCADE)
    member = fields.ForeignKeyField("models.Member", related_name="campaign_messages", on_delete=fields.CASCADE)
    channel = fields.CharField(max_length=16, default="")
    recipient = fields.CharField(max_length=254, default="")
    subject = fields.CharField(max_length=200, default="")
    text = fields.TextField(default="")
    status = fields.CharEnumField(MessageStatus, max_length=16, default=MessageStatus.QUEUED)
    reason = fields.CharField(max_length=64, default="")
    provider_message_id = fields.CharField(max_length=100, default="")
    price = fields.IntField(default=0)
    attempts = fields.IntField(default=0)
    queued_at = fields.DatetimeField()
    next_attempt_at = fields.DatetimeField(null=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "campaign_message"
        unique_together = (("run", "member"),)
        indexes = (("member_id", "sent_at"), ("run_id", "status"), ("campaign_id", "member_id"))


class CreditEntry(Model):
    """The prepaid message credit: TOP_UP adds, CHARGE takes (one per message sent), REFUND gives back.
    The balance is the sum, never stored twice."""

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharEnumField(CreditKind, max_length=8)
    amount = fields.IntField()
    message = fields.ForeignKeyField("models.CampaignMessage", related_name="credit_entries", null=True,
                                     on_delete=fields.SET_NULL)
    note = fields.CharField(max_length=200, default="")
    created_by = fields.ForeignKeyField("models.Operator", related_name="credit_entries", null=True,
                                        on_delete=fields.SET_NULL)
    at = fields.DatetimeField()

    class Meta:
        table = "credit_entry"
        ordering = ["-id"]


class OptOut(Model):
    """A withdrawal of marketing consent, by the unsubscribe link or a call to the 080 number
    an operator recorded, and whether the member was told the result."""

    id = fields.IntField(primary_key=True)
    member = fields.ForeignKeyField("models.Member", related_name="opt_outs", on_delete=fields.CASCADE)
    channel = fields.CharField(max_length=8)
    via = fields.CharField(max_length=16)  # LINK or CALL_080
    at = fields.DatetimeField()
    confirmation_sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "opt_out"
        ordering = ["-at"]


class ComplianceEvent(Model):
    """Something the advertising rules refused or deferred, for the compliance page."""

    id = fields.BigIntField(primary_key=True)
    campaign = fields.ForeignKeyField("models.Campaign", related_name="compliance_events", null=True,
                                      on_delete=fields.CASCADE)
    run = fields.ForeignKeyField("models.CampaignRun", related_name="compliance_events", null=True,
                                 on_delete=fields.CASCADE)
    kind = fields.CharField(max_length=32)  # RESERVATION_REFUSED, RUN_DEFERRED, CONSENT_NOTICE_SENT...
    reason = fields.CharField(max_length=64)
    detail = fields.JSONField(default=dict)
    at = fields.DatetimeField()

    class Meta:
        table = "compliance_event"
        ordering = ["-at"]
