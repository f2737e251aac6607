"""The serial codes screen over HTTP: filtered list, the form with inline errors, a RANDOM campaign's
generation job and code list, adding codes, editing, and VIEWERs kept out of every change."""

import re
from datetime import UTC, datetime

from gql.resolvers.access import Actor, ActorKind
from gql.resolvers.serials import register_serial
from models.access import Role
from models.codes import Code
from models.coupons import MemberCoupon
from models.serials import SerialCampaign, SerialReward, SerialStatus, SerialType
from tests.conftest import console_login
from tests.factories import PASSWORD, make_coupon, make_member, make_operator, make_serial_campaign

HTMX = {"HX-Request": "true"}
ENGLISH = {"Accept-Language": "en"}
CODE_CELL = re.compile(r"<tr><td><code>([A-Z0-9]+)</code></td>")


async def signed_in(client, role=Role.OPERATOR) -> str:
    operator = await make_operator(role)
    return await console_login(client, operator.login_id, PASSWORD)


async def post(client, url: str, csrf: str, data: dict | None = None, htmx: bool = True, **headers):
    return await client.post(url, data=data or {}, headers={**(HTMX if htmx else {}), "X-CSRF-Token": csrf,
                                                           **headers})


def serial_form(coupon_ids: list[int], **overrides) -> dict:
    """A valid form as the browser posts it: a fixed code typed in, unlimited, once per member."""
    return {"name": "종이쿠폰 전환", "type": "FIXED", "status": "ACTIVE", "site_id": "",
            "channels": ["PC_WEB", "MOBILE_WEB", "APP"], "register_unlimited": "on", "fixed_mode": "TYPED",
            "fixed_code": "PAPER2026", "code_prefix": "", "code_pattern": "", "code_length": "12",
            "quantity_mode": "UNLIMITED", "quantity_limit": "", "duplicate_mode": "ONCE", "per_member_limit": "",
            "reward_coupon_id": [str(i) for i in coupon_ids], "reward_quantity": ["1"] * len(coupon_ids),
            **overrides}


def table_rows(html: str, table_id: str) -> int:
    table = html[html.index(f'id="{table_id}"'):]
    table = table[:table.index("</table>")]
    return table.count("<tr") - table.count("<thead><tr") - table.count('class="muted"')


def as_member(member) -> Actor:
    return Actor(ActorKind.MEMBER, id=member.id, label=member.login_id, member_id=member.id)


async def test_list_filters_return_matching_rows_as_a_fragment(client, db):
    coupon = await make_coupon(name="오천원 쿠폰")
    await make_serial_campaign(rewards=[(coupon.id, 2)], name="종이쿠폰 봄", quantity_limit=100, per_member_limit=3,
                               channels=["APP"])
    await make_serial_campaign(rewards=[(coupon.id, 1)], name="랜덤 여름", type="RANDOM", quantity_limit=5,
                               fixed_code="", status="STOPPED")
    await signed_in(client)

    random = await client.get("/admin/serials?type=RANDOM", headers=HTMX)
    assert "<html" not in random.text and 'id="serial-table"' in random.text
    assert "랜덤 여름" in random.text and "종이쿠폰 봄" not in random.text
    assert "HX-Request" in random.headers["vary"]
    assert "0 / 5" in random.text and "중지" in random.text

    fixed = await client.get("/admin/serials?status=ACTIVE", headers=HTMX)
    assert table_rows(fixed.text, "serial-table") == 1 and "종이쿠폰 봄" in fixed.text
    assert "0 / 100" in fixed.text and "최대 3회" in fixed.text and "오천원 쿠폰</a> × 2" in fixed.text
    searched = await client.get("/admin/serials?q=여름", headers=HTMX)
    assert table_rows(searched.text, "serial-table") == 1 and "랜덤 여름" in searched.text

    page = await client.get("/admin/serials?type=FIXED")
    assert "<html" in page.text and 'value="FIXED" selected' in page.text and "랜덤 여름" not in page.text
    bad = await client.get("/admin/serials?type=NOPE")
    assert bad.status_code == 200 and 'aria-invalid="true"' in bad.text
    assert table_rows(bad.text, "serial-table") == 2


