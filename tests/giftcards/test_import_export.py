"""Gift cards in and out: CSV import with a report per row (all or nothing, or keeping the good rows),
CSV/XLSX export jobs, QR images, and who may do each."""

import csv
import io
import struct
import xml.etree.ElementTree as ET

import openpyxl
import pytest

from gql.resolvers import code_exports, code_imports
from gql.resolvers.access import operator_actor
from gql.resolvers.errors import Refused
from gql.resolvers.giftcards import (
    GiftCardCampaignInput,
    campaign_balance,
    create_campaign,
    redeem_at_counter,
    set_card_status,
)
from gql.resolvers.jobs import SECRET_FILE_KINDS
from gql.resolvers.serials import SerialInput, create_serial_campaign
from kupon.timeutil import format_seoul
from models.access import Operator, Role
from models.audit import AuditEntry
from models.codes import Code, CodeKind
from models.giftcards import GiftCard
from tests.conftest import console_login, graphql
from tests.factories import PASSWORD, api_key, make_coupon, make_operator

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
IMPORT = """mutation($id: ID!, $csv: String!, $keep: Boolean!) {
  importGiftCards(campaignId: $id, csv: $csv, keepGoodRows: $keep) {
    report { rowsRead imported rejected { row code reason message messageKo } } errors { code field } } }"""
EXPORT = """mutation($id: ID!, $format: ExportFormat!) {
  startGiftCardExport(campaignId: $id, format: $format) { job { id status } errors { code field } } }"""
JOB = "query($id: ID!) { job(id: $id) { status error downloadPath result } }"

# Row 1 is the header, row 3 is blank: rows keep the numbers a spreadsheet shows.
MIXED = "\n".join([
    "code,value",
    "GOOD-0001,",
    "",
    "good-0002,5000",
    ",1000",
    "BAD*CODE1,",
    "good0001,",
    "GOOD0003,abc",
    "ABC,",
    "X" * 41 + ",",
])
MIXED_REJECTED = [(5, "", "IMPORT_CODE_EMPTY"), (6, "BAD*CODE1", "IMPORT_CODE_BAD_CHARACTERS"),
                  (7, "good0001", "IMPORT_DUPLICATE_IN_FILE"), (8, "GOOD0003", "IMPORT_BAD_VALUE"),
                  (9, "ABC", "IMPORT_CODE_TOO_SHORT"), (10, "X" * 41, "IMPORT_CODE_TOO_LONG")]


@pytest.fixture
async def actor(db):
    """An operator who never signs in (created directly: hashing a password costs ~0.1-0.3 s)."""
    return operator_actor(await Operator.create(login_id="importer", name="담당자", password_hash="!",
                                                role=Role.OPERATOR))


async def campaign(app, actor, count=0, value=30_000):
    made = await create_campaign(actor, GiftCardCampaignInput(name="인쇄 상품권", value=value, count=count,
                                                              code_prefix="GC"))
    await app.state.job_runner.run_pending()
    return made


def rejected(report) -> list[tuple[int, str, str]]:
    return [(r.row, r.code, r.reason) for r in report.rejected]


async def test_a_bad_row_refuses_the_whole_file(actor, db, app):
    target = await campaign(app, actor)
    report = await code_imports.import_gift_cards(actor, target.id, MIXED)
    assert (report.rows_read, report.imported, report.refused_for_bad_rows) == (8, 0, True)
    assert rejected(report) == MIXED_REJECTED
    assert await GiftCard.all().count() == 0
    assert await Code.all().count() == 0
    assert not await AuditEntry.filter(action="giftcard.import").exists()


