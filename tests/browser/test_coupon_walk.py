"""A coupon's whole life, as the issue tells it: create a coupon, issue it to a member, the
member's wallet query shows it, checkout redeems it, the console shows it used, the order is
cancelled, the coupon is available again.

The operator's part happens in the console (headless Chromium); the member's part goes
through /graphql with a member bearer token, as the mobile app would. The token comes from
`issueMemberToken`, called with the operator's console session (the console cookie
authenticates /graphql, and `page.request` shares the browser context's cookies).
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import APIRequestContext, Locator, Page, expect

from tests.browser.conftest import CHROMIUM

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found (apt-get install chromium)")

CHANNELS = ["PC_WEB", "MOBILE_WEB", "APP"]
AMOUNT_OFF = 3_000
COURSE_PRICE = 30_000

ISSUE_TOKEN = """
mutation ($memberId: ID!) {
  issueMemberToken(memberId: $memberId, label: "browser coupon walk", days: 1) { secret errors { code message } }
}"""
MY_COUPONS = """
query ($status: MemberCouponStatus) {
  myCoupons(status: $status) { totalCount edges { node { id status orderId coupon { id name } } } }
}"""
PLACE_ORDER = """
mutation ($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    order { id status listTotal couponDiscount paidAmount coupons { memberCouponId discount } }
    errors { code field message }
  }
}"""
CANCEL_ORDER = """
mutation ($id: ID!) {
  cancelOrder(id: $id) { order { id status cancelledAt } errors { code field message } }
}"""


def graphql(request: APIRequestContext, query: str, variables: dict, token: str | None = None) -> dict:
    """POST one GraphQL operation as JSON; fail on a transport or GraphQL error; return `data`."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = request.post("/graphql", data={"query": query, "variables": variables}, headers=headers)
    assert response.ok, f"{response.status} {response.text()}"
    body = response.json()
    assert not body.get("errors"), body["errors"]
    return body["data"]


def wallet(request: APIRequestContext, token: str, status: str) -> dict[str, dict]:
    """The member's coupons in `status`, by member coupon id."""
    found = graphql(request, MY_COUPONS, {"status": status}, token)["myCoupons"]
    return {edge["node"]["id"]: edge["node"] for edge in found["edges"]}


def holder_row(page: Page, login_id: str) -> Locator:
    """The coupon page's row of the member coupon held by `login_id`."""
    return page.locator("#holder-table tbody tr", has_text=f"({login_id})")


def member_coupon_row(page: Page, coupon_name: str) -> Locator:
    """The member page's row of the coupon named `coupon_name`."""
    return page.locator("#member-coupon-table tbody tr", has=page.get_by_role("link", name=coupon_name, exact=True))


def create_coupon(page: Page, name: str) -> int:
    """Fill in the New coupon form: a MANUAL cart coupon, 3,000 won off, every channel, active."""
    page.goto("/admin/coupons")
    page.get_by_role("link", name="New coupon").click()
    expect(page).to_have_url(re.compile(r"/admin/coupons/new$"))
    form = page.locator("#coupon-form")
    form.locator("input[name=type][value=CART]").check()
    form.locator("input[name=name]").fill(name)
    form.locator("input[name=issue_method][value=MANUAL]").check()
    form.locator("input[name=benefit][value=FIXED]").check()
    form.locator("input[name=amount]").fill(f"{AMOUNT_OFF:,}")
    form.locator("input[data-all=channels]").check()
    for channel in CHANNELS:
        expect(form.locator(f"input[name=channels][value={channel}]")).to_be_checked()
    form.locator("input[name=target_scope][value=ALL]").check()
    form.locator("input[name=use_window][value=UNLIMITED]").check()
    form.locator("input[name=issue_status][value=ACTIVE]").check()
    form.locator("input[name=use_status][value=ACTIVE]").check()
    form.locator("button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/admin/coupons/\d+$"))
    expect(page.locator("#flashes")).to_contain_text("Coupon saved.")
    summary = page.locator("#coupon-summary")
    expect(summary).to_contain_text("Cart coupon")
    expect(summary).to_contain_text(f"{AMOUNT_OFF:,}원")
    expect(summary).to_contain_text("PC web, Mobile web, Mobile app")
    expect(summary.locator(".status.active")).to_have_count(2)  # issue status and use status
    return int(re.search(r"/admin/coupons/(\d+)$", page.url).group(1))


def issue_to(page: Page, login_id: str) -> int:
    """On the coupon page: find the member, tick them, issue; return the member's id."""
    page.locator("input[name=member_q]").fill(login_id)
    row = page.locator("#member-picks tbody tr", has=page.get_by_role("cell", name=login_id, exact=True))
    expect(row).to_have_count(1)
    box = row.locator("input[name=member_ids]")
    member_id = int(box.get_attribute("value"))
    box.check()
    page.get_by_role("button", name="Issue to the chosen members").click()
    expect(page.locator("#issue-result [role=status]")).to_have_text("Issued to 1 members.")
    expect(page.locator("#issue-result .refusals")).to_have_count(0)
    return member_id


