"""Seed 002 in the browser: the operator builds "new members without a first order" (signed up in
the last 7 days AND NOT orders in the last 7 days >= 1) in the segment editor, watching the live
count and sample change as the conditions change (fragments, no page load), saves it, recomputes
it now, and finds exactly the expected member in its members as of today.

Three members of a site of their own are written into the live server's database first (from a
subprocess, through the test factories): one who joined 3 days ago without an order (in), one
who joined 3 days ago with an order yesterday (out), one who joined 8 days ago (out). The walk
runs on SQLite and on PostgreSQL (where a `kupon worker` process runs the recompute job).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import CHROMIUM, ROOT

pytestmark = [pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found (apt-get install chromium)"),
              pytest.mark.parametrize("live_database", ["sqlite", "postgres"], scope="module")]

FRESH, ORDERED, OLD = "신규미주문", "신규주문", "오래된가입"
WRITE_MEMBERS = f"""
import asyncio, json, os
from datetime import timedelta
from kupon.db import close_db, open_db
from kupon.timeutil import now_utc
from tests.factories import make_member, make_order, make_site

async def main():
    await open_db(os.environ["KUPON_DATABASE_URL"])
    try:
        ago = lambda days: now_utc() - timedelta(days=days)
        site = await make_site(code="seg002", name="세그먼트 실험몰")
        await make_member(site, login_id="seg-fresh", name="{FRESH}", signed_up_at=ago(3))
        ordered = await make_member(site, login_id="seg-ordered", name="{ORDERED}", signed_up_at=ago(3))
        await make_order(ordered, ordered_at=ago(1))
        await make_member(site, login_id="seg-old", name="{OLD}", signed_up_at=ago(8))
        print(json.dumps({{"site": site.name}}))
    finally:
        await close_db()

asyncio.run(main())
"""


@pytest.fixture(scope="module")
def seed_002_site(live_server, live_env) -> str:
    """The name of a site holding the three members of seed 002's example."""
    done = subprocess.run([sys.executable, "-c", WRITE_MEMBERS], cwd=ROOT, env=live_env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])["site"]


def live_count(page: Page):
    return page.locator("#live-count")


def builder_settled(page: Page) -> None:
    """Wait until htmx has finished swapping the re-drawn builder in before using its new inputs."""
    expect(page.locator("#builder.htmx-settling")).to_have_count(0)


def test_build_seed_002_segment_recompute_and_see_its_members(console: Page, seed_002_site: str):
    console.click("nav.sidebar >> text=Segments")
    expect(console).to_have_url(re.compile(r"/admin/segments$"))
    expect(console.locator("#segment-table")).to_contain_text("Built-in group")
    console.get_by_role("link", name="New segment").click()
    expect(console.locator("#builder")).to_be_visible()
    loads = console.evaluate("window.kuponPageLoads")

    console.fill("input[name=name]", "신규 회원의 첫 구매 유도하기")
    console.fill("textarea[name=description]", "지난 7일간 가입한 회원 중 아직 첫 주문을 하지 않은 고객 찾기")
    console.select_option("select[name=site_id]", label=f"Members of {seed_002_site}")
    # The new form starts with "signed up in the last 7 days": both members who joined 3 days ago.
    expect(live_count(console)).to_have_attribute("data-count", "2")
    expect(console.locator("#live-sentence")).to_have_text("signed up in the last 7 days")
    console.fill("input[name='n.0.days']", "30")
    expect(live_count(console)).to_have_attribute("data-count", "3")
    console.fill("input[name='n.0.days']", "7")
    expect(live_count(console)).to_have_attribute("data-count", "2")

    console.get_by_role("button", name="+ Condition").click()
    expect(console.locator("select[name='n.1.field']")).to_be_visible()
    builder_settled(console)
    console.select_option("select[name='n.1.field']", label="Number of orders")
    expect(console.locator("select[name='n.1.period']")).to_be_visible()  # the builder re-drew its inputs
    expect(console.locator("input[name='n.1.period_n']")).to_have_value("7")
    builder_settled(console)
    expect(console.locator("#live-sentence")).to_have_text(
        "signed up in the last 7 days AND orders in the last 7 days >= 1")
    expect(live_count(console)).to_have_attribute("data-count", "1")
    expect(console.locator("#live-sample")).to_contain_text(ORDERED)

    console.check("input[name='n.1.not']")
    expect(console.locator("#live-sentence")).to_have_text(
        "signed up in the last 7 days AND NOT orders in the last 7 days >= 1")
    expect(live_count(console)).to_have_attribute("data-count", "1")
    expect(console.locator("#live-sample")).to_contain_text(FRESH)
    expect(console.locator("#live-sample")).not_to_contain_text(ORDERED)

    console.fill("input[name='n.1.period_n']", "")  # a bad tree: the error names its path
    expect(console.locator("#live-errors")).to_contain_text("tree.children[1].child.period.days")
    console.fill("input[name='n.1.period_n']", "7")
    expect(live_count(console)).to_have_attribute("data-count", "1")
    assert console.evaluate("window.kuponPageLoads") == loads  # fragments, not page loads

    console.get_by_role("button", name="Save").click()
    expect(console.locator("#flashes")).to_contain_text("Segment saved.")
    expect(console).to_have_url(re.compile(r"/admin/segments/\d+$"))
    expect(console.locator("#segment-sentence")).to_have_text(
        "signed up in the last 7 days AND NOT orders in the last 7 days >= 1")
    expect(console.locator("#segment-size")).to_have_text("Not computed yet")

    console.get_by_role("button", name="Recompute now").click()
    expect(console.locator("#recompute .job")).to_have_attribute("data-status", "SUCCEEDED")
    expect(console.locator("#segment-size")).to_have_text("1")
    expect(console.locator("#size-chart circle.point")).to_have_count(1)
    rows = console.locator("#membership-table tbody tr[data-member]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(FRESH)
    expect(console.locator("#compared-with")).to_contain_text("nothing to compare with")
    console.get_by_role("link", name="Entered").click()
    expect(console.locator("#membership nav.tabs a[aria-current]")).to_have_text("Entered")
    expect(rows).to_have_count(1)

    console.goto("/admin/segments?kind=CUSTOM&q=신규 회원")
    row = console.locator("#segment-table tbody tr[data-segment]")
    expect(row).to_have_count(1)
    expect(row.locator("td.size")).to_have_text("1")
