"""Importing member activity from CSV (SPEC 7): visits, point entries, tags or consents, one kind
per file, as a background job with a row report.

The file is UTF-8 (a byte order mark is fine) or CP949/EUC-KR, comma- or tab-separated, with a
header row (English or Korean names, see COLUMNS and README.md). Rows are numbered as a
spreadsheet shows them (the header is row 1); blank rows are skipped.

Good rows are stored and bad rows reported with their row number, column and reason; a bad row
changes nothing. The rows go through the same resolvers as the GraphQL mutations
(gql/resolvers/member_activity.py, member_upsert.py), so importing a file twice stores nothing
twice where a row has an identity: a point entry with an external id, a visit (member, site,
channel, time), a tag, a consent. A point entry without an external id is stored again.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from tortoise.transactions import in_transaction

from gql.resolvers.access import Actor, ActorKind, operator_actor, require_change_shop
from gql.resolvers.activity_rows import MAX_BATCH, MemberRef, RowResult
from gql.resolvers.audit import record_change
from gql.resolvers.code_imports import MAX_IMPORT_ROWS, read_rows
from gql.resolvers.errors import REASONS, Problem, Refused
from gql.resolvers.member_activity import PointInput, VisitInput, store_points, store_tags, store_visits
from gql.resolvers.member_upsert import ConsentInput, ConsentRow, store_consents
from kupon import jobs
from kupon.jobs import JobRun, job_function
from models.access import Operator, Role
from models.jobs import Job, JobFile

JOB_KIND = "members.activity_import"
UPLOAD_NAME = "upload.csv"
REPORT_NAME = "activity-import-report.csv"
REPORT_ROWS_KEPT = 500  # rejected rows kept in the job's result for the console; the CSV has all

# Header names, compared lower-case without spaces, underscores, hyphens or a "(...)" note.
COLUMNS: dict[str, set[str]] = {
    "member_id": {"memberid", "회원번호", "kupon회원번호"},
    "site": {"site", "sitecode", "사이트", "사이트코드"},
    "login_id": {"loginid", "login", "아이디", "회원아이디"},
    "at": {"at", "time", "datetime", "date", "일시", "날짜", "방문일시", "적립일시", "변경일시", "동의일시"},
    "channel": {"channel", "채널", "방문채널", "수신채널"},
    "kind": {"kind", "type", "구분"},
    "amount": {"amount", "points", "포인트", "금액"},
    "reason": {"reason", "사유", "내용"},
    "external_id": {"externalid", "외부id", "거래번호"},
    "tag": {"tag", "태그"},
    "remove": {"remove", "삭제"},
    "granted": {"granted", "consent", "동의", "동의여부", "수신동의"},
}
REQUIRED = {"visits": ["channel"], "points": ["kind", "amount"], "tags": ["tag"], "consents": ["channel", "granted"]}
KINDS = tuple(REQUIRED)
# Korean words a shop's spreadsheet uses for the values.
WORDS = {"적립": "EARN", "사용": "SPEND", "차감": "SPEND", "PC": "PC_WEB", "모바일": "MOBILE_WEB", "앱": "APP",
         "문자": "SMS", "카카오": "KAKAO", "알림톡": "KAKAO", "이메일": "EMAIL", "푸시": "PUSH", "야간": "NIGHT"}
YES = {"y", "yes", "true", "1", "o", "동의", "수신", "예"}
NO = {"n", "no", "false", "0", "x", "거부", "철회", "미동의", "수신거부", "아니오"}


@dataclass(frozen=True)
class RejectedRow:
    row: int
    column: str
    reason: str  # a code of gql.resolvers.errors.REASONS

    def as_dict(self) -> dict:
        en, ko = REASONS[self.reason]
        return {"row": self.row, "column": self.column, "reason": self.reason, "message": en, "message_ko": ko}


def _header_name(cell: str) -> str:
    return re.sub(r"[\s_\-]", "", re.sub(r"\(.*?\)", "", cell.strip().lower()))


def header_columns(kind: str, header: list[str]) -> dict[str, int]:
    """Column name -> position; refused when the kind is unknown or a required column is missing."""
    if kind not in REQUIRED:
        raise Refused.because("INVALID_CHOICE", "kind")
    names = [_header_name(c) for c in header]
    found = {col: names.index(n) for col, aliases in COLUMNS.items() for n in names if n in aliases}
    member_named = "member_id" in found or ("site" in found and "login_id" in found)
    if not member_named or any(col not in found for col in REQUIRED[kind]):
        raise Refused.because("IMPORT_COLUMNS_MISSING", "csv")
    return found


def parse_time(text: str) -> datetime | None:
    """"2026-03-01 14:00", "2026.03.01 14:00:00", "2026/03/01" or ISO 8601 with an offset."""
    text = text.strip()
    text = re.sub(r"^(\d{4})[./](\d{1,2})[./](\d{1,2})", lambda m: f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}", text)
    return datetime.fromisoformat(text)


def _word(text: str) -> str:
    text = text.strip()
    return WORDS.get(text, text.upper())


class _Row:
    """One data row's cells by column name, collecting the problems of parsing them."""

    def __init__(self, number: int, cells: list[str], columns: dict[str, int]):
        self.number, self.cells, self.columns = number, cells, columns
        self.problems: list[tuple[str, str]] = []  # (column, reason)

    def get(self, column: str) -> str:
        at = self.columns.get(column)
        return self.cells[at].strip() if at is not None and at < len(self.cells) else ""

    def member(self) -> MemberRef:
        member_id = self.get("member_id").replace(",", "")
        if member_id:
            if not member_id.isdigit():
                self.problems.append(("member_id", "MEMBER_UNKNOWN"))
                return MemberRef()
            return MemberRef(member_id=int(member_id))
        return MemberRef(site_code=self.get("site"), login_id=self.get("login_id"))

    def time(self) -> datetime | None:
        try:
            return parse_time(self.get("at")) if self.get("at") else None
        except ValueError:
            self.problems.append(("at", "ACTIVITY_BAD_TIME"))
            return None

    def amount(self) -> int:
        text = re.sub(r"(포인트|점|P|p)$", "", self.get("amount").replace(",", "").replace(" ", ""))
        if not text.isascii() or not text.isdigit():
            self.problems.append(("amount", "POINTS_AMOUNT_INVALID"))
            return 0
        return int(text)

    def flag(self, column: str, empty: bool | None) -> bool | None:
        text = self.get(column).lower()
        if not text:
            if empty is None:
                self.problems.append((column, "CONSENT_VALUE_INVALID"))
            return empty
        if text in YES or text in NO:
            return text in YES
        self.problems.append((column, "CONSENT_VALUE_INVALID"))
        return empty


