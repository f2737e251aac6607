"""Notices in GraphQL: the delivery status of webhook and e-mail notices, for operators."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from models.notices import Notice, NoticeChannel, NoticeStatus

NoticeChannelEnum = strawberry.enum(NoticeChannel, name="NoticeChannel")
NoticeStatusEnum = strawberry.enum(NoticeStatus, name="NoticeStatus")


@strawberry.type(name="Notice")
class NoticeNode:
    id: strawberry.ID
    channel: NoticeChannelEnum
    event: str
    payload: JSON
    target: str = strawberry.field(description="E-mail address, or webhook URL without query or credentials.")
    status: NoticeStatusEnum
    attempts: int
    next_attempt_at: datetime | None
    last_error: str
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def from_model(cls, n: Notice) -> NoticeNode:
        return cls(id=strawberry.ID(str(n.id)), channel=n.channel, event=n.event, payload=n.payload,
                   target=n.shown_target, status=n.status, attempts=n.attempts, next_attempt_at=n.next_attempt_at,
                   last_error=n.last_error, created_at=n.created_at, sent_at=n.sent_at)
