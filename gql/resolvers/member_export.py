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
from models.members import Grade

BATCH = 1000
HEADER = ["ID", "Site", "Login ID", "Name", "Phone", "E-mail", "Grade", "Signed up (KST)", "Active"]


KIND = "members.export"


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
    """Phones and e-mails are masked: an export leaves the system."""
    query = member_query(filter_from_params(run.params)).select_related("site")
    total = await query.count()
    await run.progress(0, total)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("members")
    sheet.append(HEADER)
    done = 0
    while done < total:
        batch = await query.offset(done).limit(BATCH)
        if not batch:
            break
        for m in batch:
            sheet.append([m.id, m.site.name, m.login_id, m.name, mask_phone(m.phone), mask_email(m.email),
                          m.grade.value, format_seoul(m.signed_up_at), "Y" if m.is_active else "N"])
        done += len(batch)
        await run.progress(done, total)
    buffer = io.BytesIO()
    workbook.save(buffer)
    await run.attach_file(
        "members.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buffer.getvalue()
    )
    return {"rows": done}
