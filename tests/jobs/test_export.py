"""The members export, end to end: GraphQL starts it, the database's runner executes it, the console serves it."""

import io

import openpyxl

from gql.resolvers import member_export
from kupon.jobs import JobRun
from kupon.privacy import mask_phone
from kupon.timeutil import now_utc
from models.access import Role
from models.jobs import Job, JobFile
from tests.conftest import graphql
from tests.factories import api_key, make_member, make_site
from tests.members.test_members_graphql import operator_session

START = """
mutation($filter: MemberFilterInput) {
  startMemberExport(filter: $filter) { job { id status } errors { code field } }
}"""
JOB = "query($id: ID!) { job(id: $id) { id kind status percent progress total attempts error downloadPath } }"


async def test_export_runs_to_an_xlsx_of_the_filtered_members(client, db, run_jobs, monkeypatch):
    monkeypatch.setattr(member_export, "BATCH", 2)  # several batches, several progress reports
    site, other_site = await make_site(), await make_site()
    wanted = [await make_member(site, grade="VIP") for _ in range(5)]
    await make_member(site, grade="VIP", is_active=False)
    await make_member(site, grade="BASIC")
    await make_member(other_site, grade="VIP")
    await operator_session(client)

    started = await graphql(client, START, {"filter": {"siteId": str(site.id), "grade": "VIP", "isActive": True}})
    job = started["data"]["startMemberExport"]
    assert job["errors"] == [] and job["job"]["status"] == "QUEUED"
    await run_jobs()

    done = (await graphql(client, JOB, {"id": job["job"]["id"]}))["data"]["job"]
    assert done["status"] == "SUCCEEDED", done["error"]
    assert (done["percent"], done["progress"], done["total"], done["attempts"]) == (100, 5, 5, 1)
    response = await client.get(done["downloadPath"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    header, *rows = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active.iter_rows(
        values_only=True)
    assert list(header) == member_export.HEADER
    exported = {row[2]: row[4] for row in rows}  # login ID -> phone
    assert exported == {m.login_id: mask_phone(m.phone) for m in wanted}
    assert all("****" in phone for phone in exported.values())


async def test_viewer_and_api_key_cannot_start_a_job(client, db, run_jobs):
    key = await api_key()
    by_key = await graphql(client, START, token=key)
    await operator_session(client, Role.VIEWER)
    by_viewer = await graphql(client, START)
    for refused in (by_key, by_viewer):
        assert refused["data"] is None
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await Job.all().count() == 0


async def test_members_who_sign_up_during_an_export_do_not_shift_its_rows(db, run_jobs, start, job_kind, monkeypatch):
    """Rows are read in batches: a new member sorts first and must not duplicate or push out another row."""
    monkeypatch.setattr(member_export, "BATCH", 2)
    site = await make_site()
    members = [await make_member(site) for _ in range(5)]

    class SignUpAfterFirstBatch(JobRun):
        async def progress(self, done: int, total: int | None = None) -> None:
            await super().progress(done, total)
            if done == member_export.BATCH:
                await make_member(site, signed_up_at=now_utc())

    @job_kind("test.export-during-sign-ups")
    async def export(run: JobRun) -> dict:
        return await member_export.export_members(SignUpAfterFirstBatch(run.job))

    job = await start("test.export-during-sign-ups", {"site_id": site.id})
    await run_jobs()
    file = await JobFile.get(job_id=job.id)
    _, *rows = openpyxl.load_workbook(io.BytesIO(file.data), read_only=True).active.iter_rows(values_only=True)
    assert sorted(row[2] for row in rows) == sorted(m.login_id for m in members)
