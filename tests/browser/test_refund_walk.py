"""A refund in a browser: the operator notes today's refund amount in the daily statistics, filters
the demo refunds down to those still requested (the list updates as a fragment and the filter stays
in the URL), opens one, sees the advisory estimate change with the days typed in, completes a partial
refund of part of the refundable amount, and finds the order partially refunded and today's refund
amount in the statistics grown by exactly that much."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from kupon.timeutil import seoul_today
from tests.browser.conftest import CHROMIUM

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found (apt-get install chromium)")


def won(text: str) -> int:
    return int(re.sub(r"\D", "", text) or 0)


def todays_refunds(page: Page) -> int:
    """Today's refund amount in the daily table (Seoul date)."""
    today = seoul_today().isoformat()
    page.goto(f"/admin/stats?from={today}&to={today}")
    row = page.locator("#stats-table tbody tr", has_text=today)
    expect(row).to_have_count(1)
    return won(row.locator("td:nth-child(5)").inner_text())


def test_complete_a_partial_refund(console: Page):
    before = todays_refunds(console)

    console.click("nav.sidebar >> text=Refunds")
    expect(console).to_have_url(re.compile(r"/admin/refunds$"))
    loads = console.evaluate("window.kuponPageLoads")
    console.locator("#refund-filters select[name=status]").select_option("REQUESTED")
    expect(console).to_have_url(re.compile(r"status=REQUESTED"))
    rows = console.locator("#refund-table tbody tr[data-order]")
    expect(rows.first).to_be_visible()
    expect(console.locator("#refund-table tbody")).not_to_contain_text("Refund completed")
    assert console.evaluate("window.kuponPageLoads") == loads  # a fragment, not a page load

    rows.first.locator("td:nth-child(4) a").click()
    expect(console).to_have_url(re.compile(r"/admin/refunds/\d+$"))
    expect(console.locator("#refund-status")).to_have_text("Refund requested")
    expect(console.locator("#order-status")).to_have_text(re.compile("Paid|Partially refunded"))

    # The estimate follows the numbers typed in (seed 001's example).
    estimate = console.locator("#estimate-form")
    estimate.locator("input[name=fee]").fill("280000")
    estimate.locator("input[name=total_days]").fill("2197")
    estimate.locator("input[name=elapsed_days]").fill("464")
    estimate.locator("input[name=elapsed_days]").dispatch_event("change")
    expect(console.locator("#estimate-time")).to_contain_text("280,000원 × 21.11% = 59,135원")

    refundable = won(console.locator("#complete-form .muted").inner_text())
    assert refundable > 1
    amount = min(1_000, refundable - 1)  # partial: the order keeps something paid
    form = console.locator("#complete-form")
    form.locator("input[name=amount]").fill(f"{amount:,}")
    form.locator("input[name=memo]").fill("브라우저 테스트 부분환불")
    form.get_by_role("button", name="Complete refund").click()

    expect(console.locator("#refund-status")).to_have_text("Refund completed")
    expect(console.locator("#flashes")).to_contain_text("The refund is completed.")
    expect(console.locator("#order-status")).to_have_text("Partially refunded")
    expect(console.locator("#refund-summary")).to_contain_text("Partial refund")
    expect(console.locator("#complete-form")).to_have_count(0)

    assert todays_refunds(console) == before + amount
