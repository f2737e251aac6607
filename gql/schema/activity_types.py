"""Types of member activity shown on the Member type (gql/schema/members.py, which refers to
them lazily, as this module needs its Grade enum) and returned by gql/schema/activity.py."""

from __future__ import annotations

from datetime import datetime

import strawberry

from gql.schema.members import GradeEnum
from models.activity import ConsentChannel, GradeChange, MarketingConsent, PointKind

PointKindEnum = strawberry.enum(PointKind, name="PointKind")
ConsentChannelEnum = strawberry.enum(ConsentChannel, name="ConsentChannel")


@strawberry.type(name="MarketingConsent", description="Given when granted, withdrawn otherwise; changedAt is when.")
class ConsentType:
    channel: ConsentChannelEnum
    granted: bool
    changed_at: datetime
    source: str

    @classmethod
    def from_model(cls, c: MarketingConsent) -> ConsentType:
        return cls(channel=c.channel, granted=c.granted, changed_at=c.changed_at, source=c.source)


@strawberry.type(name="GradeChange", description="fromGrade is null for the grade a member started with.")
class GradeChangeType:
    from_grade: GradeEnum | None
    to_grade: GradeEnum
    at: datetime

    @classmethod
    def from_model(cls, g: GradeChange) -> GradeChangeType:
        return cls(from_grade=g.from_grade, to_grade=g.to_grade, at=g.at)