async def test_bad_input_shows_inline_errors_and_stores_nothing(client, db):
    coupon = await make_coupon()
    csrf = await signed_in(client)
    empty = serial_form([], name="", type="RANDOM", quantity_mode="UNLIMITED", channels=[])
    response = await post(client, "/admin/serials/new", csrf, empty, **ENGLISH)
    assert response.status_code == 422 and "<html" not in response.text and 'id="serial-form"' in response.text
    assert 'id="name-error"' in response.text and "This field is required." in response.text
    assert 'id="rewards-error"' in response.text and "Choose at least one reward coupon." in response.text
    assert 'id="quantity_limit-error"' in response.text and 'id="channels-error"' in response.text

    typed_nothing = serial_form([coupon.id], fixed_code="", quantity_mode="LIMITED", quantity_limit="many",
                                duplicate_mode="LIMITED", per_member_limit="0")
    response = await post(client, "/admin/serials/new", csrf, typed_nothing)
    assert response.status_code == 422
    assert 'id="fixed_code-error"' in response.text and "고정 코드를 입력하거나 생성하세요." in response.text
    assert 'id="quantity_limit-error"' in response.text and 'value="many"' in response.text  # kept as typed

    missing_coupon = serial_form([coupon.id, 999999], register_unlimited="", register_from="2026-03-10T00:00",
                                 register_to="2026-03-01T00:00")
    response = await post(client, "/admin/serials/new", csrf, missing_coupon)
    assert response.status_code == 422 and 'id="rewards-error"' in response.text
    assert 'id="register_to-error"' in response.text and 'value="2026-03-10T00:00"' in response.text
    rows = response.text[response.text.index('id="reward-rows"'):]
    assert rows[:rows.index("</tbody>")].count('class="reward-row"') == 2  # both rows shown again

    too_small = serial_form([coupon.id], type="RANDOM", quantity_mode="LIMITED", quantity_limit="1000",
                            code_pattern="AB-##")
    response = await post(client, "/admin/serials/new", csrf, too_small)
    assert response.status_code == 422 and 'id="code_pattern-error"' in response.text
    assert await SerialCampaign.all().count() == 0


async def test_valid_fixed_campaign_is_created_and_shown(client, db):
    first, second = await make_coupon(name="만원 할인"), await make_coupon(name="배송비 무료")
    csrf = await signed_in(client)
    form = serial_form([first.id, second.id], fixed_code="spring-2026", channels=["APP", "MOBILE_WEB"],
                       member_grades=["GOLD", "VIP"], register_unlimited="", register_from="2026-03-01T00:00",
                       register_to="2026-03-31T23:59", quantity_mode="LIMITED", quantity_limit="1,000",
                       duplicate_mode="LIMITED", per_member_limit="2", reward_quantity=["2", "1"])
    response = await post(client, "/admin/serials/new", csrf, form)
    campaign = await SerialCampaign.get(name="종이쿠폰 전환")
    assert response.status_code == 204 and response.headers["HX-Redirect"] == f"/admin/serials/{campaign.id}"
    assert campaign.type == SerialType.FIXED and campaign.channel_list == ["APP", "MOBILE_WEB"]
    assert campaign.member_grades == ["GOLD", "VIP"] and campaign.quantity_limit == 1000
    assert campaign.per_member_limit == 2 and campaign.register_from == datetime(2026, 2, 28, 15, 0, tzinfo=UTC)
    rewards = await SerialReward.filter(campaign_id=campaign.id).order_by("id").values_list("coupon_id", "quantity")
    assert rewards == [(first.id, 2), (second.id, 1)]

    detail = await client.get(response.headers["HX-Redirect"])
    assert "시리얼 코드를 저장했습니다" in detail.text  # the flash
    assert '<code id="fixed-code">SPRING2026</code>' in detail.text
    assert "2026-03-01 00:00 ~ 2026-03-31 23:59" in detail.text and "골드, VIP" in detail.text
    assert "만원 할인</a> × 2" in detail.text and "최대 2회" in detail.text
    assert 'id="generation"' not in detail.text  # a fixed code has no generation job

    plain = await post(client, "/admin/serials/new", csrf,
                       {**serial_form([first.id], name="두번째", fixed_mode="GENERATED", fixed_code=""),
                        "csrf_token": csrf}, htmx=False)
    assert plain.status_code == 303 and plain.headers["location"].startswith("/admin/serials/")
    generated = await client.get(plain.headers["location"])
    assert re.search(r'<code id="fixed-code">[A-Z0-9]{12}</code>', generated.text)


