"""Importing an older coupon system's export: coupons, their issue/use records, automatic-issue
settings (SPEC 3, seed 000). The columns are documented in README.md ("Legacy coupon import");
samples are in tests/legacy/samples/.

Files are CSV (UTF-8 with or without a byte order mark, or CP949/EUC-KR) or Excel .xlsx (first
sheet); the first row names the columns, in English or Korean (HEADERS). Rows are numbered as a
spreadsheet shows them (the header is row 1). Scripts send the same rows as typed GraphQL input
lists instead, numbered from 1. Times are Seoul wall-clock times.

Every row is checked first and each bad one reported with its row number and a reason code of
gql.resolvers.errors.REASONS. All or nothing by default: one bad row and nothing is stored. With
`keep_good_rows` the good rows are stored and the bad ones reported.

Importing the same file again changes nothing: a coupon number already imported is left as it
is (`unchanged`), and each record has a `row_key` (see models.legacy.LegacyRecord) so a known
record is only updated while it has not been moved, when a newer export changed it (a printed
serial registered since, a coupon used since). New rows go in with bulk INSERTs; member matching
and the coupons' counts are one UPDATE each over the coupons touched (`refresh_legacy_coupons`).
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time

from openpyxl import load_workbook
from tortoise.transactions import in_transaction

from gql.resolvers.access import Actor, require_change_shop
from gql.resolvers.audit import record_change
from gql.resolvers.code_imports import RejectedRow, read_rows
from gql.resolvers.errors import Refused
from gql.resolvers.raw_sql import execute
from kupon.codes import normalise_code
from kupon.timeutil import SEOUL
from models.legacy import (
    LegacyCoupon,
    LegacyEvent,
    LegacyIssueStatus,
    LegacyKind,
    LegacyRecord,
    LegacyTrigger,
    MigrationStage,
    PaperMethod,
)

MAX_ROWS = 1_000_000  # TOO_MANY
INSERT_BATCH = 2000
READ_CHUNK = 500  # values per IN (...), under SQLite's bound-variable limit
CODE = re.compile(r"[A-Z0-9]{4,40}")

# Canonical column -> header names, compared lower-case without spaces, underscores, hyphens or "(...)".
HEADERS: dict[str, set[str]] = {
    "number": {"number", "couponnumber", "쿠폰번호", "번호"},
    "kind": {"kind", "종류", "쿠폰종류"},
    "name": {"name", "쿠폰명", "쿠폰이름"},
    "description": {"description", "쿠폰설명", "설명"},
    "benefit": {"benefit", "혜택", "쿠폰혜택"},
    "issue_from": {"issuefrom", "발급시작", "발급기간시작", "발급시작일"},
    "issue_to": {"issueto", "발급종료", "발급기간종료", "발급종료일"},
    "issue_days": {"issuedays", "발급후일수", "발급후사용일수"},
    "display_from": {"displayfrom", "노출시작", "노출기간시작"},
    "display_to": {"displayto", "노출종료", "노출기간종료"},
    "issue_status": {"issuestatus", "status", "발급상태"},
    "paper_method": {"papermethod", "발행방법", "쿠폰발행방법"},
    "paper_code": {"papercode", "시리얼코드", "동일시리얼"},
    "coupon_number": {"couponnumber", "쿠폰번호"},
    "record_id": {"recordid", "발급번호", "내역번호"},
    "member_login_id": {"memberloginid", "loginid", "회원아이디", "아이디"},
    "code": {"code", "코드", "시리얼", "쿠폰코드"},
    "issued_at": {"issuedat", "발급일시", "발급일"},
    "used_at": {"usedat", "사용일시", "사용일"},
    "order_ref": {"orderref", "ordernumber", "주문번호"},
    "event": {"event", "이벤트", "자동발급이벤트"},
    "note": {"note", "메뉴", "비고"},
}
COUPON_COLUMNS = ("number", "kind", "name", "description", "benefit", "issue_from", "issue_to", "issue_days",
                  "display_from", "display_to", "issue_status", "paper_method", "paper_code")
RECORD_COLUMNS = ("coupon_number", "record_id", "member_login_id", "code", "issued_at", "used_at", "order_ref")
TRIGGER_COLUMNS = ("event", "coupon_number", "note")

# Values as the old system (or a person) writes them, compared without spaces, upper-case.
KINDS = {"JACKPOT": LegacyKind.JACKPOT, "왕대박": LegacyKind.JACKPOT, "왕대박쿠폰": LegacyKind.JACKPOT,
         "PAPER": LegacyKind.PAPER, "紙종이": LegacyKind.PAPER, "종이": LegacyKind.PAPER,
         "종이쿠폰": LegacyKind.PAPER, "紙종이쿠폰": LegacyKind.PAPER}
STATUSES = {"AVAILABLE": LegacyIssueStatus.AVAILABLE, "가능": LegacyIssueStatus.AVAILABLE,
            "발급가능": LegacyIssueStatus.AVAILABLE, "EXPIRED": LegacyIssueStatus.EXPIRED,
            "만료": LegacyIssueStatus.EXPIRED, "발급만료": LegacyIssueStatus.EXPIRED}
METHODS = {"SAME_SERIAL": PaperMethod.SAME_SERIAL, "동일": PaperMethod.SAME_SERIAL,
           "동일한쿠폰시리얼": PaperMethod.SAME_SERIAL, "RANDOM_SERIALS": PaperMethod.RANDOM_SERIALS,
           "랜덤": PaperMethod.RANDOM_SERIALS, "랜덤한쿠폰시리얼": PaperMethod.RANDOM_SERIALS}
EVENTS = {e.value: e for e in LegacyEvent} | {
    "추천인": LegacyEvent.REFERRAL, "회원등급": LegacyEvent.GRADE_CHANGE,
    "생일/기념일": LegacyEvent.BIRTHDAY_ANNIVERSARY,
    "회원정보수정": LegacyEvent.MEMBER_UPDATE, "평생회원": LegacyEvent.LIFETIME_MEMBERSHIP,
    "출석체크": LegacyEvent.ATTENDANCE, "카트타겟메시지": LegacyEvent.CART_TARGET_MESSAGE,
    "리턴멤버쉽": LegacyEvent.RETURN_MEMBERSHIP, "파워리뷰": LegacyEvent.REVIEW_REWARD,
    "앱로그인": LegacyEvent.APP_LOGIN, "숨은아이콘찾기": LegacyEvent.HIDDEN_ICON_EVENT}


@dataclass(frozen=True)
class SourceRow:
    """One row to import: its number (as the sheet shows it) and its cells by canonical column."""

    row: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return (self.cells.get(column) or "").strip()


@dataclass
class LegacyImportReport:
    rows_read: int
    imported: int = 0  # new rows stored
    updated: int = 0  # known records changed by a newer export
    unchanged: int = 0  # already imported, nothing to change
    rejected: list[RejectedRow] = field(default_factory=list)
    kept_good_rows: bool = False
    unmatched_login_ids: list[str] = field(default_factory=list)  # records kept without a member

    @property
    def refused_for_bad_rows(self) -> bool:
        """All-or-nothing mode met a bad row, so nothing was stored."""
        return bool(self.rejected) and not self.kept_good_rows


# Reading files -----------------------------------------------------------------------------------------

def _header_name(cell) -> str:
    name = re.sub(r"\(.*?\)", "", str(cell or "").strip().lower())
    return re.sub(r"[\s_\-.]", "", name)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _sheet_rows(data: bytes) -> list[tuple[int, list[str]]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise Refused.because("UPLOAD_UNREADABLE", "file") from None
    try:
        rows = []
        for number, values in enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            if any(c.strip() for c in cells):
                rows.append((number, cells))
        return rows
    finally:
        workbook.close()


def read_table(data: bytes | str, columns: Iterable[str]) -> list[SourceRow]:
    """The data rows of a CSV or XLSX file, their cells named by the canonical `columns`
    (the header row decides which column is which; unknown columns are ignored)."""
    is_xlsx = isinstance(data, bytes) and data[:4] == b"PK\x03\x04"
    rows = _sheet_rows(data) if is_xlsx else read_rows(data)
    if not rows:
        raise Refused.because("IMPORT_EMPTY", "file")
    names = [_header_name(c) for c in rows[0][1]]
    positions = {}
    for column in columns:
        found = next((i for i, n in enumerate(names) if n in HEADERS[column] and i not in positions.values()), None)
        if found is not None:
            positions[column] = found
    if not positions:
        raise Refused.because("UPLOAD_NO_COLUMNS", "file")
    body = rows[1:]
    if len(body) > MAX_ROWS:
        raise Refused.because("TOO_MANY", "file")
    return [SourceRow(number, {c: cells[i] if i < len(cells) else "" for c, i in positions.items()})
            for number, cells in body]


def numbered(rows: list[dict[str, str | None]]) -> list[SourceRow]:
    """Rows given as dicts (GraphQL input), numbered from 1."""
    return [SourceRow(n, {k: "" if v is None else str(v) for k, v in row.items()}) for n, row in enumerate(rows, 1)]


# Cell values -------------------------------------------------------------------------------------------

class BadRow(Exception):
    def __init__(self, reason: str):
        self.reason = reason


def _choice(text: str, table: dict, reason: str):
    value = table.get(re.sub(r"\s", "", text).upper()) or table.get(re.sub(r"\s", "", text))
    if value is None:
        raise BadRow(reason)
    return value


DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d")


def parse_time(text: str, end_of_day: bool = False) -> datetime | None:
    """A Seoul wall-clock time as UTC; a date alone is 00:00 (or 23:59:59 for a period's end).
    Accepts 2021-02-18, 2021.02.18, 2021/02/18, 21.02.18, with an optional HH:MM[:SS]."""
    text = text.strip()
    if not text:
        return None
    text = re.sub(r"^(\d{2})[./-](\d{2})[./-](\d{2})\b", r"20\1-\2-\3", text)
    text = re.sub(r"^(\d{4})[./](\d{1,2})[./](\d{1,2})", lambda m: f"{m[1]}-{int(m[2]):02}-{int(m[3]):02}", text)
    for form in DATE_FORMATS:
        try:
            local = datetime.strptime(text, form)
        except ValueError:
            continue
        if form == "%Y-%m-%d" and end_of_day:
            local = datetime.combine(local.date(), time(23, 59, 59))
        return local.replace(tzinfo=SEOUL).astimezone(UTC)
    raise BadRow("LEGACY_BAD_DATE")


def _text(row: SourceRow, column: str, limit: int) -> str:
    value = row.get(column)
    if len(value) > limit:
        raise BadRow("LEGACY_TOO_LONG")
    return value


def _period(row: SourceRow, start: str, end: str) -> tuple[datetime | None, datetime | None]:
    begins, ends = parse_time(row.get(start)), parse_time(row.get(end), end_of_day=True)
    if begins and ends and ends < begins:
        raise BadRow("LEGACY_PERIOD_REVERSED")
    return begins, ends


def check_coupon(row: SourceRow) -> dict:
    """LegacyCoupon field values of a coupon row, or BadRow with the first reason."""
    number = _text(row, "number", 32)
    if not number:
        raise BadRow("LEGACY_NUMBER_REQUIRED")
    kind = _choice(row.get("kind"), KINDS, "LEGACY_KIND_UNKNOWN")
    name = _text(row, "name", 200)
    if not name:
        raise BadRow("LEGACY_NAME_REQUIRED")
    status = _choice(row.get("issue_status"), STATUSES, "LEGACY_STATUS_UNKNOWN")
    issue_from, issue_to = _period(row, "issue_from", "issue_to")
    display_from, display_to = _period(row, "display_from", "display_to")
    days_text = re.sub(r"[^0-9]", "", row.get("issue_days"))  # "발급 후 12일" -> 12
    issue_days = int(days_text) if days_text else None
    if row.get("issue_days") and (issue_days is None or not 1 <= issue_days <= 3650 or issue_from or issue_to):
        raise BadRow("LEGACY_BAD_DAYS")
    method, code = None, ""
    if kind == LegacyKind.PAPER:
        method = _choice(row.get("paper_method"), METHODS, "LEGACY_PAPER_METHOD_UNKNOWN")
        if method == PaperMethod.SAME_SERIAL:
            code = normalise_code(row.get("paper_code"))
            if not CODE.fullmatch(code):
                raise BadRow("LEGACY_PAPER_CODE_REQUIRED")
    return {"number": number, "kind": kind, "name": name, "description": row.get("description"),
            "benefit": _text(row, "benefit", 200), "issue_from": issue_from, "issue_to": issue_to,
            "issue_days": issue_days, "display_from": display_from, "display_to": display_to,
            "issue_status": status, "paper_method": method, "paper_code": code}


def record_key(number: str, kind: LegacyKind, method: PaperMethod | None, record_id: str, login_id: str,
               code: str, issued_at: datetime | None) -> str:
    """The record's identity across exports: the old system's record id when given; for random
    paper serials the serial itself (one printed coupon each); else who, which code, when."""
    if record_id:
        parts = [number, "id", record_id]
    elif kind == LegacyKind.PAPER and method == PaperMethod.RANDOM_SERIALS:
        parts = [number, "code", code]
    else:
        parts = [number, "issue", login_id, code, issued_at.isoformat() if issued_at else ""]
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()


def check_record(row: SourceRow, coupon: LegacyCoupon | None) -> dict:
    if coupon is None:
        raise BadRow("LEGACY_COUPON_UNKNOWN")
    login_id = _text(row, "member_login_id", 64)
    issued_at, used_at = parse_time(row.get("issued_at")), parse_time(row.get("used_at"))
    code = normalise_code(row.get("code"))
    if len(code) > 40:
        raise BadRow("LEGACY_TOO_LONG")
    if coupon.kind == LegacyKind.PAPER and not code:
        raise BadRow("LEGACY_RECORD_CODE_REQUIRED")
    unregistered_serial = coupon.kind == LegacyKind.PAPER and not login_id and not issued_at and not used_at
    if not unregistered_serial and (not login_id or not issued_at):
        raise BadRow("LEGACY_RECORD_MEMBER_REQUIRED")
    if used_at and issued_at and used_at < issued_at:
        raise BadRow("LEGACY_USED_BEFORE_ISSUED")
    key = record_key(coupon.number, coupon.kind, coupon.paper_method, _text(row, "record_id", 64), login_id, code,
                     issued_at)
    return {"legacy_coupon_id": coupon.id, "row_key": key, "member_login_id": login_id, "code": code,
            "issued_at": issued_at, "used_at": used_at, "order_ref": _text(row, "order_ref", 64)}


# Storing -----------------------------------------------------------------------------------------------

def _checked(rows: list[SourceRow], label: str, check, duplicate_key, duplicate_reason: str):
    """(good rows' values, rejected rows); a rejected row shows its `label` cell."""
    good, rejected, seen = [], [], set()
    for row in rows:
        try:
            values = check(row)
        except BadRow as bad:
            rejected.append(RejectedRow(row.row, row.get(label)[:100], bad.reason))
            continue
        key = duplicate_key(values)
        if key in seen:
            rejected.append(RejectedRow(row.row, row.get(label)[:100], duplicate_reason))
        else:
            seen.add(key)
            good.append(values)
    return good, rejected


async def _coupons_by_number(numbers: set[str]) -> dict[str, LegacyCoupon]:
    ordered, found = sorted(numbers), {}
    for start in range(0, len(ordered), READ_CHUNK):
        for coupon in await LegacyCoupon.filter(number__in=ordered[start:start + READ_CHUNK]):
            found[coupon.number] = coupon
    return found


async def import_legacy_coupons(actor: Actor, rows: list[SourceRow], keep_good_rows: bool = False,
                                site_id: int | None = None) -> LegacyImportReport:
    """Legacy coupon definitions. A number already imported is left as it is (unchanged)."""
    require_change_shop(actor)
    good, rejected = _checked(rows, "number", check_coupon, lambda v: v["number"], "LEGACY_DUPLICATE_NUMBER")
    report = LegacyImportReport(len(rows), rejected=rejected, kept_good_rows=keep_good_rows)
    if rejected and not keep_good_rows:
        return report
    known = await _coupons_by_number({v["number"] for v in good})
    fresh = [v for v in good if v["number"] not in known]
    report.unchanged, report.imported = len(good) - len(fresh), len(fresh)
    async with in_transaction():
        await LegacyCoupon.bulk_create([LegacyCoupon(site_id=site_id, **v) for v in fresh], batch_size=INSERT_BATCH)
        await record_change(actor, "legacy.import_coupons", ("LegacyCoupon", "import"),
                            after={"imported": report.imported, "unchanged": report.unchanged,
                                   "rejected": len(rejected)})
    return report


RECORD_FIELDS = ("member_login_id", "code", "issued_at", "used_at", "order_ref")


async def import_legacy_records(actor: Actor, rows: list[SourceRow],
                                keep_good_rows: bool = False) -> LegacyImportReport:
    """Issue/use records of imported coupons. Known records (same row key) are unchanged, or
    updated from a newer export while not yet moved. Unmatched login ids are kept and listed.
    A migrated coupon's records are closed: a new or changed row for it is rejected."""
    require_change_shop(actor)
    coupons = await _coupons_by_number({r.get("coupon_number") for r in rows})
    good, rejected = _checked(
        rows, "coupon_number",
        lambda r: {**check_record(r, coupons.get(r.get("coupon_number"))), "_row": r.row,
                   "_number": r.get("coupon_number")},
        lambda v: v["row_key"], "LEGACY_DUPLICATE_ROW")
    keys = [v["row_key"] for v in good]
    known: dict[str, LegacyRecord] = {}
    for start in range(0, len(keys), READ_CHUNK):
        for record in await LegacyRecord.filter(row_key__in=keys[start:start + READ_CHUNK]):
            known[record.row_key] = record
    migrated = {c.id for c in coupons.values() if c.stage == MigrationStage.MIGRATED}
    fresh, changed, unchanged = [], [], 0
    for values in good:
        row, number = values.pop("_row"), values.pop("_number")
        record = known.get(values["row_key"])
        differs = record is None or any(getattr(record, f) != values[f] for f in RECORD_FIELDS)
        if not differs or (record is not None and record.moved_at is not None):
            unchanged += 1
        elif values["legacy_coupon_id"] in migrated:
            rejected.append(RejectedRow(row, number[:100], "LEGACY_COUPON_MIGRATED"))
        elif record is None:
            fresh.append(LegacyRecord(**values))
        else:
            changed.append((record, values))
    report = LegacyImportReport(len(rows), rejected=sorted(rejected, key=lambda r: r.row),
                                kept_good_rows=keep_good_rows)
    if rejected and not keep_good_rows:
        return report
    report.imported, report.updated, report.unchanged = len(fresh), len(changed), unchanged
    touched = sorted({v["legacy_coupon_id"] for v in good} - migrated)
    async with in_transaction():
        await LegacyRecord.bulk_create(fresh, batch_size=INSERT_BATCH)
        for record, values in changed:
            await LegacyRecord.filter(id=record.id, moved_at__isnull=True).update(
                member_id=None, **{f: values[f] for f in RECORD_FIELDS})
        await refresh_legacy_coupons(touched)
        await record_change(actor, "legacy.import_records", ("LegacyRecord", "import"),
                            after={"imported": report.imported, "updated": report.updated,
                                   "unchanged": report.unchanged, "rejected": len(rejected)})
    logins = sorted({v["member_login_id"] for v in good if v["member_login_id"]})
    report.unmatched_login_ids = await unmatched_login_ids(touched, logins)
    return report


async def import_legacy_triggers(actor: Actor, rows: list[SourceRow],
                                 keep_good_rows: bool = False) -> LegacyImportReport:
    """The old system's automatic-issue settings (event -> legacy coupon number)."""
    require_change_shop(actor)
    coupons = await _coupons_by_number({r.get("coupon_number") for r in rows})

    def check(row: SourceRow) -> dict:
        event = _choice(row.get("event"), EVENTS, "LEGACY_EVENT_UNKNOWN")
        coupon = coupons.get(row.get("coupon_number"))
        if coupon is None:
            raise BadRow("LEGACY_COUPON_UNKNOWN")
        return {"event": event, "legacy_coupon_id": coupon.id, "note": _text(row, "note", 200)}

    good, rejected = _checked(rows, "coupon_number", check, lambda v: (v["event"], v["legacy_coupon_id"]),
                              "LEGACY_DUPLICATE_ROW")
    report = LegacyImportReport(len(rows), rejected=rejected, kept_good_rows=keep_good_rows)
    if rejected and not keep_good_rows:
        return report
    known = set(await LegacyTrigger.filter(legacy_coupon_id__in=[c.id for c in coupons.values()]).values_list(
        "event", "legacy_coupon_id"))
    fresh = [v for v in good if (v["event"], v["legacy_coupon_id"]) not in known]
    report.imported, report.unchanged = len(fresh), len(good) - len(fresh)
    async with in_transaction():
        await LegacyTrigger.bulk_create([LegacyTrigger(**v) for v in fresh], batch_size=INSERT_BATCH)
        await record_change(actor, "legacy.import_triggers", ("LegacyTrigger", "import"),
                            after={"imported": report.imported, "unchanged": report.unchanged,
                                   "rejected": len(rejected)})
    return report


IMPORTERS = {"coupons": (COUPON_COLUMNS, import_legacy_coupons), "records": (RECORD_COLUMNS, import_legacy_records),
             "triggers": (TRIGGER_COLUMNS, import_legacy_triggers)}


async def import_legacy_file(actor: Actor, what: str, data: bytes | str,
                             keep_good_rows: bool = False) -> LegacyImportReport:
    """`what` is "coupons", "records" or "triggers"; `data` a CSV or XLSX file's bytes."""
    require_change_shop(actor)
    if what not in IMPORTERS:
        raise Refused.because("INVALID_CHOICE", "what")
    columns, importer = IMPORTERS[what]
    return await importer(actor, read_table(data, columns), keep_good_rows)


# Set-based upkeep (also for the run: members who signed up since the import) ------------------------------

def _in(ids: list[int]) -> str:
    return ", ".join("?" for _ in ids)


async def refresh_legacy_coupons(legacy_coupon_ids: list[int]) -> None:
    """Match unmatched records to members by login id (within the coupon's site when it has one;
    otherwise only a login id that names exactly one member), then recount issued, used and
    available from the records. One UPDATE each per chunk of coupons."""
    for start in range(0, len(legacy_coupon_ids), READ_CHUNK):
        ids = legacy_coupon_ids[start:start + READ_CHUNK]
        await execute(
            "UPDATE legacy_record SET member_id = ("
            " SELECT MIN(m.id) FROM member m, legacy_coupon c WHERE c.id = legacy_record.legacy_coupon_id"
            " AND m.login_id = legacy_record.member_login_id AND (c.site_id IS NULL OR m.site_id = c.site_id)"
            " HAVING COUNT(*) = 1)"
            f" WHERE member_id IS NULL AND member_login_id <> '' AND legacy_coupon_id IN ({_in(ids)})", *ids)
        await execute(
            "UPDATE legacy_coupon SET"
            " issued_count = (SELECT COUNT(*) FROM legacy_record r WHERE r.legacy_coupon_id = legacy_coupon.id"
            "  AND r.member_login_id <> ''),"
            " used_count = (SELECT COUNT(*) FROM legacy_record r WHERE r.legacy_coupon_id = legacy_coupon.id"
            "  AND r.member_login_id <> '' AND r.used_at IS NOT NULL),"
            " available_count = (SELECT COUNT(*) FROM legacy_record r WHERE r.legacy_coupon_id = legacy_coupon.id"
            "  AND r.member_login_id <> '' AND r.used_at IS NULL),"
            f" updated_at = ? WHERE id IN ({_in(ids)})", datetime.now(UTC), *ids)


async def unmatched_login_ids(legacy_coupon_ids: list[int], among: list[str] | None = None) -> list[str]:
    """Login ids of records kept without a member, sorted (optionally only those in `among`)."""
    query = LegacyRecord.filter(legacy_coupon_id__in=legacy_coupon_ids, member_id__isnull=True).exclude(
        member_login_id="")
    found = set(await query.order_by("member_login_id").distinct().values_list("member_login_id", flat=True))
    return sorted(found if among is None else found & set(among))

