"""Serial codes in and out: printed codes imported into a RANDOM campaign (its quantity grows),
CSV/XLSX export jobs, QR images, and who may do each."""

import csv
import io

import openpyxl
import pytest

from gql.resolvers import code_exports, code_imports
from gql.resolvers.access import Actor, ActorKind, operator_actor
from gql.resolvers.errors import Refused
from gql.resolvers.serials import SerialInput, create_serial_campaign, register_serial
from kupon.timeutil import format_seoul
from models.access import Operator, Role
from models.codes import Code, CodeKind
from models.serials import SerialCampaign
from tests.conftest import console_login, graphql
from tests.factories import PASSWORD, make_coupon, make_member, make_operator

IMPORT = """mutation($id: ID!, $csv: String!, $keep: Boolean!) {
  importSerialCodes(campaignId: $id, csv: $csv, keepGoodRows: $keep) {
    report { rowsRead imported rejected { row code reason } } errors { code field } } }"""
EXPORT = """mutation($id: ID!, $format: ExportFormat!) {
  startSerialCodeExport(campaignId: $id, format: $format) { job { id } errors { code field } } }"""
JOB = "query($id: ID!) { job(id: $id) { status error downloadPath result } }"


@pytest.fixture
async def actor(db):
    """An operator who never signs in (created directly: hashing a password costs ~0.1-0.3 s)."""
    return operator_actor(await Operator.create(login_id="importer", name="담당자", password_hash="!",
                                                role=Role.OPERATOR))


async def random_campaign(app, actor, quantity=3):
    coupon = await make_coupon()
    made = await create_serial_campaign(actor, SerialInput(name="인쇄 시리얼", type="RANDOM", quantity_limit=quantity,
                                                           rewards=[(coupon.id, 1)], code_pattern="SR-####-####"))
    await app.state.job_runner.run_pending()
    return made


def rejected(report) -> list[tuple[int, str, str]]:
    return [(r.row, r.code, r.reason) for r in report.rejected]


async def test_import_into_a_random_campaign_all_or_nothing_then_keeping_good_rows(actor, db, app):
    target = await random_campaign(app, actor)
    generated = set(await Code.filter(serial_campaign_id=target.id).values_list("code", flat=True))
    await make_coupon(issue_method="CODE", code_mode="SHARED", shared_code="TAKEN001")
    text = "시리얼 코드\nPRINT-0001\ntaken-001\nPRINT-0002\nPRINT-0001\nPR\n"
    report = await code_imports.import_serial_codes(actor, target.id, text)
    expected = [(3, "taken-001", "IMPORT_CODE_TAKEN"), (5, "PRINT-0001", "IMPORT_DUPLICATE_IN_FILE"),
                (6, "PR", "IMPORT_CODE_TOO_SHORT")]
    assert (report.rows_read, report.imported, rejected(report)) == (5, 0, expected)
    assert set(await Code.filter(serial_campaign_id=target.id).values_list("code", flat=True)) == generated
    assert (await SerialCampaign.get(id=target.id)).quantity_limit == 3

    kept = await code_imports.import_serial_codes(actor, target.id, text, keep_good_rows=True)
    assert (kept.imported, rejected(kept)) == (2, expected)
    assert set(await Code.filter(serial_campaign_id=target.id).values_list("code", flat=True)) == generated | {
        "PRINT0001", "PRINT0002"}
    assert (await SerialCampaign.get(id=target.id)).quantity_limit == 5
    member = await make_member()
    me = Actor(ActorKind.MEMBER, id=member.id, label=member.login_id, member_id=member.id)
    registered = await register_serial(me, "print-0002", "APP")
    assert len(registered.coupons) == 1


async def test_only_random_campaigns_take_codes_and_cp949_files_work(actor, db, app):
    coupon = await make_coupon()
    fixed = await create_serial_campaign(actor, SerialInput(name="고정", type="FIXED", fixed_code="FIXED001",
                                                            rewards=[(coupon.id, 1)]))
    with pytest.raises(Refused) as refused:
        await code_imports.import_serial_codes(actor, fixed.id, "ABCD1234")
    assert refused.value.codes == ["SERIAL_NOT_RANDOM"]
    target = await random_campaign(app, actor, quantity=1)
    data = "시리얼코드,비고\r\n가나다라,메모\r\nKOREA-0001,메모\r\n".encode("cp949")
    report = await code_imports.import_serial_codes(actor, target.id, data, keep_good_rows=True)
    assert (report.imported, rejected(report)) == (1, [(2, "가나다라", "IMPORT_CODE_BAD_CHARACTERS")])
    assert await Code.filter(code="KOREA0001", kind=CodeKind.SERIAL, serial_campaign_id=target.id).exists()
    pasted = await code_imports.import_serial_codes(actor, target.id, "code\tnote\nTAB-0001\tx\n")
    assert pasted.imported == 1 and await Code.exists(code="TAB0001")  # tab-separated, as pasted from a sheet


