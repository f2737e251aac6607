"""A segment's members (one snapshot day) as a CSV or XLSX file, written by a background job.

Rows are the member export's (`member_export.member_row`), files the code exports'
(`code_exports._ExportFile`). Phones and e-mails are masked unless the operator who starts
the export may see them in full (`Actor.can_change_shop`, the rule of `sees_personal_data_of`):
that choice is the job's kind, so a full export's file is downloaded only by such operators too
(`SECRET_FILE_KINDS` in gql.resolvers.jobs). Any operator may export; API keys may not.
"""

from __future__ import annotations

from datetime import date

from gql.resolvers.access import Actor, require_read_shop
from gql.resolvers.code_exports import _ExportFile, _format
from gql.resolvers.errors import Refused
from gql.resolvers.jobs import start_job
from gql.resolvers.member_export import HEADER, member_row
from gql.resolvers.raw_sql import fetch
from gql.resolvers.segment_issuing import snapshot_day
from gql.resolvers.segments import get_segment, sql_day
from kupon.jobs import JobRun, job_function
from models.jobs import Job
from models.members import Member

MASKED_KIND = "segments.export"
FULL_KIND = "segments.export_full"
BATCH = 1000


def _may_export(actor: Actor) -> None:
    require_read_shop(actor)
    if not actor.is_operator:
        raise Refused.because("FORBIDDEN")


async def start_segment_export(actor: Actor, segment_id: int, fmt: str, day: date | None = None) -> Job:
    """Queue the export of the members of a snapshot day (the latest by default)."""
    _may_export(actor)
    export_format = _format(fmt)
    segment = await get_segment(actor, segment_id)
    day = await snapshot_day(segment, day)
    kind = FULL_KIND if actor.can_change_shop else MASKED_KIND
    return await start_job(actor, kind, {"segment_id": segment.id, "day": day.isoformat(),
                                         "format": export_format.value}, may_start=_may_export)


@job_function(MASKED_KIND)
@job_function(FULL_KIND)
async def export_segment_members(run: JobRun) -> dict:
    """Members in id order, in batches after the last id written (keyset); safe to run again."""
    segment_id, day = int(run.params["segment_id"]), date.fromisoformat(run.params["day"])
    day_param = sql_day(day)
    full = run.job.kind == FULL_KIND
    out = _ExportFile(_format(run.params["format"]), "members", HEADER)
    [(total,)] = await fetch("SELECT COUNT(*) FROM segment_member WHERE segment_id = ? AND day = ?",
                             segment_id, day_param)
    await run.progress(0, total)
    written, last = 0, 0
    while ids := [row[0] for row in await fetch(
            "SELECT member_id FROM segment_member WHERE segment_id = ? AND day = ? AND member_id > ? "
            "ORDER BY member_id LIMIT ?", segment_id, day_param, last, BATCH)]:
        by_id = {m.id: m for m in await Member.filter(id__in=ids).select_related("site")}
        for m in (by_id[i] for i in ids if i in by_id):  # deleted meanwhile: skipped
            out.append(member_row(m, full=full))
        last, written = ids[-1], written + len(by_id)
        await run.progress(written, max(total, written))
    await run.attach_file(*out.finish(f"segment-{segment_id}-{day.isoformat()}"))
    return {"rows": written, "masked": not full}