def expect_console_state(page: Page, coupon_id: int, member_id: int, login_id: str, coupon_name: str,
                         status: str, order_id: str) -> None:
    """The coupon page and the member page both show the member coupon in `status`, with the
    order (`order_id`, or "" for none); an available one can be taken back, a used one not."""
    counts = {"Available": ("1", "0"), "Used": ("0", "1")}[status]
    page.goto(f"/admin/coupons/{coupon_id}")
    expect(page.locator("#stat-issued")).to_have_text("1")
    expect(page.locator("#stat-available")).to_have_text(counts[0])
    expect(page.locator("#stat-used")).to_have_text(counts[1])
    row = holder_row(page, login_id)
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(1)).to_have_text(status)
    expect(row.locator("td").nth(5)).to_have_text(order_id)
    expect(row.get_by_role("button", name="Take back")).to_have_count(1 if status == "Available" else 0)

    page.goto(f"/admin/members/{member_id}")
    row = member_coupon_row(page, coupon_name)
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(0)).to_have_text(status)
    expect(row.locator("td").nth(2)).to_have_text(f"{AMOUNT_OFF:,}원")
    expect(row.locator("td").nth(6)).to_have_text(order_id)
    expect(row.get_by_role("button", name="Take back")).to_have_count(1 if status == "Available" else 0)


def some_member_login_id(page: Page) -> str:
    """A demo member's login id: the last one on the member list's first page (the first is
    the one test_console.py edits)."""
    page.goto("/admin/members")
    return page.locator("#member-table tbody tr td:nth-child(3)").last.inner_text().strip()


def test_a_coupon_from_creation_to_redemption_cancellation_and_back(console: Page, open_context):
    name = f"Walk coupon {uuid.uuid4().hex[:8]}"

    # 1. The operator creates the coupon in the console.
    coupon_id = create_coupon(console, name)

    # 2. ... and issues it to a member from the coupon's page.
    login_id = some_member_login_id(console)
    console.goto(f"/admin/coupons/{coupon_id}")
    member_id = issue_to(console, login_id)
    row = holder_row(console, login_id)  # the member coupon list reloads itself after issuing
    expect(row.locator("td").nth(1)).to_have_text("Available")
    expect(console.locator("#stat-issued")).to_have_text("1")

    # 3. The member (a bearer token, no cookie) sees it in the wallet.
    issued = graphql(console.request, ISSUE_TOKEN, {"memberId": str(member_id)})["issueMemberToken"]
    assert issued["errors"] == [] and issued["secret"], issued
    token = issued["secret"]
    member = open_context().request  # a context of its own: no console cookie
    available = wallet(member, token, "AVAILABLE")
    mine = [node for node in available.values() if node["coupon"]["id"] == str(coupon_id)]
    assert len(mine) == 1, available
    member_coupon_id = mine[0]["id"]
    assert mine[0]["coupon"]["name"] == name and mine[0]["orderId"] is None

    # 4. Checkout redeems it.
    cart = {"channel": "APP", "lines": [{"kind": "COURSE", "quantity": 1, "unitPrice": COURSE_PRICE,
                                         "name": "Browser walk course"}]}
    placed = graphql(member, PLACE_ORDER, {"input": {"cart": cart, "memberCouponIds": [member_coupon_id]}},
                     token)["placeOrder"]
    assert placed["errors"] == [], placed["errors"]
    order = placed["order"]
    assert order["status"] == "PAID"
    assert (order["listTotal"], order["couponDiscount"], order["paidAmount"]) == (
        COURSE_PRICE, AMOUNT_OFF, COURSE_PRICE - AMOUNT_OFF)
    assert order["coupons"] == [{"memberCouponId": member_coupon_id, "discount": AMOUNT_OFF}]
    assert member_coupon_id not in wallet(member, token, "AVAILABLE")
    assert wallet(member, token, "USED")[member_coupon_id]["orderId"] == order["id"]

    # 5. The console shows it used, with the order.
    expect_console_state(console, coupon_id, member_id, login_id, name, "Used", order["id"])

    # 6. The order is cancelled: the coupon is available again, in the console and the wallet.
    cancelled = graphql(member, CANCEL_ORDER, {"id": order["id"]}, token)["cancelOrder"]
    assert cancelled["errors"] == [], cancelled["errors"]
    assert cancelled["order"]["status"] == "CANCELLED" and cancelled["order"]["cancelledAt"]
    expect_console_state(console, coupon_id, member_id, login_id, name, "Available", "")
    again = wallet(member, token, "AVAILABLE")
    assert member_coupon_id in again and again[member_coupon_id]["orderId"] is None
    assert member_coupon_id not in wallet(member, token, "USED")
