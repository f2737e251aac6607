"""Shipping in the browser: two book orders are placed through /graphql (as the shop's back end
would, with the operator's console session), the operator adds a carrier, uploads a real XLSX
sheet of invoice numbers, sees the preview with its row errors, applies it and sees the statuses
and tracking link change in the list; then changes the status of a ticked item."""

from __future__ import annotations

import re
import uuid

import pytest
from openpyxl import Workbook
from playwright.sync_api import APIRequestContext, Page, expect

from tests.browser.conftest import CHROMIUM

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found (apt-get install chromium)")

MEMBERS = "query { members(first: 1) { edges { node { id } } } }"
PLACE = """
mutation ($memberId: ID!, $name: String!) {
  placeOrder(input: {memberId: $memberId, cart: {channel: PC_WEB, lines: [
      {kind: BOOK, quantity: 1, unitPrice: 18000, name: $name}]}}) {
    order { id number } errors { code message }
  }
}"""


def graphql(request: APIRequestContext, query: str, variables: dict | None = None) -> dict:
    response = request.post("/graphql", data={"query": query, "variables": variables or {}})
    assert response.ok, f"{response.status} {response.text()}"
    body = response.json()
    assert not body.get("errors"), body["errors"]
    return body["data"]


def place_book_order(page: Page, member_id: str, name: str) -> str:
    data = graphql(page.request, PLACE, {"memberId": member_id, "name": name})["placeOrder"]
    assert not data["errors"], data["errors"]
    return data["order"]["number"]


def item_number(page: Page, order_number: str) -> str:
    """The item number of the order's one shipment, read off the shipping list."""
    page.goto(f"/admin/shipping?q={order_number}")
    row = page.locator("#shipment-table tbody tr").filter(has_text=order_number)
    expect(row).to_have_count(1)
    return row.locator("td").nth(1).inner_text().strip()


def search(page: Page, order_number: str) -> None:
    """Type in the search box and wait for the filtered list (the demo data has many more shipments): a
    box ticked before the list is swapped would be swapped away with it."""
    page.locator("#shipment-filters input[name=q]").fill(order_number)
    expect(page).to_have_url(re.compile(f"q={re.escape(order_number)}"))
    expect(page.locator("#shipment-table tbody tr")).to_have_count(1)


def test_bulk_invoice_upload_walk(console: Page, tmp_path):
    member_id = graphql(console.request, MEMBERS)["members"]["edges"][0]["node"]["id"]
    first = place_book_order(console, member_id, "토익 실전 모의고사 10회")
    second = place_book_order(console, member_id, "파이썬 첫걸음")

    # A carrier, with the console's form.
    code = f"T{uuid.uuid4().hex[:6].upper()}"
    carrier_name = f"테스트택배 {code}"
    console.goto("/admin/shipping")
    console.get_by_role("link", name="Carriers").click()
    expect(console).to_have_url(re.compile(r"/admin/shipping/carriers$"))
    form = console.locator("#carrier-new")
    form.locator("input[name=name]").fill(carrier_name)
    form.locator("input[name=code]").fill(code)
    form.locator("input[name=tracking_url]").fill("https://trace.example.kr/track?no={invoice}")
    form.get_by_role("button", name="Add carrier").click()
    expect(console.locator(f"#carrier-table input[name=name][value='{carrier_name}']")).to_have_count(1)

    # The sheet: one good row, one without an invoice number, one unknown item.
    first_item, second_item = item_number(console, first), item_number(console, second)
    book = Workbook()
    book.active.append(["No", "주문번호", "항목번호", "상품명", "수량", "송장번호"])
    book.active.append([1, first, int(first_item), "토익 실전 모의고사 10회", 1, 640012345678])
    book.active.append([2, second, int(second_item), "파이썬 첫걸음", 1, None])
    book.active.append([3, first, 99999999, "없는 항목", 1, "1234"])
    sheet = tmp_path / "송장.xlsx"
    book.save(sheet)

    console.goto("/admin/shipping")
    console.get_by_role("link", name="Bulk invoice upload").click()
    upload = console.locator("#upload-form")
    upload.locator("select[name=carrier_id]").select_option(label=carrier_name)
    upload.get_by_label("Dispatched").check()
    upload.locator("input[name=file]").set_input_files(sheet)
    upload.get_by_role("button", name="Preview").click()

    summary = console.locator("#upload-summary")
    expect(summary).to_contain_text("1 rows can be applied; 2 rows have an error")
    errors = console.locator("#upload-rows tr.row-error")
    expect(errors).to_have_count(2)
    expect(errors.nth(0)).to_contain_text("The invoice number is empty.")
    expect(errors.nth(1)).to_contain_text("No shipped item has this item number.")
    console.get_by_role("button", name="Apply 1 rows").click()
    expect(summary).to_contain_text("1 rows applied; 2 rows skipped.")

    console.get_by_role("link", name="Back to the shipping list").click()
    search(console, first)
    row = console.locator("#shipment-table tbody tr").filter(has_text=first)
    expect(row.locator(".shipment-status")).to_have_text("Dispatched")
    expect(row.get_by_role("link", name="640012345678")).to_have_attribute(
        "href", "https://trace.example.kr/track?no=640012345678")
    expect(row).to_contain_text(carrier_name)

    # The second item did not change; tick it and move it along by hand.
    search(console, second)
    other = console.locator("#shipment-table tbody tr").filter(has_text=second)
    expect(other.locator(".shipment-status")).to_have_text("Awaiting shipment")
    other.locator("input[name=ids]").check()
    console.locator("select[name=target_status]").select_option(label="Preparing shipment")
    console.get_by_role("button", name="Change status").click()
    expect(console.locator("#results")).to_contain_text("1 items changed.")
    expect(console.locator("#shipment-table tbody tr").filter(has_text=second).locator(".shipment-status")) \
        .to_have_text("Preparing shipment")