async def test_exports_and_qr(actor, client, db, app, monkeypatch):
    monkeypatch.setattr(code_exports, "BATCH", 2)
    target = await random_campaign(app, actor, quantity=4)
    await code_imports.import_serial_codes(actor, target.id, "code\nAAAA0001\n")
    member = await make_member()
    await register_serial(Actor(ActorKind.MEMBER, id=member.id, label="m", member_id=member.id), "AAAA0001", "APP")
    await random_campaign(app, actor, quantity=2)  # another campaign's codes stay out
    codes = await Code.filter(serial_campaign_id=target.id).order_by("code")
    expected = [[c.code, c.registrations, format_seoul(c.created_at)] for c in codes]
    assert expected[0][:2] == ["AAAA0001", 1] and len(expected) == 5
    operator_row = await make_operator(Role.OPERATOR)
    await console_login(client, operator_row.login_id, PASSWORD)

    for fmt in ("CSV", "XLSX"):
        started = (await graphql(client, EXPORT, {"id": str(target.id), "format": fmt}))["data"]
        assert started["startSerialCodeExport"]["errors"] == []
        await app.state.job_runner.run_pending()
        job = (await graphql(client, JOB, {"id": started["startSerialCodeExport"]["job"]["id"]}))["data"]["job"]
        assert job["status"] == "SUCCEEDED" and job["result"] == {"rows": 5}, job["error"]
        response = await client.get(job["downloadPath"])
        assert response.status_code == 200
        if fmt == "CSV":
            header, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
            expected_rows = [[str(cell) for cell in row] for row in expected]
        else:
            header, *rows = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active.iter_rows(
                values_only=True)
            expected_rows = expected
        assert list(header) == code_exports.SERIAL_CODE_HEADER
        assert [list(row) for row in rows] == expected_rows

    png = await client.get("/admin/serials/codes/aaaa-0001/qr.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG\r\n\x1a\n") and len(png.content) > 100
    svg = await client.get(f"/admin/serials/codes/{codes[1].code}/qr.svg")
    assert svg.status_code == 200 and svg.text.startswith("<svg")
    assert (await client.get("/admin/serials/codes/NOSUCHCODE/qr.png")).status_code == 404


async def test_viewer_cannot_import_export_or_see_codes(actor, client, db, app):
    target = await random_campaign(app, actor, quantity=1)
    code = await Code.get(serial_campaign_id=target.id)
    viewer = await make_operator(Role.VIEWER)
    await console_login(client, viewer.login_id, PASSWORD)
    for refused in [await graphql(client, IMPORT, {"id": str(target.id), "csv": "ABCD1234", "keep": True}),
                    await graphql(client, EXPORT, {"id": str(target.id), "format": "CSV"})]:
        assert refused["data"] is None and refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await client.get(f"/admin/serials/codes/{code.code}/qr.svg")).status_code == 403
    assert not await Code.exists(code="ABCD1234")


async def test_import_through_graphql(actor, client, db, app):
    target = await random_campaign(app, actor, quantity=1)
    operator_row = await make_operator(Role.OPERATOR)
    await console_login(client, operator_row.login_id, PASSWORD)
    done = (await graphql(client, IMPORT, {"id": str(target.id), "csv": "code\nGQL-0001\nGQL-0002\n",
                                           "keep": False}))["data"]["importSerialCodes"]
    assert done == {"report": {"rowsRead": 2, "imported": 2, "rejected": []}, "errors": []}
    again = (await graphql(client, IMPORT, {"id": str(target.id), "csv": "code\nGQL-0001\nGQL-0003\n",
                                            "keep": False}))["data"]["importSerialCodes"]
    assert again["errors"] == [{"code": "IMPORT_HAS_BAD_ROWS", "field": "csv"}]
    assert again["report"]["rejected"] == [{"row": 2, "code": "GQL-0001", "reason": "IMPORT_CODE_TAKEN"}]
    assert (await SerialCampaign.get(id=target.id)).quantity_limit == 3
