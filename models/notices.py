"""The outbox of notices (SPEC section 9): events sent to a webhook or by e-mail, one row per
channel, retried with backoff until sent or given up."""

from enum import StrEnum
from urllib.parse import urlsplit, urlunsplit

from tortoise import fields
from tortoise.models import Model


class NoticeChannel(StrEnum):
    WEBHOOK = "WEBHOOK"
    EMAIL = "EMAIL"


class NoticeStatus(StrEnum):
    PENDING = "PENDING"
    SENT = "SENT"
    FAILED = "FAILED"


class Notice(Model):
    """One event for one channel, delivered until sent or given up.

    `next_attempt_at` is when a PENDING notice is due (moved ahead while a deliverer holds it);
    empty once SENT or FAILED."""

    id = fields.BigIntField(primary_key=True)
    channel = fields.CharEnumField(NoticeChannel, max_length=16)
    event = fields.CharField(max_length=64)
    payload = fields.JSONField(default=dict)
    # The webhook URL or the e-mail address at the time the event was raised.
    target = fields.CharField(max_length=500)
    status = fields.CharEnumField(NoticeStatus, max_length=16, default=NoticeStatus.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "notice"
        ordering = ["-id"]
        indexes = (("status", "next_attempt_at"),)

    @property
    def shown_target(self) -> str:
        """The target without what may carry a credential (user info, query) of a webhook URL."""
        if self.channel != NoticeChannel.WEBHOOK:
            return self.target
        parts = urlsplit(self.target)
        host = parts.hostname or ""
        if parts.port is not None:
            host = f"{host}:{parts.port}"
        return urlunsplit((parts.scheme, host, parts.path, "", ""))
