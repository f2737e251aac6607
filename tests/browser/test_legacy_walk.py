"""Seed 000 end to end in the browser: the operator imports the old system's sample export
(coupons, records, automatic-issue settings), reads the search table's eligibility column as the
seed shows it, filters it (a fragment, the filters in the URL), creates the target smart coupon of
the random-serial paper coupon 20240301 from the pre-filled form (opening its 2021 windows) and
then its serial code, requests the migration, applies (refused without consent), tries to run it
with "coupons usable in checkout" on (refused), turns the switch off on the Coupons screen, runs
it and watches the progress bar end with the counts. The target coupon's page says why it is
stopped; the operator activates it, re-points the carried-over "app login" setting and turns the
switch back on. Then, through /graphql as the mobile app would: a member's migrated coupon is in
their wallet (myCoupons), and a printed paper serial nobody had registered registers and gives
the coupon.

The records' members (shopper01..06) are written into the live server's database first, from a
subprocess through the test factories. The walk runs on SQLite and on PostgreSQL (where a
`kupon worker` process runs the migration job), each from its own server's demo data.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import CHROMIUM, ROOT
from tests.browser.test_serial_walk import ISSUE_TOKEN, REGISTER, graphql
from tests.legacy.conftest import SAMPLES, SHOPPERS

pytestmark = [pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found (apt-get install chromium)"),
              pytest.mark.parametrize("live_database", ["sqlite", "postgres"], scope="module")]

PAPER = "20240301"  # an eligible RANDOM_SERIALS paper coupon: 3 records of members, 2 printed serials unregistered
UNREGISTERED = "SP24-K2M3-N4"
# Seed 000's eligibility column for the sample coupons (English console).
ELIGIBILITY = {"33172114": "X (no issue history)", "19171914": "O", "31171714": "O", "12171514": "O",
               "44102514": "X (issuance expired)", "11555144": "X (no usable coupons)", "55154614": "O",
               "12108000": "X (issuance expired)", PAPER: "O"}
WRITE_MEMBERS = f"""
import asyncio, json, os
from kupon.db import close_db, open_db
from tests.factories import make_member, make_site

async def main():
    await open_db(os.environ["KUPON_DATABASE_URL"])
    try:
        site = await make_site(code="legacy000", name="이전 실험몰")
        ids = {{}}
        for login in {SHOPPERS!r}:
            ids[login] = (await make_member(site, login_id=login)).id
        print(json.dumps(ids))
    finally:
        await close_db()

