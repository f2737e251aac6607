"""Importing printed codes from a CSV file: gift cards into a gift card campaign (SPEC 9, seed 004),
codes into a RANDOM serial campaign (SPEC 2).

The file is UTF-8 (with or without a byte order mark) or CP949/EUC-KR, which Korean Excel
writes. A header row is optional: `code` (or 코드, ...) and, for gift cards, `value` (or 금액,
...; empty: the campaign's value). Without one, the first column is the code and the second
the value. Rows are numbered as a spreadsheet shows them (the header is row 1); blank rows are
skipped. Every row is checked and each bad one reported with its reason.

All or nothing by default: one bad row and nothing is stored. With `keep_good_rows` the good
rows are stored and the bad ones reported. Nothing stored before changes either way.

Codes are claimed in the shared `code` table with `claim_codes`, which keeps them unique across
coupon codes, serial codes and gift cards. On PostgreSQL that claim runs on its own connection,
outside any ORM transaction, so it cannot be rolled back with the rest. Hence the order:
1. every row is checked first, "already taken" included (a read of the `code` table), and a
   refused file stops here, before anything is written;
2. then the codes are claimed; a code taken by someone else between the read and the claim is a
   rejected row (IMPORT_CODE_TAKEN) like any other. In all-or-nothing mode the codes this import
   did claim are deleted again (only while unregistered) and nothing is stored;
3. then the cards (or the campaign's new quantity) are written in one transaction with the audit
   entry; should that fail, the claimed codes are deleted again before the error goes up.

A generation job still queued or running for the campaign counts the codes that exist to decide
how many to make, so it would make fewer if codes were imported meanwhile: such an import is
refused (CODES_BEING_GENERATED).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from gql.resolvers import giftcards, serials
from gql.resolvers.access import Actor, require_change_shop
from gql.resolvers.audit import record_change
from gql.resolvers.codes import claim_codes
from gql.resolvers.errors import REASONS, Refused
from kupon.codes import MAX_CODE_LENGTH, normalise_code
from models.codes import Code, CodeKind
from models.giftcards import GiftCard, GiftCardCampaign
from models.jobs import Job, JobStatus
from models.serials import SerialCampaign, SerialType

MAX_IMPORT_ROWS = 100_000  # TOO_MANY's message names this number
MIN_CODE_LENGTH = 4
MAX_CARD_VALUE = 100_000_000  # IMPORT_BAD_VALUE's message names this number
READ_CHUNK = 500  # codes per IN (...) query, under SQLite's bound-variable limit
INSERT_BATCH = 1000
ENCODINGS = ("utf-8-sig", "cp949")  # cp949 is a superset of EUC-KR
CODE_CHARACTERS = re.compile(r"[A-Z0-9]+")

# Header names, compared lower-case without spaces, underscores, hyphens or a "(...)" unit.
CODE_HEADERS = {"code", "codes", "코드", "쿠폰코드", "상품권코드", "기프트카드코드", "카드코드", "시리얼코드",
                "시리얼", "serial", "serialcode", "giftcard", "giftcardcode", "cardcode", "번호", "상품권번호",
                "카드번호", "핀번호", "pin"}
VALUE_HEADERS = {"value", "amount", "금액", "액면가", "액면금액", "충전금액", "권종", "가격"}


@dataclass(frozen=True)
class RejectedRow:
    row: int  # as a spreadsheet numbers it: the header is row 1
    code: str  # the cell as written in the file
    reason: str  # a code of gql.resolvers.errors.REASONS

    @property
    def message(self) -> str:
        return REASONS[self.reason][0]

    @property
    def message_ko(self) -> str:
        return REASONS[self.reason][1]


@dataclass(frozen=True)
class ImportReport:
    rows_read: int  # data rows, blank ones not counted
    imported: int
    rejected: list[RejectedRow]
    kept_good_rows: bool

    @property
    def refused_for_bad_rows(self) -> bool:
        """All-or-nothing mode met a bad row, so nothing was stored."""
        return bool(self.rejected) and not self.kept_good_rows


@dataclass(frozen=True)
class _Row:
    row: int
    text: str
    code: str
    value: int | None = None


# Reading the file --------------------------------------------------------------------------------------

def decode_csv(data: bytes | str) -> str:
    """The file's text: UTF-8 (a byte order mark is dropped), else CP949/EUC-KR."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Refused.because("IMPORT_UNREADABLE", "csv")


def _header_name(cell: str) -> str:
    name = re.sub(r"\(.*?\)", "", cell.strip().lower())
    return re.sub(r"[\s_\-]", "", name)


