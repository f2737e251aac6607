"""Importing legacy coupons, records and automatic-issue settings from CSV (UTF-8, CP949) and XLSX."""

import io
from datetime import UTC, datetime

import openpyxl
import pytest

from gql.resolvers import legacy_import
from gql.resolvers.errors import Refused
from models.audit import AuditEntry
from models.legacy import LegacyCoupon, LegacyKind, LegacyRecord, LegacyTrigger, PaperMethod
from tests.legacy.conftest import sample


async def counts():
    return (await LegacyCoupon.all().count(), await LegacyRecord.all().count(), await LegacyTrigger.all().count())


async def test_samples_import_with_counts_as_in_seed_000(imported, shoppers):
    assert await counts() == (9, 28, 3)
    figures = {n: (c.issued_count, c.used_count, c.available_count) for n, c in imported.items()}
    assert figures["33172114"] == (0, 0, 0)
    assert figures["19171914"] == (4, 0, 4)
    assert figures["31171714"] == (4, 0, 4)
    assert figures["12171514"] == (6, 0, 6)
    assert figures["11555144"] == (3, 3, 0)
    assert figures["55154614"] == (5, 0, 5)
    assert figures["12108000"] == (1, 0, 1)
    assert figures["20240301"] == (3, 1, 2)  # two printed serials nobody registered count in nothing
    paper = imported["55154614"]
    assert paper.kind == LegacyKind.PAPER and paper.paper_method == PaperMethod.SAME_SERIAL
    assert paper.paper_code == "DC43AABBDD46D" and paper.issue_days == 12 and paper.issue_from is None
    vip = imported["31171714"]
    assert vip.issue_from == datetime(2021, 2, 17, 15, 0, tzinfo=UTC)  # 2021-02-18 00:00 Seoul
    assert vip.issue_to == datetime(2021, 2, 18, 14, 59, 59, tzinfo=UTC)  # the end date's last second
    used = await LegacyRecord.get(code="SP24A2B3C4")
    assert used.order_ref == "20210305-0007" and used.member_id == shoppers["shopper01"].id


async def test_unmatched_members_are_kept_and_listed(owner, shoppers):
    await legacy_import.import_legacy_file(owner, "coupons", sample("coupons.csv"))
    report = await legacy_import.import_legacy_file(owner, "records", sample("records.csv"))
    assert report.imported == 28 and report.unmatched_login_ids == ["left_member"]
    kept = await LegacyRecord.get(member_login_id="left_member")
    assert kept.member_id is None
    assert await LegacyRecord.filter(member_id__isnull=True).exclude(member_login_id="").count() == 1


async def test_importing_the_same_files_twice_changes_nothing(imported, owner):
    before = await counts()
    records = sorted(await LegacyRecord.all().values_list("id", "row_key", "member_id", "used_at"))
    for what in ("coupons", "records", "triggers"):
        report = await legacy_import.import_legacy_file(owner, what, sample(f"{what}.csv"))
        assert report.imported == 0 and report.updated == 0 and report.unchanged == report.rows_read
    assert await counts() == before
    assert sorted(await LegacyRecord.all().values_list("id", "row_key", "member_id", "used_at")) == records


async def test_a_newer_export_updates_records_not_yet_moved(imported, owner, shoppers):
    newer = (b"coupon_number,member_login_id,code,issued_at,used_at,order_ref\n"
             b"20240301,shopper05,SP24K2M3N4,2021-03-10 10:00,,\n")  # a printed serial registered since
    report = await legacy_import.import_legacy_records(owner, legacy_import.read_table(
        newer, legacy_import.RECORD_COLUMNS))
    assert (report.imported, report.updated) == (0, 1)
    record = await LegacyRecord.get(code="SP24K2M3N4")
    assert record.member_id == shoppers["shopper05"].id
    coupon = await LegacyCoupon.get(number="20240301")
    assert (coupon.issued_count, coupon.available_count) == (4, 3)


BAD_COUPONS = """number,kind,name,issue_status,issue_from,issue_to,issue_days,paper_method,paper_code
A1,JACKPOT,좋은 쿠폰,AVAILABLE,2021-02-18,2021-02-20,,,
A2,CASHBACK,종류 모름,AVAILABLE,,,,,
A3,JACKPOT,날짜 틀림,AVAILABLE,2021-02-31,,,,
A1,JACKPOT,번호 중복,AVAILABLE,,,,,
A4,PAPER,방법 없음,AVAILABLE,,,,,
A5,PAPER,코드 없음,AVAILABLE,,,,SAME_SERIAL,
A6,JACKPOT,상태 모름,MAYBE,,,,,
A7,JACKPOT,거꾸로,AVAILABLE,2021-02-20,2021-02-18,,,
A8,JACKPOT,일수와 날짜,EXPIRED,2021-02-18,,12,,
,JACKPOT,번호 없음,AVAILABLE,,,,,
"""


