"""The orders screen in a browser: the operator filters the demo orders down to deposits to the
shop's account still awaiting payment (the filters update the list as a fragment and stay in the
URL), opens one, confirms its deposit through the confirmation dialog, and finds it paid, with a
payment record, and gone from the awaiting list."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import CHROMIUM

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found (apt-get install chromium)")


def awaiting_rows(page: Page):
    return page.locator("#order-table tbody tr[data-order]")


def test_filter_orders_and_confirm_a_deposit(console: Page):
    console.click("nav.sidebar >> text=Orders")
    expect(console).to_have_url(re.compile(r"/admin/orders$"))
    expect(console.locator("#order-table tbody tr[data-order]").first).to_be_visible()
    loads = console.evaluate("window.kuponPageLoads")

    filters = console.locator("#order-filters")
    filters.locator("select[name=method]").select_option("SHOP_ACCOUNT")
    expect(console).to_have_url(re.compile(r"method=SHOP_ACCOUNT"))
    filters.locator("select[name=status]").select_option("AWAITING_DEPOSIT")
    expect(console).to_have_url(re.compile(r"status=AWAITING_DEPOSIT"))
    rows = awaiting_rows(console)
    expect(rows.first).to_be_visible()
    expect(console.locator("#order-table tbody")).not_to_contain_text("Paid")
    count = rows.count()
    assert count >= 1
    assert console.evaluate("window.kuponPageLoads") == loads  # fragments, not page loads

    number = rows.first.get_attribute("data-order")
    rows.first.locator("td:nth-child(2) a").click()
    expect(console.locator("#order-status")).to_have_text("Awaiting deposit")
    console.once("dialog", lambda dialog: dialog.accept())
    console.get_by_role("button", name="Confirm deposit").click()
    expect(console.locator("#order-status")).to_have_text("Paid")
    expect(console.locator("#flashes")).to_contain_text("The deposit is confirmed")
    expect(console.locator("#order-payments")).to_contain_text("입금확인")
    expect(console.get_by_role("button", name="Confirm deposit")).to_have_count(0)

    console.go_back()
    console.reload()  # the filters came back from the URL
    expect(console.locator("select[name=status]")).to_have_value("AWAITING_DEPOSIT")
    expect(console.locator(f"#order-table tr[data-order='{number}']")).to_have_count(0)
    expect(awaiting_rows(console)).to_have_count(count - 1)