asyncio.run(main())
"""
MY_COUPONS = """
query { myCoupons { edges { node { status coupon { id name } } } } }"""


@pytest.fixture(scope="module")
def shoppers(live_server, live_env) -> dict[str, int]:
    """The sample records' members in the live server's database: member ids by login id."""
    done = subprocess.run([sys.executable, "-c", WRITE_MEMBERS], cwd=ROOT, env=live_env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def legacy_row(page: Page, number: str):
    return page.locator(f"#legacy-table tr[data-number='{number}']")


def import_samples(page: Page) -> None:
    page.get_by_role("link", name="Import legacy data").click()
    expect(page).to_have_url(re.compile(r"/admin/migration/import$"))
    for what, summary in [("coupons", "9 rows read: 9 imported"), ("records", "28 rows read: 28 imported"),
                          ("triggers", "3 rows read: 3 imported")]:
        form = page.locator(f"#import-{what}")
        form.locator("input[type=file]").set_input_files(str(SAMPLES / f"{what}.csv"))
        form.get_by_role("button", name="Import").click()
        expect(page.locator("#import-summary")).to_have_attribute("data-what", what)
        expect(page.locator("#import-summary")).to_contain_text(summary)
        if what == "records":  # left_member has no account: kept and listed
            expect(page.locator("#import-unmatched")).to_contain_text("left_member")
            expect(page.locator("#import-unmatched")).not_to_contain_text("shopper01")
    page.get_by_role("link", name="← Legacy coupon migration").click()


def check_search_table(page: Page) -> None:
    expect(page.locator("#found-count")).to_have_text("9 coupons found")
    for number, shown in ELIGIBILITY.items():
        expect(legacy_row(page, number).locator("td.eligibility")).to_have_text(shown)
    expect(legacy_row(page, "33172114").locator("td.smart-action")).to_have_text("Cannot create")
    expect(legacy_row(page, PAPER)).to_contain_text("21.03.01 ~ 21.03.31")
    # The kind radio swaps the table only (no page load) and the filter survives a reload.
    loads = page.evaluate("window.kuponPageLoads")
    page.locator("#legacy-filters input[name=kind][value=PAPER]").check()
    expect(page.locator("#found-count")).to_have_text("4 coupons found")
    expect(page).to_have_url(re.compile(r"kind=PAPER"))
    assert page.evaluate("window.kuponPageLoads") == loads
    page.reload()
    expect(page.locator("#legacy-filters input[name=kind][value=PAPER]")).to_be_checked()
    expect(page.locator("#found-count")).to_have_text("4 coupons found")


def create_targets(page: Page, suffix: str) -> tuple[int, int]:
    """The smart coupon from the pre-filled form (windows opened: the 2021 dates are long past),
    then the serial code from its pre-filled form; (coupon id, serial id)."""
    legacy_row(page, PAPER).get_by_role("link", name="Create coupon").click()
    expect(page).to_have_url(re.compile(r"/admin/migration/\d+/coupon$"))
    form = page.locator("#coupon-form")
    expect(form.locator("input[name=name]")).to_have_value("봄맞이 紙 종이쿠폰 랜덤시리얼")
    expect(form.locator("input[name=issue_from]")).to_have_value("2021-03-01T00:00")
    expect(form.locator("input[name=issue_method][value=MANUAL]")).to_be_checked()
    expect(form.locator("input[name=amount]")).to_have_value("3000")
    form.locator("input[name=name]").fill(f"봄맞이 전환 {suffix}")
    form.locator("input[name=issue_unlimited]").check()
    form.locator("input[name=use_window][value=UNLIMITED]").check()
    form.locator("input[name=display_unlimited]").check()
    form.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/admin/migration$"))
    expect(page.locator("#flashes")).to_contain_text("Coupon saved.")

    legacy_row(page, PAPER).get_by_role("link", name="Create serial").click()
    expect(page).to_have_url(re.compile(r"/admin/migration/\d+/serial$"))
    expect(page.locator("#form-notice")).to_contain_text(
        "Changing the serial type can make unregistered paper serials unusable.")
    form = page.locator("#serial-form")
    expect(form.locator("input[name=type][value=RANDOM]")).to_be_checked()
    expect(form.locator("input[name=quantity_limit]")).to_have_value("5")
    expect(form.locator("input[name=register_to]")).to_have_value("2999-12-31T23:59")
    form.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/admin/migration$"))
    targets = legacy_row(page, PAPER).locator("td.targets")
    expect(targets.locator("a")).to_have_count(2)
    coupon_id = int(targets.locator("a").first.inner_text().lstrip("#"))
    serial_id = int(targets.locator("a").nth(1).inner_text().split("#")[1])
    expect(legacy_row(page, PAPER).locator("td.smart-action")).to_have_text("Smart coupon ready")
    return coupon_id, serial_id


def request_and_apply(page: Page) -> None:
    legacy_row(page, PAPER).locator("input[name=legacy_id]").check()
    page.get_by_role("button", name="Request migration").click()
    expect(page.locator("#request-notice")).to_contain_text("1 coupons requested")
    expect(legacy_row(page, PAPER).locator("td.smart-action")).to_have_text("Migration requested")

    page.get_by_role("link", name="Submit application").click()
    expect(page).to_have_url(re.compile(r"/admin/migration/applications$"))
    form = page.locator("#application-form")
    form.locator("input[name=name]").fill("김담당")
    form.locator("input[name=email]").fill("ops@shop.kr")
    form.locator("input[name=phone]").fill("010-1234-5678")
    form.get_by_role("button", name="Submit application").click()
    expect(page.locator("#consent-error")).to_be_visible()  # no consent: refused, nothing typed is lost
    expect(page.locator("#application-form input[name=email]")).to_have_value("ops@shop.kr")
    page.locator("#application-form input[name=consent]").check()
    page.locator("#application-form").get_by_role("button", name="Submit application").click()
    expect(page.locator("#flashes")).to_contain_text("Application submitted.")


def set_switch(page: Page, on: bool) -> None:
    page.goto("/admin/coupons")
    page.locator("#coupon-switch").get_by_role("button", name="Turn on" if on else "Turn off").click()
    expect(page.locator("#coupons-enabled")).to_have_text("On" if on else "Off")


def test_seed_000_migration_walk(console: Page, open_context, shoppers: dict[str, int]):
    console.on("dialog", lambda dialog: dialog.accept())  # hx-confirm of the run and of the switch
    suffix = re.sub(r"\D", "", str(id(console)))[-6:]
    console.click("nav.sidebar >> text=Legacy migration")
    expect(console).to_have_url(re.compile(r"/admin/migration$"))
    expect(console.locator("#migration-alert")).to_contain_text("the migration does not run")

    import_samples(console)
    check_search_table(console)
    coupon_id, serial_id = create_targets(console, suffix)
    request_and_apply(console)

    # Run with coupons usable in checkout: refused with the reason; off, it runs to the end.
    section = console.locator("section.application").first
    expect(section).to_have_attribute("data-status", "SUBMITTED")
    expect(section.locator(".run-blocker")).to_be_visible()
    section.get_by_role("button", name="Run now").click()
    expect(section.locator(".action-error")).to_contain_text('Turn off "coupons usable in checkout" first')
    set_switch(console, on=False)
    console.goto("/admin/migration/applications")
    section = console.locator("section.application").first
    expect(section.locator(".run-blocker")).to_have_count(0)
    section.get_by_role("button", name="Run now").click()
    expect(section).to_have_attribute("data-status", "COMPLETED")
    expect(section.locator(".job")).to_have_attribute("data-status", "SUCCEEDED")
    expect(section.locator(".job progress")).to_have_attribute("value", "100")
    expect(section.locator(".run-counts")).to_have_text("Moved 3 · already moved 0 · unmatched members 0")
    expect(section).to_contain_text("Erased on")

    # The legacy coupon shows migrated; its smart coupon is stopped and says why until activated.
    console.goto("/admin/migration?q=" + PAPER)
    expect(legacy_row(console, PAPER).locator("td.smart-action")).to_have_text("History moved")
    legacy_row(console, PAPER).locator("td.targets a").first.click()
    expect(console).to_have_url(re.compile(rf"/admin/coupons/{coupon_id}$"))
    expect(console.locator("#migration-banner")).to_contain_text(PAPER)
    for field in ("issue_status", "use_status"):
        console.locator(f"button[name={field}][value=ACTIVE]").click()
        expect(console.locator("#flashes")).to_contain_text("Coupon status changed.")
    expect(console.locator("#migration-banner")).to_have_count(0)

    # The old "app login" setting pointed at the paper coupon: it issues nothing until re-pointed.
    console.goto("/admin/migration/triggers")
    pending = console.locator("#pending-triggers tbody tr", has_text="Coupon on app login")
    expect(pending.locator(".trigger-notice")).to_contain_text("Issues nothing")
    expect(pending.locator("select[name=coupon_id]")).to_have_value(str(coupon_id))
    pending.get_by_role("button", name="Re-point").click()
    expect(console.locator("#repoint-notice")).to_be_visible()
    expect(console.locator("#pending-triggers")).not_to_contain_text("Coupon on app login")
    set_switch(console, on=True)  # as the other walks expect it

    # The mobile app: shopper03's migrated coupon is in the wallet, shopper01's (used) too ...
    member_api = open_context().request  # no console cookie
    wallets = {}
    for login in ("shopper01", "shopper03", "shopper06"):
        issued = graphql(console.request, ISSUE_TOKEN, {"memberId": str(shoppers[login])})["issueMemberToken"]
        assert issued["errors"] == [], issued
        wallets[login] = issued["secret"]
    for login, status in [("shopper01", "USED"), ("shopper03", "AVAILABLE")]:
        edges = graphql(member_api, MY_COUPONS, {}, wallets[login])["myCoupons"]["edges"]
        assert [(e["node"]["status"], e["node"]["coupon"]["id"]) for e in edges] == [(status, str(coupon_id))]
    # ... and a printed paper serial nobody had registered registers after the move.
    registered = graphql(member_api, REGISTER, {"code": UNREGISTERED}, wallets["shopper06"])["registerSerialCode"]
    assert registered["errors"] == [], registered["errors"]
    assert [(c["status"], c["coupon"]["id"]) for c in registered["coupons"]] == [("AVAILABLE", str(coupon_id))]
    moved = graphql(member_api, REGISTER, {"code": "SP24A2B3C4"}, wallets["shopper06"])["registerSerialCode"]
    assert [e["code"] for e in moved["errors"]] == ["CODE_USED"]  # registered in the old system, moved
    console.goto(f"/admin/serials/{serial_id}")
    expect(console.locator("#stat-registered")).to_have_text("4")
