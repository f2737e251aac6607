"""A serial code campaign from creation to reward: the operator makes a reward coupon and a RANDOM
serial campaign in the console, watches the job that makes its codes finish, reads a code off the
code list and exports them; a member registers one through /graphql, as the mobile app would, and the reward
coupons show on the member's page in the console.

The member's bearer token comes from `issueMemberToken`, called with the operator's console
session (the console cookie authenticates /graphql, and `page.request` shares the browser
context's cookies); the member's own calls go through a context without that cookie.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import APIRequestContext, Page, expect

from tests.browser.conftest import CHROMIUM

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found (apt-get install chromium)")

CODE_COUNT = 20
REWARD_QUANTITY = 2
AMOUNT_OFF = 2_000

ISSUE_TOKEN = """
mutation ($memberId: ID!) {
  issueMemberToken(memberId: $memberId, label: "browser serial walk", days: 1) { secret errors { code message } }
}"""
REGISTER = """
mutation ($code: String!) {
  registerSerialCode(code: $code, channel: APP) { coupons { id status coupon { id name } } errors { code message } }
}"""


def graphql(request: APIRequestContext, query: str, variables: dict, token: str | None = None) -> dict:
    """POST one GraphQL operation as JSON; fail on a transport or GraphQL error; return `data`."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = request.post("/graphql", data={"query": query, "variables": variables}, headers=headers)
    assert response.ok, f"{response.status} {response.text()}"
    body = response.json()
    assert not body.get("errors"), body["errors"]
    return body["data"]


def create_reward_coupon(page: Page, name: str) -> int:
    """A MANUAL cart coupon, 2,000 won off, every channel, active, made with the console's form."""
    page.goto("/admin/coupons/new")
    form = page.locator("#coupon-form")
    form.locator("input[name=type][value=CART]").check()
    form.locator("input[name=name]").fill(name)
    form.locator("input[name=issue_method][value=MANUAL]").check()
    form.locator("input[name=benefit][value=FIXED]").check()
    form.locator("input[name=amount]").fill(f"{AMOUNT_OFF:,}")
    form.locator("input[data-all=channels]").check()
    form.locator("input[name=target_scope][value=ALL]").check()
    form.locator("input[name=use_window][value=UNLIMITED]").check()
    form.locator("input[name=issue_status][value=ACTIVE]").check()
    form.locator("input[name=use_status][value=ACTIVE]").check()
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/coupons/\d+$"))
    return int(re.search(r"/admin/coupons/(\d+)$", page.url).group(1))


def create_random_serial(page: Page, name: str, coupon_id: int, coupon_name: str) -> int:
    """Fill in the New serial code form: RANDOM codes of a pattern, a limited number, one reward row
    (a second one is added with the button and removed again)."""
    page.goto("/admin/serials")
    page.get_by_role("link", name="New serial code").click()
    expect(page).to_have_url(re.compile(r"/admin/serials/new$"))
    form = page.locator("#serial-form")
    form.locator("input[name=name]").fill(name)
    for channel in ["PC_WEB", "MOBILE_WEB", "APP"]:
        expect(form.locator(f"input[name=channels][value={channel}]")).to_be_checked()
    rows = form.locator("#reward-rows tr")
    expect(rows).to_have_count(1)
    form.get_by_role("button", name="Add reward").click()
    expect(rows).to_have_count(2)
    rows.nth(1).get_by_role("button", name="Remove").click()
    expect(rows).to_have_count(1)
    rows.first.locator("select[name=reward_coupon_id]").select_option(str(coupon_id))
    rows.first.locator("input[name=reward_quantity]").fill(str(REWARD_QUANTITY))
    form.locator("input[name=type][value=RANDOM]").check()
    form.locator("input[name=code_pattern]").fill("WALK-####-####")
    form.locator("input[name=quantity_mode][value=LIMITED]").check()
    form.locator("input[name=quantity_limit]").fill(str(CODE_COUNT))
    form.locator("button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/admin/serials/\d+$"))
    expect(page.locator("#flashes")).to_contain_text("Serial code campaign saved.")
    summary = page.locator("#serial-summary")
    expect(summary).to_contain_text("Random codes")
    expect(summary.locator("#serial-rewards")).to_have_text(f"{coupon_name} × {REWARD_QUANTITY}")
    return int(re.search(r"/admin/serials/(\d+)$", page.url).group(1))


