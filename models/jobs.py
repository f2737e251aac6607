from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class JobStatus(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


class Job(Model):
    """Long work (exports, code generation, migrations). This row is the truth about
    progress on both databases, and the runner (procrastinate or in-process) only executes."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharField(max_length=64)
    params = fields.JSONField(default=dict)
    status = fields.CharEnumField(JobStatus, max_length=16, default=JobStatus.QUEUED)
    progress = fields.IntField(default=0)
    total = fields.IntField(default=0)
    result = fields.JSONField(null=True)
    error = fields.TextField(default="")
    attempts = fields.IntField(default=0)
    # Set for jobs that must exist once only, e.g. "coupons.birthday:2026-11-24" (one per Seoul day).
    unique_key = fields.CharField(max_length=100, null=True, unique=True)
    created_by = fields.ForeignKeyField(
        "models.Operator", related_name="jobs", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    started_at = fields.DatetimeField(null=True)
    # Touched on every progress report; a RUNNING job whose heartbeat is old was abandoned by a crash.
    heartbeat_at = fields.DatetimeField(null=True)
    run_after = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "job"
        ordering = ["-id"]
        indexes = (("status",),)


class JobFile(Model):
    """A file a job produced, kept in the database so any web process can serve it."""

    id = fields.IntField(primary_key=True)
    job = fields.ForeignKeyField("models.Job", related_name="files", on_delete=fields.CASCADE)
    filename = fields.CharField(max_length=200)
    content_type = fields.CharField(max_length=100)
    data = fields.BinaryField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "job_file"
