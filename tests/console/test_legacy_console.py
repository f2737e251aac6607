"""The legacy migration screen over HTTP (seed 000): the import report, the search table as a
fragment with its filters in the URL, target coupon and serial forms pre-filled, the request, the
application with and without consent, OWNER-only schedule / cancel / run with the switch, the
counts after the run, automatic-issue settings re-pointed, the coupon page's banner, VIEWERs kept
out of every change and CSRF."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gql.resolvers import legacy, legacy_applications, legacy_import
from gql.resolvers.access import operator_actor
from gql.resolvers.shop_settings import set_coupons_enabled
from kupon.timeutil import now_utc, seoul_local_input
from models.access import Role
from models.coupons import Coupon, CouponTrigger, MemberCoupon
from models.legacy import ApplicationStatus, LegacyCoupon, MigrationApplication, MigrationStage
from models.serials import SerialCampaign, SerialType
from tests.conftest import console_login
from tests.factories import PASSWORD, make_member, make_operator, make_site
from tests.legacy.conftest import SHOPPERS, sample

HTMX = {"HX-Request": "true"}
ENGLISH = {"Accept-Language": "en"}
KOREAN = {"Accept-Language": "ko-KR"}
EVERY_DAY = [str(d) for d in range(7)]


async def signed_in(client, role=Role.OWNER):
    operator = await make_operator(role)
    return operator, await console_login(client, operator.login_id, PASSWORD)


async def post(client, url: str, csrf: str, data: dict | None = None, htmx: bool = True, **kwargs):
    headers = {**(HTMX if htmx else {}), "X-CSRF-Token": csrf, **kwargs.pop("headers", ENGLISH)}
    return await client.post(url, data=data or {}, headers=headers, **kwargs)


async def upload(client, csrf: str, what: str, data: bytes, keep: bool = False):
    form = {"what": what, **({"keep_good_rows": "on"} if keep else {})}
    return await post(client, "/admin/migration/import", csrf, form, files={"file": (f"{what}.csv", data, "text/csv")})


@pytest.fixture
async def samples(db):
    """The sample files imported by an owner, with the members shopper01..06; legacy coupons by number."""
    site = await make_site()
    for login in SHOPPERS:
        await make_member(site, login_id=login)
    owner = operator_actor(await make_operator(Role.OWNER))
    for what in ("coupons", "records", "triggers"):
        report = await legacy_import.import_legacy_file(owner, what, sample(f"{what}.csv"))
        assert not report.rejected
    return owner, {c.number: c for c in await LegacyCoupon.all()}


def row(html: str, number: str) -> str:
    start = html.index(f'data-number="{number}"')
    return html[start:html.index("</tr>", start)]


async def test_import_reports_bad_rows_and_unmatched_members(client, db):
    _, csrf = await signed_in(client, Role.OPERATOR)
    page = await client.get("/admin/migration/import", headers=ENGLISH)
    assert page.status_code == 200 and 'id="import-records"' in page.text

    coupons = await upload(client, csrf, "coupons", sample("coupons.csv"))
    assert coupons.status_code == 200 and "<html" not in coupons.text
    assert "9 rows read: 9 imported, 0 updated, 0 unchanged, 0 refused." in coupons.text

    bad = sample("records.csv") + b"99999999,,someone,,2021-02-18 09:10,,\n"
    refused = await upload(client, csrf, "records", bad)
    assert refused.status_code == 422 and "Nothing was imported: 1 of 29 rows were refused." in refused.text
    rejected = refused.text[refused.text.index('id="import-rejected"'):]
    assert "<td>30</td>" in rejected and "No legacy coupon has this number" in rejected

    kept = await upload(client, csrf, "records", bad, keep=True)
    assert kept.status_code == 200 and "28 imported" in kept.text and "1 refused" in kept.text
    unmatched = kept.text[kept.text.index('id="import-unmatched"'):]
    assert "left_member" in unmatched and "shopper01" in unmatched  # no member has signed up here

    again = await upload(client, csrf, "coupons", sample("coupons.csv"))
    assert "9 rows read: 0 imported, 0 updated, 9 unchanged, 0 refused." in again.text
    assert await LegacyCoupon.all().count() == 9
    missing = await post(client, "/admin/migration/import", csrf, {"what": "coupons"})
    assert missing.status_code == 422 and "Choose a CSV or XLSX file." in missing.text


async def test_search_table_as_in_seed_000_with_filters_in_the_url(client, samples):
    await signed_in(client, Role.OPERATOR)
    page = await client.get("/admin/migration", headers=KOREAN)
    assert page.status_code == 200 and "<html" in page.text
    assert "총 9개의 쿠폰 검색됨" in page.text and "왕대박/紙 종이쿠폰 검색" in page.text
    assert 'name="kind" value="" checked' in page.text and "마이그레이션은 여러 번 신청도 가능합니다." in page.text
    assert "X (발급 내역없음)" in row(page.text, "33172114") and "생성 불가" in row(page.text, "33172114")
    assert "X (발급 만료)" in row(page.text, "44102514")
    assert "X (가용 쿠폰없음)" in row(page.text, "11555144")
    eligible = row(page.text, "19171914")
    assert ">O<" in eligible and "쿠폰 생성" in eligible and "21.02.18 ~ 21.02.20" in eligible and "4장" in eligible
    assert "발급 후 12일" in row(page.text, "55154614")

    paper = await client.get("/admin/migration?kind=PAPER", headers={**HTMX, **KOREAN})
    assert "<html" not in paper.text and "총 4개의 쿠폰 검색됨" in paper.text
    assert "HX-Request" in paper.headers["vary"] and "19171914" not in paper.text
    issuable = await client.get("/admin/migration?condition=ISSUABLE", headers={**HTMX, **ENGLISH})
    assert "5 coupons found" in issuable.text
    searched = await client.get("/admin/migration?q=VIP", headers={**HTMX, **ENGLISH})
    assert "3 coupons found" in searched.text
    reloaded = await client.get("/admin/migration?kind=PAPER&condition=ISSUABLE&q=봄", headers=ENGLISH)
    assert 'value="PAPER" checked' in reloaded.text and 'value="ISSUABLE" checked' in reloaded.text
    assert 'value="봄"' in reloaded.text and "1 coupons found" in reloaded.text
    nonsense = await client.get("/admin/migration?kind=NOPE&condition=NOPE", headers=ENGLISH)
    assert nonsense.status_code == 200 and "9 coupons found" in nonsense.text


async def test_detail_lists_records_and_unmatched_members(client, samples):
    _, coupons = samples
    await signed_in(client, Role.OPERATOR)
    jackpot = coupons["12171514"]
    page = await client.get(f"/admin/migration/{jackpot.id}", headers=ENGLISH)
    assert page.status_code == 200 and 'id="unmatched-members"' in page.text and "left_member" in page.text
    assert page.text.count("<tr>") - page.text.count("<thead><tr>") >= 6
    only = await client.get(f"/admin/migration/{jackpot.id}/records?unmatched=on", headers={**HTMX, **ENGLISH})
    assert "<html" not in only.text and "left_member" in only.text and "shopper01" not in only.text
    assert (await client.get("/admin/migration/999999", headers=ENGLISH)).status_code == 404


def coupon_form(**overrides) -> dict:
    return {"name": "봄맞이 전환", "type": "PRODUCT", "benefit": "FIXED", "amount": "3,000", "issue_method": "MANUAL",
            "target_scope": "ALL", "channels": ["PC_WEB", "MOBILE_WEB", "APP"], "issue_unlimited": "on",
            "use_window": "UNLIMITED", "display_unlimited": "on", "issue_weekdays": EVERY_DAY,
            "use_weekdays": EVERY_DAY, "display_weekdays": EVERY_DAY, "issue_status": "ACTIVE",
            "use_status": "ACTIVE", **overrides}


async def test_target_coupon_and_serial_forms_are_prefilled_and_link(client, samples):
    _, coupons = samples
    _, csrf = await signed_in(client, Role.OPERATOR)
    paper = coupons["20240301"]
    form = await client.get(f"/admin/migration/{paper.id}/coupon", headers=ENGLISH)
    assert form.status_code == 200 and 'id="coupon-form"' in form.text and 'id="form-notice"' in form.text
    assert 'value="봄맞이 紙 종이쿠폰 랜덤시리얼"' in form.text and 'value="2021-03-01T00:00"' in form.text
    assert f'action="/admin/migration/{paper.id}/coupon"' in form.text
    assert (await client.get(f"/admin/migration/{paper.id}/serial", headers=ENGLISH)).status_code == 409

    bad = await post(client, f"/admin/migration/{paper.id}/coupon", csrf, coupon_form(name=""))
    assert bad.status_code == 422 and 'id="name-error"' in bad.text and "<html" not in bad.text
    saved = await post(client, f"/admin/migration/{paper.id}/coupon", csrf, coupon_form())
    assert saved.status_code == 204 and saved.headers["HX-Redirect"] == "/admin/migration"
    paper = await LegacyCoupon.get(id=paper.id)
    target = await Coupon.get(id=paper.target_coupon_id)
    assert target.name == "봄맞이 전환" and target.issue_method == "MANUAL"

    serial = await client.get(f"/admin/migration/{paper.id}/serial", headers=ENGLISH)
    assert serial.status_code == 200 and 'id="serial-form"' in serial.text
    assert "Changing the serial type can make unregistered paper serials unusable." in serial.text
    assert 'name="type" value="RANDOM" checked' in serial.text and 'value="5"' in serial.text
    assert 'value="2999-12-31T23:59"' in serial.text
    fields = {"name": paper.name, "type": "RANDOM", "status": "ACTIVE", "site_id": "",
              "channels": ["PC_WEB", "MOBILE_WEB", "APP"], "register_from": "2021-03-01T00:00",
              "register_to": "2999-12-31T23:59", "fixed_mode": "GENERATED", "fixed_code": "", "code_prefix": "",
              "code_pattern": "", "code_length": "12", "quantity_mode": "LIMITED", "quantity_limit": "5",
              "duplicate_mode": "ONCE", "per_member_limit": "", "reward_coupon_id": [str(target.id)],
              "reward_quantity": ["1"]}
    made = await post(client, f"/admin/migration/{paper.id}/serial", csrf, fields)
    assert made.status_code == 204, made.text
    paper = await LegacyCoupon.get(id=paper.id)
    campaign = await SerialCampaign.get(id=paper.target_serial_id)
    assert campaign.type == SerialType.RANDOM
    table = await client.get("/admin/migration?q=20240301", headers={**HTMX, **ENGLISH})
    assert f'name="legacy_id" value="{paper.id}"' in table.text and f"Serial #{campaign.id}" in table.text


async def ready(owner, coupons, numbers=("19171914", "20240301")) -> list[LegacyCoupon]:
    for number in numbers:
        await legacy.create_target_coupon(owner, coupons[number].id)
        if coupons[number].kind == "PAPER":
            await legacy.create_target_serial(owner, coupons[number].id)
    return [await LegacyCoupon.get(id=coupons[n].id) for n in numbers]


APPLICANT = {"name": "김담당", "email": "ops@shop.kr", "phone": "010-1234-5678", "wished_date": "2021-02-23"}


async def test_request_then_apply_with_and_without_consent(client, samples):
    owner, coupons = samples
    jackpot, paper = await ready(owner, coupons)
    _, csrf = await signed_in(client, Role.OPERATOR)
    requested = await post(client, "/admin/migration/request", csrf,
                           {"legacy_id": [str(jackpot.id), str(coupons["33172114"].id)], "kind": "JACKPOT"})
    assert requested.status_code == 200 and "1 coupons requested" in requested.text
    assert "This legacy coupon was never issued." in requested.text  # the refused one, in its row
    assert "Migration requested" in row(requested.text, "19171914") and "5 coupons found" in requested.text
    assert (await LegacyCoupon.get(id=jackpot.id)).stage == MigrationStage.REQUESTED
    none = await post(client, "/admin/migration/request", csrf, {})
    assert none.status_code == 422 and "Select at least one item." in none.text

    page = await client.get("/admin/migration/applications", headers=KOREAN)
    assert "위의 모든 약관 내용에 동의합니다." in page.text and "보유기간 : 이전 완료 시" in page.text
    refused = await post(client, "/admin/migration/applications/new", csrf, APPLICANT)
    assert refused.status_code == 422 and 'id="consent-error"' in refused.text and "<html" not in refused.text
    assert 'value="ops@shop.kr"' in refused.text  # kept as typed
    assert await MigrationApplication.all().count() == 0
    bad = await post(client, "/admin/migration/applications/new", csrf, {**APPLICANT, "email": "x", "consent": "on"})
    assert bad.status_code == 422 and 'id="email-error"' in bad.text
    done = await post(client, "/admin/migration/applications/new", csrf, {**APPLICANT, "consent": "on"})
    assert done.status_code == 204 and done.headers["HX-Redirect"] == "/admin/migration/applications"
    listed = await client.get("/admin/migration/applications", headers=ENGLISH)
    assert "Application submitted." in listed.text and "ops@shop.kr" not in listed.text  # masked
    assert "김담당" in listed.text and "Run now" not in listed.text  # not an owner
    again = await post(client, "/admin/migration/applications/new", csrf, {**APPLICANT, "consent": "on"})
    assert again.status_code == 422 and "No coupon is waiting for an application" in again.text


async def test_owner_schedules_cancels_and_runs_with_the_switch_off(client, app, samples):
    owner, coupons = samples
    legacy_ids = [c.id for c in await ready(owner, coupons)]
    await legacy_applications.request_migration(owner, legacy_ids)
    application = await legacy_applications.submit_application(owner, "김담당", "ops@shop.kr", "010-1234-5678",
                                                               "2021-02-23", True)
    url = f"/admin/migration/applications/{application.id}"

    _, staff_csrf = await signed_in(client, Role.OPERATOR)
    for action in ("run", "cancel"):
        assert (await post(client, f"{url}/{action}", staff_csrf)).status_code == 403
    _, csrf = await signed_in(client, Role.OWNER)
    page = await client.get("/admin/migration/applications", headers=ENGLISH)
    assert "Run now" in page.text and "It runs only while" in page.text

    at = seoul_local_input(now_utc() + timedelta(days=2))
    scheduled = await post(client, f"{url}/schedule", csrf, {"at": at})
    assert scheduled.status_code == 200 and 'data-status="SCHEDULED"' in scheduled.text
    assert at.replace("T", " ") in scheduled.text
    past = await post(client, f"{url}/schedule", csrf, {"at": "2020-01-01T10:00"})
    assert past.status_code == 422 and "Choose a time in the future." in past.text

    switched_on = await post(client, f"{url}/run", csrf)
    assert switched_on.status_code == 422 and "Turn off" in switched_on.text
    await set_coupons_enabled(owner, False)
    started = await post(client, f"{url}/run", csrf)
    assert started.status_code == 200 and 'data-status="RUNNING"' in started.text and 'class="job"' in started.text
    refused = await post(client, "/admin/coupons/switch", csrf, {"enabled": "on"})  # not while it runs
    assert refused.status_code == 409 and "A legacy coupon migration is running" in refused.text
    await app.state.job_runner.run_pending()
    finished = await client.get(url, headers={**HTMX, **ENGLISH})
    assert 'data-status="COMPLETED"' in finished.text
    assert "Moved 7 · already moved 0 · unmatched members 0" in finished.text
    assert await MemberCoupon.filter(legacy_record__isnull=False).count() == 7
    assert "Erased on" in finished.text and (await post(client, f"{url}/cancel", csrf)).status_code == 422

    # The coupon page says why the target is stopped; the carried-over setting waits to be re-pointed.
    target = (await LegacyCoupon.get(id=legacy_ids[1])).target_coupon_id
    coupon_page = await client.get(f"/admin/coupons/{target}", headers=ENGLISH)
    assert 'id="migration-banner"' in coupon_page.text and "20240301" in coupon_page.text
    triggers = await client.get("/admin/migration/triggers", headers=ENGLISH)
    pending = triggers.text[triggers.text.index('id="pending-triggers"'):triggers.text.index('id="imported-triggers"')]
    assert "Coupon on app login" in pending and "Issues nothing" in pending
    trigger = await CouponTrigger.get(legacy_event="APP_LOGIN")
    repointed = await post(client, f"/admin/migration/triggers/{trigger.id}/repoint", csrf, {"coupon_id": str(target)})
    assert repointed.status_code == 200 and "The setting now issues the chosen smart coupon." in repointed.text
    assert (await CouponTrigger.get(id=trigger.id)).coupon_id == target


async def test_cancel_erases_the_applicant(client, samples):
    owner, coupons = samples
    await legacy_applications.request_migration(owner, [c.id for c in await ready(owner, coupons, ("19171914",))])
    application = await legacy_applications.submit_application(owner, "김담당", "ops@shop.kr", "010-1234-5678",
                                                               "2021-02-23", True)
    _, csrf = await signed_in(client, Role.OWNER)
    cancelled = await post(client, f"/admin/migration/applications/{application.id}/cancel", csrf)
    assert cancelled.status_code == 200 and 'data-status="CANCELLED"' in cancelled.text
    assert "Erased on" in cancelled.text
    assert (await MigrationApplication.get(id=application.id)).status == ApplicationStatus.CANCELLED


async def test_viewer_sees_but_cannot_change_and_csrf_is_checked(client, samples):
    owner, coupons = samples
    jackpot, = await ready(owner, coupons, ("19171914",))
    _, csrf = await signed_in(client, Role.VIEWER)
    page = await client.get("/admin/migration", headers=ENGLISH)
    assert page.status_code == 200 and "Request migration" not in page.text and 'name="legacy_id"' not in page.text
    assert "Create coupon" in row(page.text, "31171714")  # the word, not the button
    assert f'href="/admin/migration/{coupons["31171714"].id}/coupon"' not in page.text
    assert (await client.get("/admin/migration/import", headers=ENGLISH)).status_code == 403
    assert (await client.get(f"/admin/migration/{coupons['31171714'].id}/coupon", headers=ENGLISH)).status_code == 403
    assert (await post(client, "/admin/migration/request", csrf, {"legacy_id": str(jackpot.id)})).status_code == 403
    assert (await post(client, "/admin/migration/applications/new", csrf, {**APPLICANT, "consent": "on"})
            ).status_code == 403
    assert (await LegacyCoupon.get(id=jackpot.id)).stage == MigrationStage.NONE

    _, csrf = await signed_in(client, Role.OWNER)
    forged = await client.post("/admin/migration/request", data={"legacy_id": str(jackpot.id)}, headers=HTMX)
    assert forged.status_code == 403
    assert (await LegacyCoupon.get(id=jackpot.id)).stage == MigrationStage.NONE