def _visit(row: _Row) -> VisitInput:
    return VisitInput(row.member(), _word(row.get("channel")), row.time(), row.get("site"))


def _points(row: _Row) -> PointInput:
    return PointInput(row.member(), _word(row.get("kind")), row.amount(), row.get("reason"), row.time(),
                      row.get("external_id"))


def _consent(row: _Row) -> ConsentRow:
    return ConsentRow(row.member(), ConsentInput(_word(row.get("channel")), row.flag("granted", None), row.time()))


def _tag(row: _Row) -> tuple[MemberRef, str, bool]:
    return row.member(), row.get("tag"), bool(row.flag("remove", False))


PARSERS: dict[str, Callable[[_Row], object]] = {"visits": _visit, "points": _points, "consents": _consent,
                                                 "tags": _tag}


def _column_of(field: str | None) -> str:
    """The CSV column a resolver's problem field names."""
    return {"member": "member_id", "member_id": "member_id", "site_code": "site"}.get(field or "", field or "")


async def _store(actor: Actor, kind: str, parsed: list, source: str) -> list[RowResult]:
    if kind == "visits":
        return await store_visits(actor, parsed)
    if kind == "points":
        return await store_points(actor, parsed)
    if kind == "consents":
        return await store_consents(actor, parsed, source)
    results: list[RowResult] = []
    groups: dict[tuple[str, bool], list[int]] = defaultdict(list)
    for i, (_, tag, remove) in enumerate(parsed):
        tag = tag.strip()
        if not tag or len(tag) > 50:
            results.append(RowResult(i, (Problem("REQUIRED" if not tag else "TOO_LONG", "tag"),)))
        else:
            groups[(tag, remove)].append(i)
    for (tag, remove), indexes in groups.items():
        results += (await store_tags(actor, tag, [parsed[i][0] for i in indexes], remove, indexes)).results
    return sorted(results, key=lambda r: r.index)


@dataclass
class ImportTally:
    rows_read: int = 0
    stored: int = 0
    repeated: int = 0
    rejected: list[RejectedRow] | None = None