async def test_random_campaign_shows_its_job_and_codes(client, db, app):
    coupon = await make_coupon(name="랜덤 보상")
    csrf = await signed_in(client)
    form = serial_form([coupon.id], name="랜덤 코드", type="RANDOM", fixed_mode="GENERATED", fixed_code="",
                       quantity_mode="LIMITED", quantity_limit="30", code_pattern="RND-####-####")
    response = await post(client, "/admin/serials/new", csrf, form)
    url = response.headers["HX-Redirect"]
    queued = await client.get(url)
    job_id = re.search(r'id="job-(\d+)" data-status="QUEUED"', queued.text).group(1)
    assert f'hx-get="/admin/jobs/{job_id}/progress"' in queued.text and "No codes." not in queued.text

    await app.state.job_runner.run_pending()
    progress = await client.get(f"/admin/jobs/{job_id}/progress", headers=HTMX)
    assert 'value="100"' in progress.text and "(30 / 30)" in progress.text
    assert 'data-status="SUCCEEDED"' in progress.text
    assert progress.headers["HX-Trigger"] == "job-done"
    assert "download" not in progress.text  # codes are made, not a file
    stats = await client.get(f"{url}/stats", headers=HTMX)  # reloaded on job-done
    assert "<html" not in stats.text and '<dd id="stat-codes">30</dd>' in stats.text

    codes = await client.get(f"{url}/codes", headers=HTMX)
    made = CODE_CELL.findall(codes.text)
    assert "<html" not in codes.text and len(made) == 30 and all(re.fullmatch(r"RND[A-Z0-9]{8}", c) for c in made)
    member = await make_member()
    await register_serial(as_member(member), made[0], "APP")
    used = await client.get(f"{url}/codes?used=yes", headers=HTMX)
    assert CODE_CELL.findall(used.text) == [made[0]]
    unused = await client.get(f"{url}/codes?used=no", headers=HTMX)
    assert len(CODE_CELL.findall(unused.text)) == 29
    assert await MemberCoupon.filter(member_id=member.id, coupon_id=coupon.id).count() == 1
    detail = await client.get(url)
    assert '<dd id="stat-registered">1</dd>' in detail.text and '<dd id="stat-codes">30</dd>' in detail.text

    added = await post(client, f"{url}/codes/add", csrf, {"count": "25"}, **ENGLISH)
    assert added.status_code == 200 and "25 more codes are being made." in added.text
    new_job = re.search(r'id="job-(\d+)"', added.text).group(1)
    assert new_job != job_id
    await app.state.job_runner.run_pending()
    done = await client.get(f"/admin/jobs/{new_job}/progress", headers=HTMX)
    assert "(55 / 55)" in done.text
    page_two = await client.get(f"{url}/codes?page=2", headers=HTMX)
    assert len(CODE_CELL.findall(page_two.text)) == 5  # 50 a page
    assert (await SerialCampaign.get(name="랜덤 코드")).quantity_limit == 55

    refused = await post(client, f"{url}/codes/add", csrf, {"count": "0"})
    assert refused.status_code == 422 and 'role="alert"' in refused.text


async def test_edit_changes_the_definition_but_keeps_type_and_codes(client, db):
    coupon, other = await make_coupon(), await make_coupon(name="새 보상")
    campaign = await make_serial_campaign(rewards=[(coupon.id, 1)], name="원래 이름", fixed_code="KEEPME2026")
    csrf = await signed_in(client)
    page = await client.get(f"/admin/serials/{campaign.id}/edit")
    assert 'value="원래 이름"' in page.text and 'value="KEEPME2026"' in page.text and "disabled" in page.text

    form = serial_form([other.id], name="바뀐 이름", type="RANDOM", fixed_code="OTHER999", status="STOPPED",
                       reward_quantity=["3"])
    response = await post(client, f"/admin/serials/{campaign.id}/edit", csrf, form)
    assert response.status_code == 204
    changed = await SerialCampaign.get(id=campaign.id)
    assert (changed.name, changed.type, changed.status) == ("바뀐 이름", SerialType.FIXED, SerialStatus.STOPPED)
    assert await SerialReward.filter(campaign_id=campaign.id).values_list("coupon_id", "quantity") == [(other.id, 3)]
    detail = await client.get(f"/admin/serials/{campaign.id}")
    assert '<code id="fixed-code">KEEPME2026</code>' in detail.text

    missing = await client.get("/admin/serials/999999", headers=ENGLISH)
    assert missing.status_code == 404 and "No such serial code campaign." in missing.text


