"""Getting codes out: a campaign's gift cards or serial codes as a CSV or XLSX file (a background
job), and one code for its QR image (SPEC 2 and 9, seed 004).

A gift card code is a bearer secret (whoever holds it spends the balance), and a serial code
hands out coupons: only operators who may change the shop export them or show their QR code,
and only they download the files (`SECRET_FILE_KINDS` in gql.resolvers.jobs).
"""

from __future__ import annotations

import csv
import io
from enum import StrEnum

from openpyxl import Workbook

from gql.resolvers.access import Actor, require_change_shop
from gql.resolvers.errors import Refused
from gql.resolvers.jobs import start_job
from kupon.codes import normalise_code
from kupon.jobs import JobRun, job_function
from kupon.timeutil import format_seoul
from models.codes import Code, CodeKind
from models.giftcards import GiftCard, GiftCardCampaign
from models.jobs import Job
from models.serials import SerialCampaign

GIFT_CARD_EXPORT = "giftcards.export"
SERIAL_CODE_EXPORT = "serials.export"
BATCH = 5000
GIFT_CARD_HEADER = ["Code", "Value", "Balance", "Uses", "Status", "Created (KST)"]
SERIAL_CODE_HEADER = ["Code", "Registrations", "Created (KST)"]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


class ExportFormat(StrEnum):
    CSV = "CSV"
    XLSX = "XLSX"


def _format(value: str) -> ExportFormat:
    try:
        return ExportFormat(value)
    except ValueError:
        raise Refused.because("INVALID_CHOICE", "format") from None


class _ExportFile:
    """Rows appended one by one into a CSV or an XLSX (openpyxl's write-only mode, which streams)."""

    def __init__(self, fmt: ExportFormat, sheet_name: str, header: list[str]) -> None:
        self.fmt = fmt
        if fmt == ExportFormat.XLSX:
            self.workbook = Workbook(write_only=True)
            self.sheet = self.workbook.create_sheet(sheet_name)
            self.append = self.sheet.append
        else:
            self.text = io.StringIO()
            self.append = csv.writer(self.text).writerow
        self.append(header)

    def finish(self, stem: str) -> tuple[str, str, bytes]:
        """(file name, content type, bytes). A CSV starts with a byte order mark, so Excel reads it as UTF-8."""
        if self.fmt == ExportFormat.XLSX:
            buffer = io.BytesIO()
            self.workbook.save(buffer)
            return f"{stem}.xlsx", XLSX_TYPE, buffer.getvalue()
        return f"{stem}.csv", CSV_TYPE, self.text.getvalue().encode("utf-8-sig")


async def start_gift_card_export(actor: Actor, campaign_id: int, fmt: str) -> Job:
    """Queue the export of a campaign's cards; the job's file is the result."""
    require_change_shop(actor)
    export_format = _format(fmt)
    if not await GiftCardCampaign.exists(id=campaign_id):
        raise Refused.because("NOT_FOUND", "campaign_id")
    return await start_job(actor, GIFT_CARD_EXPORT, {"campaign_id": campaign_id, "format": export_format.value})


async def start_serial_code_export(actor: Actor, campaign_id: int, fmt: str) -> Job:
    """Queue the export of a serial campaign's codes; the job's file is the result."""
    require_change_shop(actor)
    export_format = _format(fmt)
    if not await SerialCampaign.exists(id=campaign_id):
        raise Refused.because("NOT_FOUND", "campaign_id")
    return await start_job(actor, SERIAL_CODE_EXPORT, {"campaign_id": campaign_id, "format": export_format.value})


@job_function(GIFT_CARD_EXPORT)
async def export_gift_cards(run: JobRun) -> dict:
    """Cards in id order, read in batches after the last id written (keyset), so cards added during
    the export neither shift nor repeat rows. Balances are as each batch was read."""
    campaign_id = int(run.params["campaign_id"])
    out = _ExportFile(ExportFormat(run.params["format"]), "giftcards", GIFT_CARD_HEADER)
    total = await GiftCard.filter(campaign_id=campaign_id).count()
    await run.progress(0, total)
    written, last_id = 0, 0
    while batch := await GiftCard.filter(campaign_id=campaign_id, id__gt=last_id).order_by("id").limit(
            BATCH).values_list("id", "code", "initial_value", "balance", "uses", "status", "created_at"):
        for _, code, value, balance, uses, status, created_at in batch:
            out.append([code, value, balance, uses, str(status), format_seoul(created_at)])
        last_id = batch[-1][0]
        written += len(batch)
        await run.progress(written, max(total, written))
    await run.attach_file(*out.finish(f"giftcards-{campaign_id}"))
    return {"rows": written}


@job_function(SERIAL_CODE_EXPORT)
async def export_serial_codes(run: JobRun) -> dict:
    """Codes in alphabetical order (their primary key), read in batches after the last one written."""
    campaign_id = int(run.params["campaign_id"])
    out = _ExportFile(ExportFormat(run.params["format"]), "serial codes", SERIAL_CODE_HEADER)
    total = await Code.filter(serial_campaign_id=campaign_id, kind=CodeKind.SERIAL).count()
    await run.progress(0, total)
    written, last_code = 0, ""
    while batch := await Code.filter(serial_campaign_id=campaign_id, kind=CodeKind.SERIAL,
                                     code__gt=last_code).order_by("code").limit(BATCH).values_list(
            "code", "registrations", "created_at"):
        for code, registrations, created_at in batch:
            out.append([code, registrations, format_seoul(created_at)])
        last_code = batch[-1][0]
        written += len(batch)
        await run.progress(written, max(total, written))
    await run.attach_file(*out.finish(f"serial-codes-{campaign_id}"))
    return {"rows": written}


# Codes shown as QR images ------------------------------------------------------------------------------

async def gift_card_code(actor: Actor, card_id: int) -> str:
    """A card's code, for its QR image."""
    require_change_shop(actor)
    code = await GiftCard.filter(id=card_id).values_list("code", flat=True)
    if not code:
        raise Refused.because("NOT_FOUND", "id")
    return code[0]


async def serial_code(actor: Actor, text: str) -> str:
    """A serial code as stored (typed any way), for its QR image."""
    require_change_shop(actor)
    code = normalise_code(text)
    if not code or not await Code.exists(code=code, kind=CodeKind.SERIAL):
        raise Refused.because("NOT_FOUND", "code")
    return code