async def import_rows(actor: Actor, kind: str, data: bytes | str, progress=None) -> ImportTally:
    """Check and store every row of the file, MAX_BATCH rows at a time. `progress(done, total)`."""
    rows = read_rows(data)
    if not rows:
        raise Refused.because("IMPORT_EMPTY", "csv")
    columns = header_columns(kind, rows[0][1])
    body = rows[1:]
    if len(body) > MAX_IMPORT_ROWS:
        raise Refused.because("TOO_MANY", "csv")
    tally = ImportTally(rows_read=len(body), rejected=[])
    for start in range(0, len(body), MAX_BATCH):
        numbers, parsed = [], []
        for number, cells in body[start:start + MAX_BATCH]:
            row = _Row(number, cells, columns)
            value = PARSERS[kind](row)
            if row.problems:
                tally.rejected += [RejectedRow(number, column, reason) for column, reason in row.problems[:1]]
            else:
                numbers.append(number)
                parsed.append(value)
        for result in await _store(actor, kind, parsed, "csv") if parsed else []:
            if result.problems:
                problem = result.problems[0]
                tally.rejected.append(RejectedRow(numbers[result.index], _column_of(problem.field), problem.code))
            elif result.repeated:
                tally.repeated += 1
            else:
                tally.stored += 1
        if progress:
            await progress(min(start + MAX_BATCH, len(body)), len(body))
    tally.rejected.sort(key=lambda r: r.row)
    return tally


def report_csv(rejected: list[RejectedRow]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["행(row)", "열(column)", "사유 코드(reason)", "사유", "reason"])
    for r in rejected:
        d = r.as_dict()
        writer.writerow([d["row"], d["column"], d["reason"], d["message_ko"], d["message"]])
    return out.getvalue().encode("utf-8-sig")  # with a BOM, so Korean Excel opens it as UTF-8


# The job ----------------------------------------------------------------------------------------------

async def start_activity_import(actor: Actor, kind: str, data: bytes, filename: str = "") -> Job:
    """Check the file's header now (a wrong file is refused at once), then import it in a job.
    Operators who can change the shop; the job's result is the row report."""
    require_change_shop(actor)
    rows = read_rows(data)
    if not rows:
        raise Refused.because("IMPORT_EMPTY", "csv")
    header_columns(kind, rows[0][1])
    params = {"kind": kind, "filename": filename[:200]}
    async with in_transaction():
        job = await Job.create(kind=JOB_KIND, params=params,
                               created_by_id=actor.id if actor.kind == ActorKind.OPERATOR else None)
        await JobFile.create(job_id=job.id, filename=UPLOAD_NAME, content_type="text/csv", data=data)
        await record_change(actor, "member.activity_import", job, after=params)
    await jobs.get_runner().submit(job.id)
    return job


async def _job_actor(job: Job) -> Actor:
    operator = await Operator.get_or_none(id=job.created_by_id) if job.created_by_id else None
    return operator_actor(operator) if operator else Actor(ActorKind.OPERATOR, label=JOB_KIND, role=Role.OPERATOR)


@job_function(JOB_KIND)
async def activity_import_job(run: JobRun) -> dict:
    upload = await JobFile.get_or_none(job_id=run.job.id, filename=UPLOAD_NAME)
    if upload is None:
        raise RuntimeError("the uploaded file is gone (removed by an earlier run of this job)")
    tally = await import_rows(await _job_actor(run.job), run.params["kind"], bytes(upload.data), run.progress)
    if tally.rejected:
        await run.attach_file(REPORT_NAME, "text/csv; charset=utf-8", report_csv(tally.rejected))
    await upload.delete()  # personal data, and the report link should give the report
    return {"kind": run.params["kind"], "rows_read": tally.rows_read, "stored": tally.stored,
            "repeated": tally.repeated, "rejected_count": len(tally.rejected),
            "rejected": [r.as_dict() for r in tally.rejected[:REPORT_ROWS_KEPT]]}


async def recent_imports(actor: Actor, limit: int = 10) -> list[Job]:
    require_change_shop(actor)
    return list(await Job.filter(kind=JOB_KIND).order_by("-id").limit(limit))


async def get_import(actor: Actor, job_id: int) -> Job:
    require_change_shop(actor)
    job = await Job.get_or_none(id=job_id, kind=JOB_KIND)
    if job is None:
        raise Refused.because("NOT_FOUND", "id")
    return job