def read_rows(data: bytes | str) -> list[tuple[int, list[str]]]:
    """(spreadsheet row number, cells) of every non-blank row, the header included."""
    text = decode_csv(data)
    if "\x00" in text:  # a binary file, such as an .xlsx sent by mistake
        raise Refused.because("IMPORT_UNREADABLE", "csv")
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    # Cells pasted from a spreadsheet come tab-separated; a tab inside a code would vanish silently.
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        raise Refused.because("IMPORT_UNREADABLE", "csv") from None
    return [(number, cells) for number, cells in enumerate(records, start=1) if any(c.strip() for c in cells)]


def _columns(rows: list[tuple[int, list[str]]]) -> tuple[int, int | None, bool]:
    """(code column, value column or None, whether the first row is a header)."""
    names = [_header_name(c) for c in rows[0][1]]
    if not any(n in CODE_HEADERS or n in VALUE_HEADERS for n in names):
        return 0, 1, False
    code_column = next((i for i, n in enumerate(names) if n in CODE_HEADERS), None)
    if code_column is None:
        raise Refused.because("IMPORT_NO_CODE_COLUMN", "csv")
    return code_column, next((i for i, n in enumerate(names) if n in VALUE_HEADERS), None), True


def _cell(cells: list[str], column: int | None) -> str:
    return cells[column].strip() if column is not None and column < len(cells) else ""


def _value(text: str) -> int | None:
    """Won as written in a sheet ("10000", "10,000", "10,000원"); None when not a valid amount."""
    digits = text.replace(",", "").replace(" ", "").removesuffix("원")
    if not digits.isascii() or not digits.isdigit():
        return None
    value = int(digits)
    return value if 1 <= value <= MAX_CARD_VALUE else None


def _code_problem(code: str) -> str | None:
    if not code:
        return "IMPORT_CODE_EMPTY"
    if not CODE_CHARACTERS.fullmatch(code):
        return "IMPORT_CODE_BAD_CHARACTERS"
    if len(code) > MAX_CODE_LENGTH:
        return "IMPORT_CODE_TOO_LONG"
    if len(code) < MIN_CODE_LENGTH:
        return "IMPORT_CODE_TOO_SHORT"
    return None


async def taken_codes(codes: list[str]) -> set[str]:
    """Those of `codes` already in the `code` table, whatever their kind."""
    taken: set[str] = set()
    for start in range(0, len(codes), READ_CHUNK):
        taken |= set(await Code.filter(code__in=codes[start:start + READ_CHUNK]).values_list("code", flat=True))
    return taken


async def check_rows(data: bytes | str, with_value: bool) -> tuple[int, list[_Row], list[RejectedRow]]:
    """(rows read, good rows, rejected rows). Reads the database (codes taken) but writes nothing.
    One reason per row, the first that applies: empty, bad characters, too long or short,
    duplicate within the file, bad value, already taken."""
    rows = read_rows(data)
    if not rows:
        raise Refused.because("IMPORT_EMPTY", "csv")
    code_column, value_column, has_header = _columns(rows)
    body = rows[1:] if has_header else rows
    if not body:
        raise Refused.because("IMPORT_EMPTY", "csv")
    if len(body) > MAX_IMPORT_ROWS:
        raise Refused.because("TOO_MANY", "csv")
    good: list[_Row] = []
    rejected: list[RejectedRow] = []
    seen: set[str] = set()
    for number, cells in body:
        text = _cell(cells, code_column)
        code = normalise_code(text)
        value_text = _cell(cells, value_column) if with_value else ""
        value = _value(value_text) if value_text else None
        reason = _code_problem(code)
        if reason is None and code in seen:
            reason = "IMPORT_DUPLICATE_IN_FILE"
        elif reason is None and value_text and value is None:
            reason = "IMPORT_BAD_VALUE"
        if reason is None or reason == "IMPORT_BAD_VALUE":
            seen.add(code)  # the first row with a code owns it, even when its value is bad
        if reason:
            rejected.append(RejectedRow(number, text[:100], reason))
        else:
            good.append(_Row(number, text, code, value))
    taken = await taken_codes([r.code for r in good])
    rejected += [RejectedRow(r.row, r.text, "IMPORT_CODE_TAKEN") for r in good if r.code in taken]
    good = [r for r in good if r.code not in taken]
    return len(body), good, sorted(rejected, key=lambda r: r.row)


# Storing -----------------------------------------------------------------------------------------------