async def test_keep_good_rows_stores_them_and_reports_the_rest(actor, db, app):
    target = await campaign(app, actor)
    report = await code_imports.import_gift_cards(actor, target.id, MIXED, keep_good_rows=True)
    assert (report.rows_read, report.imported, report.refused_for_bad_rows) == (8, 2, False)
    assert rejected(report) == MIXED_REJECTED
    cards = {c.code: (c.initial_value, c.balance) for c in await GiftCard.filter(campaign_id=target.id)}
    assert cards == {"GOOD0001": (30_000, 30_000), "GOOD0002": (5000, 5000)}
    assert set(await Code.filter(kind=CodeKind.GIFT_CARD).values_list("code", flat=True)) == set(cards)
    assert (await campaign_balance(target.id)).loaded == 35_000
    entry = await AuditEntry.get(action="giftcard.import")
    assert entry.after == {"imported": 2, "rejected": 6}


async def test_codes_taken_by_any_kind_are_rejected_and_nothing_is_claimed(actor, db, app):
    other = await campaign(app, actor, count=1)
    card_code = (await GiftCard.get(campaign_id=other.id)).code
    await make_coupon(issue_method="CODE", code_mode="SHARED", shared_code="SPRING2026")
    await create_serial_campaign(actor, SerialInput(name="종이", type="FIXED", fixed_code="PAPER2026",
                                                               rewards=[((await make_coupon()).id, 1)]))
    codes_before = await Code.all().count()
    target = await campaign(app, actor)
    text = f"code\nspring-2026\nFRESH0001\n{card_code.lower()}\npaper 2026\n"
    report = await code_imports.import_gift_cards(actor, target.id, text)
    assert rejected(report) == [(2, "spring-2026", "IMPORT_CODE_TAKEN"), (4, card_code.lower(), "IMPORT_CODE_TAKEN"),
                                (5, "paper 2026", "IMPORT_CODE_TAKEN")]
    assert report.imported == 0 and await Code.all().count() == codes_before
    kept = await code_imports.import_gift_cards(actor, target.id, text, keep_good_rows=True)
    assert kept.imported == 1
    assert await GiftCard.filter(campaign_id=target.id).values_list("code", flat=True) == ["FRESH0001"]


async def test_a_claim_lost_after_the_check_is_a_rejected_row_and_releases_the_rest(actor, db, app, monkeypatch):
    """The check reads the code table, the claim comes after: a code taken in between loses its claim."""
    target = await campaign(app, actor)
    await make_coupon(issue_method="CODE", code_mode="SHARED", shared_code="RACE0001")

    async def nothing_taken(codes):  # as if the coupon code had been made just after the read
        return set()

    monkeypatch.setattr(code_imports, "taken_codes", nothing_taken)
    report = await code_imports.import_gift_cards(actor, target.id, "RACE0001\nFREE0001\nFREE0002\n")
    assert rejected(report) == [(1, "RACE0001", "IMPORT_CODE_TAKEN")] and report.imported == 0
    assert await Code.filter(kind=CodeKind.GIFT_CARD).count() == 0  # FREE0001/2 were claimed, then given back
    kept = await code_imports.import_gift_cards(actor, target.id, "RACE0001\nFREE0001\nFREE0002\n",
                                                keep_good_rows=True)
    assert (kept.imported, rejected(kept)) == (2, [(1, "RACE0001", "IMPORT_CODE_TAKEN")])


