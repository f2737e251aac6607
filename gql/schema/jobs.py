"""Background jobs: start one, follow its progress."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from gql.resolvers import jobs
from gql.resolvers.errors import Refused
from gql.resolvers.member_export import start_member_export
from gql.schema.common import UserError, to_pk, user_errors
from gql.schema.members import MemberFilterInput, member_filter
from gql.schema.permissions import CanChangeShop, CanReadShop
from models.jobs import Job, JobStatus

JobStatusEnum = strawberry.enum(JobStatus, name="JobStatus")


@strawberry.type(name="Job")
class JobType:
    id: strawberry.ID
    kind: str
    status: JobStatusEnum
    progress: int
    total: int
    attempts: int
    error: str
    result: JSON | None
    created_at: datetime
    finished_at: datetime | None

    @strawberry.field(description="0-100")
    def percent(self) -> int:
        return 100 if self.status == JobStatus.SUCCEEDED else (self.progress * 100 // self.total if self.total else 0)

    @strawberry.field(description="Download path of the job's first file, once it has one.")
    def download_path(self) -> str | None:
        return f"/admin/jobs/{self.id}/download" if self.status == JobStatus.SUCCEEDED else None

    @classmethod
    def from_model(cls, job: Job) -> JobType:
        return cls(
            id=strawberry.ID(str(job.id)), kind=job.kind, status=job.status, progress=job.progress,
            total=job.total, attempts=job.attempts, error=job.error, result=job.result,
            created_at=job.created_at, finished_at=job.finished_at,
        )


@strawberry.type
class JobPayload:
    job: JobType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class JobQuery:
    @strawberry.field(permission_classes=[CanReadShop])
    async def job(self, info: Info, id: strawberry.ID) -> JobType | None:
        try:
            return JobType.from_model(await jobs.get_job(info.context.actor, to_pk(id, "id")))
        except Refused:
            return None


@strawberry.type
class JobMutation:
    @strawberry.mutation(permission_classes=[CanChangeShop])
    async def start_member_export(self, info: Info, filter: MemberFilterInput | None = None) -> JobPayload:
        try:
            job = await start_member_export(info.context.actor, member_filter(filter))
        except Refused as refused:
            return JobPayload(errors=user_errors(refused))
        return JobPayload(job=JobType.from_model(job))
