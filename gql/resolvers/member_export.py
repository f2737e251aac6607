"""The members export job: an XLSX of the filtered member list, written in batches."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook

from gql.resolvers.access import Actor
from gql.resolvers.jobs import start_job
from gql.resolvers.members import MemberFilter, member_query
from kupon.jobs import JobRun, job_function
from kupon.privacy import mask_email, mask_phone
from kupon.timeutil import format_seoul
from models.jobs import Job
from models.members import Grade, Member

BATCH = 1000
HEADER = ["ID", "Site", "Login ID", "Name", "Phone", "E-mail", "Grade", "Signed up (KST)", "Active"]


KIND = "members.export"


def member_row(m: Member, full: bool = False) -> list:
    """One member as an export row (its site loaded). Phone and e-mail masked unless `full`."""
    phone, email = (m.phone, m.email) if full else (mask_phone(m.phone), mask_email(m.email))
    return [m.id, m.site.name, m.login_id, m.name, phone, email, m.grade.value, format_seoul(m.signed_up_at),
            "Y" if m.is_active else "N"]


def filter_to_params(flt: MemberFilter) -> dict:
    """The filter as JSON for the job row (the job may run in another process)."""
    return {
        "search": flt.search, "site_id": flt.site_id, "grade": flt.grade.value if flt.grade else None,
        "is_active": flt.is_active,
        "signed_up_from": flt.signed_up_from.isoformat() if flt.signed_up_from else None,
        "signed_up_to": flt.signed_up_to.isoformat() if flt.signed_up_to else None,
    }


async def start_member_export(actor: Actor, flt: MemberFilter) -> Job:
    return await start_job(actor, KIND, filter_to_params(flt))


def filter_from_params(params: dict) -> MemberFilter:
    def as_date(value):
        return date.fromisoformat(value) if value else None

    return MemberFilter(
        search=params.get("search", ""),
        site_id=params.get("site_id"),
        grade=Grade(params["grade"]) if params.get("grade") else None,
        is_active=params.get("is_active"),
        signed_up_from=as_date(params.get("signed_up_from")),
        signed_up_to=as_date(params.get("signed_up_to")),
    )


@job_function(KIND)
async def export_members(run: JobRun) -> dict:
    """Phones and e-mails are masked: an export leaves the system.

    The matching ids are read once, then rows in batches by id: batches by OFFSET would shift
    when a member signs up (sorting first) or leaves during the export, duplicating or dropping rows.
    """
    ids = await member_query(filter_from_params(run.params)).values_list("id", flat=True)
    total = len(ids)
    await run.progress(0, total)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("members")
    sheet.append(HEADER)
    written = 0
    for start in range(0, total, BATCH):
        chunk = ids[start:start + BATCH]
        by_id = {m.id: m for m in await Member.filter(id__in=chunk).select_related("site")}
        for m in (by_id[member_id] for member_id in chunk if member_id in by_id):  # deleted meanwhile: skipped
            sheet.append(member_row(m))
            written += 1
        await run.progress(start + len(chunk), total)
    buffer = io.BytesIO()
    workbook.save(buffer)
    await run.attach_file(
        "members.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buffer.getvalue()
    )
    return {"rows": written}
