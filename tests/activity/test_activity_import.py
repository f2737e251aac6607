"""CSV import of member activity: a background job with a row report, good rows kept."""

from models.access import Role
from models.activity import MarketingConsent, MemberTag, PointEntry, Visit
from models.jobs import Job, JobFile, JobStatus
from tests.conftest import console_login
from tests.factories import PASSWORD, make_member, make_operator, make_site

POINTS_CSV = """회원번호,사이트,아이디,구분,포인트,사유,일시,외부ID
,gangnam,hong,적립,"1,000",첫 방문,2026-03-01 14:00,pos-1
,gangnam,hong,사용,300,,2026.03.02 10:00,pos-2
,gangnam,nobody,적립,100,,,pos-3
,gangnam,hong,사용,5000,,,pos-4
,gangnam,hong,적립,abc,,,pos-5
,gangnam,hong,적립,100,,내일,pos-6

{member_id},,,EARN,50,,,
"""


async def upload(client, csrf, kind: str, text: str, encoding: str = "utf-8-sig"):
    files = {"file": ("activity.csv", text.encode(encoding), "text/csv")}
    return await client.post("/admin/members/activity-import", data={"csrf_token": csrf, "kind": kind},
                             files=files)


async def run_jobs(app) -> Job:
    await app.state.job_runner.run_pending()
    return await Job.filter(kind="members.activity_import").order_by("-id").first()


async def signed_in(client):
    await make_operator(Role.OPERATOR, login_id="importer")
    return await console_login(client, "importer", PASSWORD)


async def test_points_import_keeps_good_rows_reports_bad_ones_and_is_idempotent(app, client, db):
    site = await make_site(code="gangnam")
    member = await make_member(site, login_id="hong")
    csrf = await signed_in(client)
    text = POINTS_CSV.format(member_id=member.id)
    response = await upload(client, csrf, "points", text, "cp949")
    assert response.status_code == 303
    job = await run_jobs(app)
    assert job.status == JobStatus.SUCCEEDED
    result = job.result
    assert result["rows_read"] == 7 and result["stored"] == 3
    assert [(r["row"], r["column"], r["reason"]) for r in result["rejected"]] == [
        (4, "login_id", "MEMBER_UNKNOWN"), (5, "amount", "POINTS_INSUFFICIENT"),
        (6, "amount", "POINTS_AMOUNT_INVALID"), (7, "at", "ACTIVITY_BAD_TIME")]
    assert await PointEntry.filter(member_id=member.id).count() == 3
    files = await JobFile.filter(job_id=job.id).values_list("filename", flat=True)
    assert files == ["activity-import-report.csv"]  # the upload itself is not kept
    page = await client.get(response.headers["location"])
    assert page.status_code == 200 and "POINTS_INSUFFICIENT" in page.text and "rejected-rows" in page.text
    await upload(client, csrf, "points", text)
    again = (await run_jobs(app)).result
    # Rows with an external id are not stored twice; the last row has none, so it is stored again.
    assert again["stored"] == 1 and again["repeated"] == 2
    assert await PointEntry.filter(member_id=member.id).count() == 4


async def test_visits_tags_and_consents_import(app, client, db):
    site = await make_site(code="s1")
    a, b = await make_member(site, login_id="aaa"), await make_member(site, login_id="bbb")
    csrf = await signed_in(client)
    await upload(client, csrf, "visits", "사이트,아이디,채널,방문일시\ns1,aaa,앱,2026-03-01 12:00\ns1,bbb,FAX,\n")
    visits = (await run_jobs(app)).result
    assert visits["stored"] == 1 and visits["rejected"][0]["reason"] == "INVALID_CHOICE"
    await upload(client, csrf, "tags", f"member_id,tag\n{a.id},단골\n{b.id},단골\n{b.id},\n")
    tags = (await run_jobs(app)).result
    assert tags["stored"] == 2 and tags["rejected"][0]["row"] == 4
    assert await MemberTag.filter(tag="단골").count() == 2
    await upload(client, csrf, "consents", "site\tlogin_id\tchannel\tgranted\ns1\taaa\t문자\tY\ns1\tbbb\tKAKAO\t몰라\n")
    consents = (await run_jobs(app)).result
    assert consents["stored"] == 1 and consents["rejected"][0]["reason"] == "CONSENT_VALUE_INVALID"
    row = await MarketingConsent.get(member_id=a.id)
    assert row.channel == "SMS" and row.granted and row.source == "csv"
    assert await Visit.all().count() == 1


async def test_a_file_without_the_needed_columns_is_refused_at_upload(app, client, db):
    csrf = await signed_in(client)
    response = await upload(client, csrf, "points", "아이디,포인트\nhong,100\n")
    assert response.status_code == 422 and not await Job.exists(kind="members.activity_import")
    viewer = await make_operator(Role.VIEWER, login_id="viewer")
    await client.post("/admin/logout", data={"csrf_token": csrf})
    viewer_csrf = await console_login(client, viewer.login_id, PASSWORD)
    assert (await upload(client, viewer_csrf, "tags", "member_id,tag\n1,x\n")).status_code == 403