async def test_viewer_sees_but_cannot_change(client, db, app):
    campaign = await make_serial_campaign(type="RANDOM", quantity_limit=5, fixed_code="")
    await app.state.job_runner.run_pending()
    code = (await Code.filter(serial_campaign_id=campaign.id).first()).code
    csrf = await signed_in(client, Role.VIEWER)
    listed = await client.get("/admin/serials")
    assert listed.status_code == 200 and "/admin/serials/new" not in listed.text
    detail = await client.get(f"/admin/serials/{campaign.id}")
    assert detail.status_code == 200 and f"/admin/serials/{campaign.id}/codes/add" not in detail.text
    assert code not in detail.text and f"<code>********{code[-4:]}</code>" in detail.text  # masked, as in GraphQL
    assert "/codes/export" not in detail.text and "/qr.png" not in detail.text
    assert (await client.get("/admin/serials/new")).status_code == 403
    assert (await client.get(f"/admin/serials/{campaign.id}/edit")).status_code == 403
    refused = await post(client, f"/admin/serials/{campaign.id}/codes/add", csrf, {"count": "5"})
    assert refused.status_code == 403
    created = await post(client, "/admin/serials/new", csrf, serial_form([]))
    assert created.status_code == 403 and await SerialCampaign.all().count() == 1


async def test_import_export_and_qr_of_codes(client, db, app):
    campaign = await make_serial_campaign(name="인쇄 코드", type="RANDOM", quantity_limit=3, fixed_code="")
    await app.state.job_runner.run_pending()
    csrf = await signed_in(client)
    url = f"/admin/serials/{campaign.id}"
    page = await client.get(url)
    assert f'hx-post="{url}/codes/import"' in page.text and f'hx-post="{url}/codes/export"' in page.text

    csv = b"code\nPRINT-0001\nprint0002\nBAD!\n"
    refused = await client.post(f"{url}/codes/import", files={"file": ("codes.csv", csv, "text/csv")},
                                headers={**HTMX, **ENGLISH, "X-CSRF-Token": csrf})
    assert refused.status_code == 422 and "Nothing was imported" in refused.text
    assert '<td>4</td><td><code>BAD!</code></td>' in refused.text and "HX-Trigger" not in refused.headers
    kept = await client.post(f"{url}/codes/import", data={"keep_good_rows": "on"},
                             files={"file": ("codes.csv", csv, "text/csv")},
                             headers={**HTMX, **ENGLISH, "X-CSRF-Token": csrf})
    assert kept.status_code == 200 and kept.headers["HX-Trigger"] == "codes-changed"
    assert "2 of 3 rows imported." in kept.text and "<code>BAD!</code>" in kept.text
    codes = await client.get(f"{url}/codes", headers=HTMX)
    assert "PRINT0001" in codes.text and "PRINT0002" in codes.text and len(CODE_CELL.findall(codes.text)) == 5
    no_file = await post(client, f"{url}/codes/import", csrf, {"keep_good_rows": "on"})
    assert no_file.status_code == 422 and 'role="alert"' in no_file.text

    started = await post(client, f"{url}/codes/export", csrf, {"format": "CSV"})
    job_id = re.search(r'id="job-(\d+)"', started.text).group(1)
    await app.state.job_runner.run_pending()
    progress = await client.get(f"/admin/jobs/{job_id}/progress", headers=HTMX)
    assert f'href="/admin/jobs/{job_id}/download"' in progress.text
    download = await client.get(f"/admin/jobs/{job_id}/download")
    assert download.status_code == 200 and "PRINT0001" in download.content.decode("utf-8-sig")

    qr = await client.get("/admin/serials/codes/print0001/qr.png")
    assert qr.status_code == 200 and qr.headers["content-type"] == "image/png"
    assert 'href="/admin/serials/codes/PRINT0001/qr.png"' in codes.text
