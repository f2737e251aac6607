"""Types shared by the gift card and serial code imports and exports (the fields themselves are
in gql.schema.giftcards and gql.schema.serials)."""

from __future__ import annotations

from collections.abc import Awaitable

import strawberry

from gql.resolvers.code_exports import ExportFormat
from gql.resolvers.code_imports import ImportReport
from gql.resolvers.errors import Problem, Refused
from gql.schema.common import UserError, user_errors
from gql.schema.jobs import JobPayload, JobType

ExportFormatEnum = strawberry.enum(ExportFormat, name="ExportFormat")


@strawberry.type(name="RejectedImportRow", description="A row of the file that was not imported, and why.")
class RejectedImportRowNode:
    row: int = strawberry.field(description="As a spreadsheet numbers it: the header is row 1.")
    code: str = strawberry.field(description="The code cell as written in the file.")
    reason: str
    message: str
    message_ko: str


@strawberry.type(name="CodeImportReport")
class CodeImportReportNode:
    rows_read: int
    imported: int
    rejected: list[RejectedImportRowNode]

    @classmethod
    def from_report(cls, report: ImportReport) -> CodeImportReportNode:
        return cls(rows_read=report.rows_read, imported=report.imported, rejected=[
            RejectedImportRowNode(row=r.row, code=r.code, reason=r.reason, message=r.message,
                                  message_ko=r.message_ko) for r in report.rejected])


@strawberry.type
class CodeImportPayload:
    """`report` whenever the file was read; `errors` when nothing was stored because of it
    (IMPORT_HAS_BAD_ROWS in all-or-nothing mode) or the file or request was refused as a whole."""

    report: CodeImportReportNode | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


async def import_payload(awaitable: Awaitable[ImportReport]) -> CodeImportPayload:
    try:
        report = await awaitable
    except Refused as refused:
        return CodeImportPayload(errors=user_errors(refused))
    errors = user_errors(Refused(Problem("IMPORT_HAS_BAD_ROWS", "csv"))) if report.refused_for_bad_rows else []
    return CodeImportPayload(report=CodeImportReportNode.from_report(report), errors=errors)


async def export_payload(awaitable) -> JobPayload:
    try:
        job = await awaitable
    except Refused as refused:
        return JobPayload(errors=user_errors(refused))
    return JobPayload(job=JobType.from_model(job))