async def test_bad_rows_are_reported_with_row_numbers_and_nothing_is_stored(owner):
    report = await legacy_import.import_legacy_file(owner, "coupons", BAD_COUPONS)
    assert report.refused_for_bad_rows and report.imported == 0
    assert [(r.row, r.reason) for r in report.rejected] == [
        (3, "LEGACY_KIND_UNKNOWN"), (4, "LEGACY_BAD_DATE"), (5, "LEGACY_DUPLICATE_NUMBER"),
        (6, "LEGACY_PAPER_METHOD_UNKNOWN"), (7, "LEGACY_PAPER_CODE_REQUIRED"), (8, "LEGACY_STATUS_UNKNOWN"),
        (9, "LEGACY_PERIOD_REVERSED"), (10, "LEGACY_BAD_DAYS"), (11, "LEGACY_NUMBER_REQUIRED")]
    assert report.rejected[0].code == "A2" and report.rejected[0].message_ko.startswith("알 수 없는 종류")
    assert await LegacyCoupon.all().count() == 0
    assert not await AuditEntry.filter(action="legacy.import_coupons").exists()


async def test_keep_good_rows_stores_the_good_ones(owner):
    report = await legacy_import.import_legacy_file(owner, "coupons", BAD_COUPONS, keep_good_rows=True)
    assert report.imported == 1 and len(report.rejected) == 9 and not report.refused_for_bad_rows
    assert await LegacyCoupon.all().values_list("number", flat=True) == ["A1"]


async def test_bad_records(imported, owner):
    bad = ("쿠폰번호,회원아이디,코드,발급일시,사용일시\n"
           "99999999,shopper01,,2021-02-18,\n"  # unknown coupon
           "19171914,,,2021-02-18,\n"  # jackpot record without a member
           "20240301,shopper01,,2021-02-18,\n"  # paper record without its serial
           "19171914,shopper01,,2021-02-18 10:00,2021-02-17\n"  # used before issued
           "19171914,shopper02,,2021-02-18 10:00,\n"
           "19171914,shopper02,,2021-02-18 10:00,\n"  # the same record twice
           "19171914,shopper02,,어제,\n")
    report = await legacy_import.import_legacy_file(owner, "records", bad.encode())
    assert [(r.row, r.reason) for r in report.rejected] == [
        (2, "LEGACY_COUPON_UNKNOWN"), (3, "LEGACY_RECORD_MEMBER_REQUIRED"), (4, "LEGACY_RECORD_CODE_REQUIRED"),
        (5, "LEGACY_USED_BEFORE_ISSUED"), (7, "LEGACY_DUPLICATE_ROW"), (8, "LEGACY_BAD_DATE")]
    assert await LegacyRecord.all().count() == 28


async def test_cp949_csv(owner):
    text = ("쿠폰번호,종류,쿠폰명,발급상태,발행방법\n"
            "77,왕대박,설날 감사 쿠폰,가능,\n78,종이쿠폰,설날 종이쿠폰,만료,랜덤\n")
    report = await legacy_import.import_legacy_file(owner, "coupons", text.encode("cp949"))
    assert report.imported == 2 and not report.rejected
    assert (await LegacyCoupon.get(number="77")).name == "설날 감사 쿠폰"
    assert (await LegacyCoupon.get(number="78")).paper_method == PaperMethod.RANDOM_SERIALS


async def test_xlsx_written_with_openpyxl(owner, shoppers):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["쿠폰번호", "종류", "쿠폰명", "발급시작", "발급종료", "발급상태"])
    sheet.append([19171914, "왕대박", "02월 일반회원 쿠폰", datetime(2021, 2, 18), datetime(2021, 2, 20, 23, 59),
                  "가능"])
    out = io.BytesIO()
    book.save(out)
    report = await legacy_import.import_legacy_file(owner, "coupons", out.getvalue())
    assert report.imported == 1, report.rejected
    coupon = await LegacyCoupon.get(number="19171914")
    assert coupon.issue_from == datetime(2021, 2, 17, 15, 0, tzinfo=UTC)


async def test_triggers_refer_to_imported_coupons(imported, owner):
    report = await legacy_import.import_legacy_file(
        owner, "triggers", "이벤트,쿠폰번호\n출석체크,19171914\nLOTTERY,19171914\nAPP_LOGIN,1\n".encode())
    assert [(r.row, r.reason) for r in report.rejected] == [(3, "LEGACY_EVENT_UNKNOWN"), (4, "LEGACY_COUPON_UNKNOWN")]
    assert await LegacyTrigger.all().count() == 3


async def test_unreadable_and_headerless_files(owner):
    with pytest.raises(Refused) as refused:
        await legacy_import.import_legacy_file(owner, "coupons", b"PK\x03\x04not a workbook")
    assert refused.value.codes == ["UPLOAD_UNREADABLE"]
    with pytest.raises(Refused) as refused:
        await legacy_import.import_legacy_file(owner, "coupons", "a,b\n1,2\n")
    assert refused.value.codes == ["UPLOAD_NO_COLUMNS"]