def some_member_id(page: Page) -> int:
    """A demo member's id: the second to last on the member list's first page (the
    first is edited by test_console.py, the last is used by test_coupon_walk.py)."""
    page.goto("/admin/members")
    row = page.locator("#member-table tbody tr").nth(-2)
    return int(row.locator("td").first.inner_text())


def test_a_random_serial_code_from_creation_to_reward(console: Page, open_context):
    suffix = uuid.uuid4().hex[:8]
    coupon_name, serial_name = f"Serial reward {suffix}", f"Serial walk {suffix}"

    # 1. The operator makes the reward coupon, then the serial campaign, in the console.
    coupon_id = create_reward_coupon(console, coupon_name)
    serial_id = create_random_serial(console, serial_name, coupon_id, coupon_name)

    # 2. The generation job's progress bar fills up; the code list reloads itself when it ends.
    job = console.locator("#generation .job")
    expect(job).to_have_attribute("data-status", "SUCCEEDED")
    expect(job.locator("progress")).to_have_attribute("value", "100")
    expect(job).to_contain_text(f"({CODE_COUNT} / {CODE_COUNT})")
    codes = console.locator("#code-table tbody tr")
    expect(codes).to_have_count(CODE_COUNT)
    code = codes.first.locator("code").inner_text()
    assert re.fullmatch(r"WALK[A-Z0-9]{8}", code), code
    expect(console.locator("#stat-codes")).to_have_text(str(CODE_COUNT))

    # 3. The codes go out as a CSV file, made by an export job with its own progress bar.
    console.get_by_role("button", name="Export to CSV").click()
    download_link = console.locator("#export-progress a", has_text="Download")
    expect(download_link).to_be_visible()
    with console.expect_download() as download:
        download_link.click()
    exported = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert code in exported and len(exported.strip().splitlines()) == CODE_COUNT + 1  # and the header

    # 4. A member registers the code (typed as printed, lower case with hyphens) with their token.
    member_id = some_member_id(console)
    issued = graphql(console.request, ISSUE_TOKEN, {"memberId": str(member_id)})["issueMemberToken"]
    assert issued["errors"] == [] and issued["secret"], issued
    member = open_context().request  # a context of its own: no console cookie
    typed = f"{code[:4]}-{code[4:8]}-{code[8:]}".lower()
    registered = graphql(member, REGISTER, {"code": typed}, issued["secret"])["registerSerialCode"]
    assert registered["errors"] == [], registered["errors"]
    assert [(c["status"], c["coupon"]["id"]) for c in registered["coupons"]] == [
        ("AVAILABLE", str(coupon_id))] * REWARD_QUANTITY
    again = graphql(member, REGISTER, {"code": code}, issued["secret"])["registerSerialCode"]
    assert [e["code"] for e in again["errors"]] == ["CODE_USED"]

    # 5. The console shows the code used and the registration counted ...
    console.goto(f"/admin/serials/{serial_id}")
    expect(console.locator("#stat-registered")).to_have_text("1")
    console.locator("#codes-filter select[name=used]").select_option("yes")
    expect(codes).to_have_count(1)
    expect(codes.first.locator("code")).to_have_text(code)
    expect(codes.first.locator("td").nth(1)).to_have_text("Used")

    # 6. ... and the member's page the reward coupons.
    console.goto(f"/admin/members/{member_id}")
    rewards = console.locator("#member-coupon-table tbody tr",
                              has=console.get_by_role("link", name=coupon_name, exact=True))
    expect(rewards).to_have_count(REWARD_QUANTITY)
    for n in range(REWARD_QUANTITY):
        expect(rewards.nth(n).locator("td").nth(0)).to_have_text("Available")
        expect(rewards.nth(n).locator("td").nth(2)).to_have_text(f"{AMOUNT_OFF:,}원")