async def release_codes(kind: CodeKind, codes: set[str], serial_campaign_id: int | None = None) -> None:
    """Give back codes this import claimed but did not use. A serial code a member managed to
    register in the meantime (registrations > 0) is kept, with its registration."""
    ordered = sorted(codes)
    for start in range(0, len(ordered), READ_CHUNK):
        query = Code.filter(code__in=ordered[start:start + READ_CHUNK], kind=kind, registrations=0)
        if serial_campaign_id is not None:
            query = query.filter(serial_campaign_id=serial_campaign_id)
        await query.delete()


async def _claim_and_store(kind: CodeKind, serial_campaign_id: int | None, rows_read: int, good: list[_Row],
                           rejected: list[RejectedRow], keep_good_rows: bool,
                           store: Callable[[list[_Row], int], Awaitable[None]]) -> ImportReport:
    def report(imported: int) -> ImportReport:
        return ImportReport(rows_read, imported, sorted(rejected, key=lambda r: r.row), keep_good_rows)

    if (rejected and not keep_good_rows) or not good:
        return report(0)
    claimed = await claim_codes(kind, {r.code for r in good}, serial_campaign_id)
    rejected = rejected + [RejectedRow(r.row, r.text, "IMPORT_CODE_TAKEN") for r in good if r.code not in claimed]
    if len(claimed) < len(good) and not keep_good_rows:
        await release_codes(kind, claimed, serial_campaign_id)
        return report(0)
    won = [r for r in good if r.code in claimed]
    if won:
        try:
            await store(won, len(rejected))
        except Exception:
            await release_codes(kind, claimed, serial_campaign_id)
            raise
    return report(len(won))


async def _refuse_while_generating(job_kind: str, campaign_id: int) -> None:
    pending = await Job.filter(kind=job_kind, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).values_list(
        "params", flat=True)
    if any((params or {}).get("campaign_id") == campaign_id for params in pending):
        raise Refused.because("CODES_BEING_GENERATED", "campaign_id")


async def import_gift_cards(actor: Actor, campaign_id: int, data: bytes | str,
                            keep_good_rows: bool = False) -> ImportReport:
    """Cards with codes made elsewhere into a campaign: one per good row, worth the row's value or
    the campaign's. All or nothing unless `keep_good_rows`; see the module's docstring."""
    require_change_shop(actor)
    campaign = await GiftCardCampaign.get_or_none(id=campaign_id)
    if campaign is None:
        raise Refused.because("NOT_FOUND", "campaign_id")
    await _refuse_while_generating(giftcards.GENERATE_JOB, campaign.id)
    rows_read, good, rejected = await check_rows(data, with_value=True)

    async def store(rows: list[_Row], rejected_count: int) -> None:
        async with in_transaction():
            await GiftCard.bulk_create([GiftCard(campaign_id=campaign.id, code=r.code,
                                                 initial_value=r.value or campaign.value,
                                                 balance=r.value or campaign.value) for r in rows],
                                       batch_size=INSERT_BATCH)
            await record_change(actor, "giftcard.import", campaign,
                                after={"imported": len(rows), "rejected": rejected_count})

    return await _claim_and_store(CodeKind.GIFT_CARD, None, rows_read, good, rejected, keep_good_rows, store)


async def import_serial_codes(actor: Actor, campaign_id: int, data: bytes | str,
                              keep_good_rows: bool = False) -> ImportReport:
    """Printed codes into a RANDOM serial campaign; its quantity grows by the number imported.
    All or nothing unless `keep_good_rows`; see the module's docstring."""
    require_change_shop(actor)
    campaign = await SerialCampaign.get_or_none(id=campaign_id)
    if campaign is None:
        raise Refused.because("NOT_FOUND", "campaign_id")
    if campaign.type != SerialType.RANDOM:
        raise Refused.because("SERIAL_NOT_RANDOM", "campaign_id")
    await _refuse_while_generating(serials.GENERATE_JOB, campaign.id)
    rows_read, good, rejected = await check_rows(data, with_value=False)

    async def store(rows: list[_Row], rejected_count: int) -> None:
        # The codes are in the `code` table already (claimed); what is left is the campaign's count.
        async with in_transaction():
            await SerialCampaign.filter(id=campaign.id).update(quantity_limit=F("quantity_limit") + len(rows))
            await record_change(actor, "serial.import_codes", campaign,
                                after={"imported": len(rows), "rejected": rejected_count})

    return await _claim_and_store(CodeKind.SERIAL, campaign.id, rows_read, good, rejected, keep_good_rows, store)