async def test_a_failed_write_gives_the_claimed_codes_back(actor, db, app, monkeypatch):
    target = await campaign(app, actor)

    async def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(GiftCard, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        await code_imports.import_gift_cards(actor, target.id, "FREE0001\nFREE0002\n")
    assert await Code.all().count() == 0


async def test_cp949_file_with_a_korean_header(actor, db, app):
    target = await campaign(app, actor)
    data = '상품권 코드,금액(원)\r\nKR-0001,"10,000원"\r\nKR-0002,\r\n'.encode("cp949")
    report = await code_imports.import_gift_cards(actor, target.id, data)
    assert (report.rows_read, report.imported, report.rejected) == (2, 2, [])
    cards = {c.code: c.balance for c in await GiftCard.filter(campaign_id=target.id)}
    assert cards == {"KR0001": 10_000, "KR0002": 30_000}
    bom = "\ufeffcode\nUTF8BOM01\n".encode()
    assert (await code_imports.import_gift_cards(actor, target.id, bom)).imported == 1
    with pytest.raises(Refused) as unreadable:
        await code_imports.import_gift_cards(actor, target.id, b"PK\x03\x04\x00\x00binary")
    assert unreadable.value.codes == ["IMPORT_UNREADABLE"]


async def test_refused_files_and_campaigns(actor, db, app):
    target = await campaign(app, actor)
    for text, code in [("", "IMPORT_EMPTY"), ("code\n\n", "IMPORT_EMPTY"), ("금액\n1000\n", "IMPORT_NO_CODE_COLUMN")]:
        with pytest.raises(Refused) as refused:
            await code_imports.import_gift_cards(actor, target.id, text)
        assert refused.value.codes == [code]
    with pytest.raises(Refused) as unknown:
        await code_imports.import_gift_cards(actor, 999_999, "ABCD1234")
    assert unknown.value.codes == ["NOT_FOUND"]
    generating = await create_campaign(actor, GiftCardCampaignInput(name="생성 중", value=1000, count=2))
    with pytest.raises(Refused) as busy:  # its job is still queued: it would make fewer cards
        await code_imports.import_gift_cards(actor, generating.id, "ABCD1234")
    assert busy.value.codes == ["CODES_BEING_GENERATED"]


async def download(client, app, job_id: str):
    await app.state.job_runner.run_pending()
    job = (await graphql(client, JOB, {"id": job_id}))["data"]["job"]
    assert job["status"] == "SUCCEEDED", job["error"]
    response = await client.get(job["downloadPath"])
    assert response.status_code == 200
    return job, response


async def test_exports_to_csv_and_xlsx(actor, client, db, app, monkeypatch):
    monkeypatch.setattr(code_exports, "BATCH", 2)  # several batches
    target = await campaign(app, actor, count=5, value=50_000)
    await code_imports.import_gift_cards(actor, target.id, "code,value\nIMPORTED01,7000\n")
    cards = list(await GiftCard.filter(campaign_id=target.id).order_by("id"))
    await redeem_at_counter(actor, cards[0].code, 20_000)
    await set_card_status(actor, cards[1].id, "DISABLED")
    await campaign(app, actor, count=2)  # another campaign's cards stay out
    cards = list(await GiftCard.filter(campaign_id=target.id).order_by("id"))
    expected = [[c.code, c.initial_value, c.balance, c.uses, c.status.value, format_seoul(c.created_at)] for c in cards]
    operator_row = await make_operator(Role.OPERATOR)
    await console_login(client, operator_row.login_id, PASSWORD)

    started = (await graphql(client, EXPORT, {"id": str(target.id), "format": "CSV"}))["data"]["startGiftCardExport"]
    assert started["errors"] == []
    job, response = await download(client, app, started["job"]["id"])
    assert job["result"] == {"rows": 6}
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    csv_file = response.content
    header, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header == code_exports.GIFT_CARD_HEADER
    assert rows == [[str(cell) for cell in row] for row in expected]
    assert rows[0][2] == "30000" and rows[1][4] == "DISABLED" and rows[-1][:2] == ["IMPORTED01", "7000"]

    started = (await graphql(client, EXPORT, {"id": str(target.id), "format": "XLSX"}))["data"]["startGiftCardExport"]
    _, response = await download(client, app, started["job"]["id"])
    assert response.headers["content-type"] == code_exports.XLSX_TYPE
    header, *rows = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active.iter_rows(
        values_only=True)
    assert list(header) == code_exports.GIFT_CARD_HEADER
    assert [list(row) for row in rows] == expected

    # An exported file imports back: its header is understood, and every code is taken already.
    back = await code_imports.import_gift_cards(actor, (await campaign(app, actor)).id, csv_file)
    assert back.imported == 0 and {r.reason for r in back.rejected} == {"IMPORT_CODE_TAKEN"}


async def test_import_through_graphql_reports_rows(actor, client, db, app):
    target = await campaign(app, actor)
    operator_row = await make_operator(Role.OPERATOR)
    await console_login(client, operator_row.login_id, PASSWORD)
    refused = (await graphql(client, IMPORT, {"id": str(target.id), "csv": MIXED, "keep": False}))["data"]
    payload = refused["importGiftCards"]
    assert payload["errors"] == [{"code": "IMPORT_HAS_BAD_ROWS", "field": "csv"}]
    assert payload["report"]["rowsRead"] == 8 and payload["report"]["imported"] == 0
    first = payload["report"]["rejected"][0]
    assert first == {"row": 5, "code": "", "reason": "IMPORT_CODE_EMPTY", "message": "The code is empty.",
                     "messageKo": "코드가 비어 있습니다."}
    kept = (await graphql(client, IMPORT, {"id": str(target.id), "csv": MIXED, "keep": True}))["data"]
    assert kept["importGiftCards"]["errors"] == [] and kept["importGiftCards"]["report"]["imported"] == 2
    missing = (await graphql(client, IMPORT, {"id": "999999", "csv": "ABCD1234", "keep": False}))["data"]
    assert missing["importGiftCards"] == {"report": None, "errors": [{"code": "NOT_FOUND", "field": "campaign_id"}]}


async def test_qr_images(actor, client, db, app):
    target = await campaign(app, actor, count=1)
    card = await GiftCard.get(campaign_id=target.id)
    operator_row = await make_operator(Role.OPERATOR)
    await console_login(client, operator_row.login_id, PASSWORD)
    png = await client.get(f"/admin/giftcards/cards/{card.id}/qr.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.headers["cache-control"] == "no-store"
    assert png.content.startswith(PNG_SIGNATURE)
    width, height = struct.unpack(">II", png.content[16:24])  # the IHDR chunk comes first
    assert width == height and 200 <= width <= 400
    svg = await client.get(f"/admin/giftcards/cards/{card.id}/qr.svg")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert ET.fromstring(svg.text).tag == "{http://www.w3.org/2000/svg}svg"
    assert (await client.get(f"/admin/giftcards/cards/{card.id}/qr.gif")).status_code == 404
    assert (await client.get("/admin/giftcards/cards/999999/qr.png")).status_code == 404


async def test_viewers_and_api_keys_cannot_import_export_or_see_codes(actor, client, db, app):
    target = await campaign(app, actor, count=1)
    card = await GiftCard.get(campaign_id=target.id)
    operator_row = await make_operator(Role.OPERATOR)
    await console_login(client, operator_row.login_id, PASSWORD)
    started = (await graphql(client, EXPORT, {"id": str(target.id), "format": "CSV"}))["data"]["startGiftCardExport"]
    await app.state.job_runner.run_pending()
    client.cookies.clear()

    key = await api_key()
    viewer = await make_operator(Role.VIEWER)
    by_key = [await graphql(client, IMPORT, {"id": str(target.id), "csv": "ABCD1234", "keep": True}, token=key),
              await graphql(client, EXPORT, {"id": str(target.id), "format": "XLSX"}, token=key)]
    await console_login(client, viewer.login_id, PASSWORD)
    by_viewer = [await graphql(client, IMPORT, {"id": str(target.id), "csv": "ABCD1234", "keep": True}),
                 await graphql(client, EXPORT, {"id": str(target.id), "format": "XLSX"})]
    for refused in by_key + by_viewer:
        assert refused["data"] is None and refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await client.get(f"/admin/giftcards/cards/{card.id}/qr.png")).status_code == 403
    # The file of an export an operator made is not the viewer's to download either.
    assert (await client.get(f"/admin/jobs/{started['job']['id']}/download")).status_code == 404
    assert {code_exports.GIFT_CARD_EXPORT, code_exports.SERIAL_CODE_EXPORT} <= SECRET_FILE_KINDS
    assert await GiftCard.filter(code="ABCD1234").count() == 0
