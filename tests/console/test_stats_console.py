"""The statistics screen over HTTP: presets, fragments with a pushed URL, totals, chart, export."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

from openpyxl import load_workbook

from kupon.timeutil import seoul_today
from models.access import Role
from tests.conftest import console_login
from tests.factories import PASSWORD, make_category, make_member, make_operator, make_product, make_site
from tests.stats.test_stats import kst, make_order

HTMX = {"HX-Request": "true"}
ENGLISH = {"Accept-Language": "en"}


async def signed_in(client, role=Role.OPERATOR) -> str:
    operator = await make_operator(role)
    return await console_login(client, operator.login_id, PASSWORD)


async def test_daily_page_defaults_to_this_month_with_totals_and_chart(client, db):
    member = await make_member()
    today = seoul_today()
    await make_order(member, kst(today.year, today.month, today.day, 0, 30), 12_000)
    await signed_in(client, Role.VIEWER)  # viewers may read statistics
    page = await client.get("/admin/stats", headers=ENGLISH)
    assert page.status_code == 200 and "<html" in page.text
    first = today.replace(day=1)
    assert f'value="{first.isoformat()}"' in page.text
    assert 'class="totals"' in page.text and "12,000원" in page.text
    assert page.text.count('class="bar"') == len(re.findall(r"<tr><td>\d{4}-\d\d-\d\d</td>", page.text))
    assert "Export to Excel" not in page.text  # a viewer cannot start jobs
    assert 'aria-current="page">Daily sales' in page.text


async def test_preset_answers_a_fragment_and_pushes_plain_dates(client, db):
    await signed_in(client)
    response = await client.get("/admin/stats?from=2026-03-05&to=2026-03-20&preset=previous_month",
                                headers={**HTMX, **ENGLISH})
    assert response.status_code == 200 and "<html" not in response.text
    assert response.headers["HX-Push-Url"] == "/admin/stats?from=2026-02-01&to=2026-02-28"
    assert 'value="2026-02-01"' in response.text and response.text.count("<tr><td>2026-02-") == 28
    nxt = await client.get("/admin/stats?from=2026-12-01&to=2026-12-31&preset=next_month", headers=HTMX)
    assert nxt.headers["HX-Push-Url"] == "/admin/stats?from=2027-01-01&to=2027-01-31"
    week = await client.get("/admin/stats?preset=this_week", headers=HTMX)
    monday = seoul_today() - timedelta(days=seoul_today().weekday())
    assert f'value="{monday.isoformat()}"' in week.text


async def test_bad_range_is_shown_inline(client, db):
    await signed_in(client)
    reversed_range = await client.get("/admin/stats?from=2026-03-05&to=2026-03-01", headers={**HTMX, **ENGLISH})
    assert reversed_range.status_code == 422 and "The period ends before it starts." in reversed_range.text
    bad = await client.get("/admin/stats?from=2026-13-05&to=2026-03-01", headers={**HTMX, **ENGLISH})
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    korean = await client.get("/admin/stats?from=2026-03-05&to=2026-03-01", headers={**HTMX, "Accept-Language": "ko"})
    assert "종료일이 시작일보다 앞입니다." in korean.text


async def test_monthly_page_and_korean_labels(client, db):
    member = await make_member()
    await make_order(member, kst(2026, 2, 1, 0, 10), 5_000)
    await signed_in(client)
    page = await client.get("/admin/stats/monthly?from=2026-01-01&to=2026-03-31", headers={"Accept-Language": "ko"})
    assert "<tr><td>2026-01</td><td>0원</td>" in page.text
    assert "<tr><td>2026-02</td><td>5,000원</td>" in page.text
    assert "월별 매출" in page.text and "합계" in page.text


async def test_products_page_filters_and_totals(client, db):
    site = await make_site()
    member = await make_member(site)
    category = await make_category(site, name="자격증")
    online = await make_product(site, category, name="건축기사", price=150_000)
    offline = await make_product(site, category, name="집합 실습", price=300_000, is_online=False)
    await make_order(member, kst(2026, 3, 2), 150_000, products=[(online, 150_000, 0)])
    await make_order(member, kst(2026, 3, 3), 300_000, products=[(offline, 300_000, 0)])
    await signed_in(client)
    page = await client.get("/admin/stats/products", headers=ENGLISH)  # all time by default
    assert "건축기사" in page.text and "집합 실습" in page.text and "450,000원" in page.text
    assert 'aria-pressed="true">All time' in page.text
    fragment = await client.get(f"/admin/stats/products?online=no&category_id={category.id}", headers=HTMX)
    assert "<html" not in fragment.text and "집합 실습" in fragment.text and "건축기사" not in fragment.text
    assert "online=no" in fragment.headers["HX-Push-Url"]
    today = await client.get("/admin/stats/products?preset=today", headers=HTMX)
    assert f'value="{seoul_today().isoformat()}"' in today.text and "450,000원" not in today.text


async def test_export_job_writes_the_table_with_its_totals(client, db, app):
    member = await make_member()
    await make_order(member, kst(2026, 3, 10, 23, 30), 10_000)
    await make_order(member, kst(2026, 3, 11, 0, 30), 20_000)
    csrf = await signed_in(client)
    started = await client.post("/admin/stats/export", headers={**HTMX, "X-CSRF-Token": csrf},
                                data={"table": "daily", "from": "2026-03-10", "to": "2026-03-12"})
    assert started.status_code == 200, started.text
    job_id = re.search(r'id="job-(\d+)"', started.text).group(1)
    await app.state.job_runner.run_pending()
    progress = await client.get(f"/admin/jobs/{job_id}/progress", headers=HTMX)
    assert 'data-status="SUCCEEDED"' in progress.text, progress.text
    download = await client.get(f"/admin/jobs/{job_id}/download")
    rows = list(load_workbook(io.BytesIO(download.content), read_only=True).active.iter_rows(values_only=True))
    assert rows[1][:2] == ("2026-03-10", 10_000) and rows[2][:2] == ("2026-03-11", 20_000)
    assert rows[-1] == ("Total", 30_000, 30_000, 2, 0, 0) and len(rows) == 5

    products = await client.post("/admin/stats/export", headers={**HTMX, "X-CSRF-Token": csrf},
                                 data={"table": "products", "from": "", "to": "", "online": "yes"})
    assert products.status_code == 200
    refused = await client.post("/admin/stats/export", headers={**HTMX, "X-CSRF-Token": csrf, **ENGLISH},
                                data={"table": "daily", "from": "2026-03-12", "to": "2026-03-10"})
    assert refused.status_code == 422 and "The period ends before it starts." in refused.text


async def test_viewer_cannot_export(client, db):
    csrf = await signed_in(client, Role.VIEWER)
    response = await client.post("/admin/stats/export", headers={**HTMX, "X-CSRF-Token": csrf},
                                 data={"table": "daily", "from": date(2026, 3, 1).isoformat(), "to": "2026-03-02"})
    assert response.status_code == 403
