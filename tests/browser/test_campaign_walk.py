"""Seed 002 in the browser, driven by the test clock: the operator builds "new members without a
first order" (signed up in the last 7 days AND NOT orders in the last 7 days >= 1), creates a
coupon with a download URL, and a daily repeating advertising friendtalk at 10:00 that never
sends a member the same campaign twice. At 10:00 the first run sends one message to each
consenting new member and none to the others (the fake Kakao gateway's recorded requests say
so); the next day's run sends them nothing again; a recipient opens the URL from the message and
downloads the coupon; the campaign's performance shows the download.

The live server here is this module's own: the demo data plus a site of seed 002's members
(written from a subprocess through the test factories before it starts), KUPON_TEST_CLOCK_FILE
(the clock this test moves, ticking from each instant written), a fake Kakao gateway in its own
process, and the scheduler run every second (tests/browser/campaign_walk_app.py).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from kupon.messaging.fake_gateway import running_fake_gateway
from kupon.throwaway_postgres import free_port
from kupon.timeutil import write_clock_file
from tests.browser.conftest import CHROMIUM, ROOT, SECRET_KEY, TIMEOUT_MS, _kupon, _wait_until_healthy, sign_in

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found (apt-get install chromium)")

SEOUL = ZoneInfo("Asia/Seoul")
DAY = datetime.now(SEOUL).date()
START = datetime(DAY.year, DAY.month, DAY.day, 9, 0, tzinfo=SEOUL)     # the walk starts at 09:00
FIRST_RUN = START.replace(hour=10)                                        # the campaign's 10:00
SECOND_RUN = FIRST_RUN + timedelta(days=1)
SITE = "식스샵 실험몰"
NEW_WITH_CONSENT = {"cmp-new-1": ("신규동의일", "010-7000-0001"), "cmp-new-2": ("신규동의이", "010-7000-0002")}
WRITE_MEMBERS = f"""
import asyncio, json, os
from datetime import datetime, timedelta
from gql.resolvers.access import Actor, ActorKind
from gql.resolvers.message_credit import top_up_credit
from gql.resolvers.messaging_settings import update_messaging_settings
from kupon.db import close_db, open_db
from kupon.timeutil import clock_at, now_utc
from models.access import Role
from models.activity import MarketingConsent
from tests.factories import make_member, make_order, make_site, member_token

OWNER = Actor(ActorKind.OPERATOR, id=None, label="walk", role=Role.OWNER)

async def main():
    await open_db(os.environ["KUPON_DATABASE_URL"])
    try:
        with clock_at(datetime.fromisoformat("{START.isoformat()}")):
            ago = lambda days: now_utc() - timedelta(days=days)
            site = await make_site(code="cmp002", name="{SITE}")
            async def member(login, name, phone, days, consent=True):
                m = await make_member(site, login_id=login, name=name, phone=phone, signed_up_at=ago(days))
                if consent:
                    await MarketingConsent.create(member=m, channel="KAKAO", granted=True, changed_at=ago(days))
                return m
            new = {{login: await member(login, name, phone, 3) for login, (name, phone)
                    in {json.dumps(NEW_WITH_CONSENT, ensure_ascii=False)}.items()}}
            await member("cmp-no-consent", "신규미동의", "010-7000-0003", 2, consent=False)
            ordered = await member("cmp-ordered", "신규주문", "010-7000-0004", 3)
            await make_order(ordered, ordered_at=ago(1))
            await member("cmp-old", "오래된가입", "010-7000-0005", 10)
            await update_messaging_settings(OWNER, {{"shop_name": "식스샵", "opt_out_number": "080-123-4567",
                                                     "public_url": os.environ["WALK_PUBLIC_URL"]}})
            await top_up_credit(OWNER, 100000, "walk")
            print(json.dumps({{"token": await member_token(new["cmp-new-1"])}}))
    finally:
        await close_db()

asyncio.run(main())
"""


@pytest.fixture(scope="module")
def gateway():
    with running_fake_gateway(process=True) as fake:
        yield fake


@pytest.fixture(scope="module")
def walk_server(tmp_path_factory, gateway) -> Iterator[dict]:
    """This module's live server: its URL, clock file and the recipient's bearer token."""
    directory = tmp_path_factory.mktemp("campaign-walk")
    clock = directory / "clock"
    write_clock_file(clock, START, ticking=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "KUPON_ENV": "development", "KUPON_SECRET_KEY": SECRET_KEY,
           "KUPON_DATABASE_URL": f"sqlite://{directory}/walk.db", "KUPON_TEST_CLOCK_FILE": str(clock),
           "KUPON_KAKAO_BASE_URL": gateway.url, "KUPON_GATEWAY_API_KEY": gateway.api_key,
           "KUPON_GATEWAY_API_SECRET": gateway.api_secret, "KUPON_KAKAO_SENDER_KEY": "walk-sender-key",
           "WALK_PUBLIC_URL": url}
    _kupon(env, "migrate")
    _kupon(env, "demo-data")
    done = subprocess.run([sys.executable, "-c", WRITE_MEMBERS], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    token = json.loads(done.stdout.strip().splitlines()[-1])["token"]
    log = directory / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "tests.browser.campaign_walk_app:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_until_healthy(url, server, log)
        yield {"url": url, "clock": clock, "token": token, "log": log}
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture
def console(chromium: Browser, walk_server) -> Iterator[Page]:
    context = chromium.new_context(base_url=walk_server["url"], locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    sign_in(page)
    expect(page).to_have_url(re.compile(r"/admin/$"))
    yield page
    context.close()


def until(check: Callable[[], bool], page: Page, what: str, seconds: float = 40) -> None:
    """Reload the page until `check()` holds (the scheduler ticks every second on this server)."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {seconds:.0f} s for {what}")
        time.sleep(0.5)
        page.reload()


def build_segment(page: Page) -> None:
    page.goto("/admin/segments/new")
    page.fill("input[name=name]", "신규 회원의 첫 구매 유도하기")
    page.select_option("select[name=site_id]", label=f"Members of {SITE}")
    page.fill("input[name='n.0.days']", "7")  # the new form's first condition: signed up in the last n days
    page.get_by_role("button", name="+ Condition").click()
    expect(page.locator("select[name='n.1.field']")).to_be_visible()
    expect(page.locator("#builder.htmx-settling")).to_have_count(0)
    page.select_option("select[name='n.1.field']", label="Number of orders")
    expect(page.locator("input[name='n.1.period_n']")).to_have_value("7")
    expect(page.locator("#builder.htmx-settling")).to_have_count(0)
    page.check("input[name='n.1.not']")
    expect(page.locator("#live-sentence")).to_have_text(
        "signed up in the last 7 days AND NOT orders in the last 7 days >= 1")
    expect(page.locator("#live-count")).to_have_attribute("data-count", "3")  # both consenting + the one without
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#flashes")).to_contain_text("Segment saved.")


def create_download_coupon(page: Page) -> str:
    """A 3,000 won cart coupon issued by download URL; returns its URL path."""
    page.goto("/admin/coupons/new")
    form = page.locator("#coupon-form")
    form.locator("input[name=type][value=CART]").check()
    form.locator("input[name=name]").fill("신규 회원 첫 구매 쿠폰")
    form.locator("input[name=issue_method][value=DOWNLOAD]").check()
    form.locator("input[name=benefit][value=FIXED]").check()
    form.locator("input[name=amount]").fill("3,000")
    form.locator("input[data-all=channels]").check()
    form.locator("input[name=target_scope][value=ALL]").check()
    form.locator("input[name=use_window][value=UNLIMITED]").check()
    form.locator("input[name=issue_status][value=ACTIVE]").check()
    form.locator("input[name=use_status][value=ACTIVE]").check()
    form.locator("button[type=submit]").click()
    expect(page.locator("#flashes")).to_contain_text("Coupon saved.")
    path = re.search(r"/coupons/[A-Za-z0-9_-]{10,}", page.content())
    assert path, "the coupon page shows its download URL"
    return path.group(0)


def create_campaign(page: Page, coupon_path: str) -> None:
    page.goto("/admin/campaigns/new")
    form = page.locator("#campaign-form")
    form.locator("input[name=name]").fill("신규 회원의 첫 구매 유도하기")
    form.locator("input[name=message_type][value=ADVERTISING]").check()
    form.locator("select[name=channel]").select_option("FRIENDTALK")
    form.locator("textarea[name=text]").fill("{name}님, 가입을 환영합니다! 첫 구매에 쓰실 수 있는 쿠폰을 드려요.")
    form.locator("input[name=with_coupon]").check()
    form.locator("select[name='coupon_block.kind']").select_option("WON")
    form.locator("input[name='coupon_block.amount']").fill("3000")
    form.locator("input[name='coupon_block.name']").fill("신규 회원 첫 구매 쿠폰")
    form.locator("select[name='coupon_block.coupon_id']").select_option(label=f"신규 회원 첫 구매 쿠폰 ({coupon_path})")
    form.locator("textarea[name='coupon_block.description']").fill("받은 날부터 3일 동안 쓸 수 있어요")
    form.locator("select[name='coupon_block.validity']").select_option("DAYS_3")
    form.locator("input[name=target_mode][value=CHOOSE]").check()
    form.get_by_label("신규 회원의 첫 구매 유도하기").check()
    form.locator("input[name=schedule][value=REPEAT]").check()
    form.locator("input[name=repeat_every_days]").fill("1")
    form.locator("input[name=repeat_time]").fill("10:00")
    form.locator("input[name=start_date]").fill(DAY.isoformat())
    form.locator("input[name=never_twice]").check()
    form.locator("input[name=performance_days]").fill("7")
    preview = page.locator("#preview-text")
    expect(preview).to_contain_text("(광고)[식스샵]")
    expect(preview).to_contain_text("홍길동님, 가입을 환영합니다!")
    expect(preview).to_contain_text("무료수신거부 080-123-4567")
    expect(page.locator("#preview-panel a.button")).to_have_attribute("href", re.compile(re.escape(coupon_path)))
    form.get_by_role("button", name="Save campaign").click()
    expect(page.locator("#flashes")).to_contain_text("Campaign saved.")
    expect(page).to_have_url(re.compile(r"/admin/campaigns/\d+$"))
    expect(page.locator("#next-run")).to_have_text(FIRST_RUN.strftime("%Y-%m-%d %H:%M"))


def run_rows(page: Page):
    return page.locator("#runs tbody tr[data-run]")


def test_seed_002_daily_friendtalk_without_duplicates(console: Page, walk_server, gateway, chromium):
    build_segment(console)
    coupon_path = create_download_coupon(console)
    console.goto("/admin/campaigns/credit")
    expect(console.locator("#balance")).to_have_attribute("data-balance", "100000")
    create_campaign(console, coupon_path)
    campaign_url = console.url
    assert gateway.delivered() == []

    # 10:00: the first run sends one friendtalk to each consenting new member, and nothing to the others.
    write_clock_file(walk_server["clock"], FIRST_RUN, ticking=True)
    until(lambda: run_rows(console).count() == 1 and "Done" in run_rows(console).first.inner_text(), console,
          "the first run")
    first = run_rows(console).first
    expect(first.locator("td[data-stat=sent]")).to_have_text("2")
    delivered = gateway.delivered()
    assert sorted(r.to for r in delivered) == sorted(p.replace("-", "") for _, p in NEW_WITH_CONSENT.values())
    assert all(r.path == "/v1/kakao/friendtalk" for r in delivered), [r.path for r in delivered]
    body = json.dumps(delivered[0].body, ensure_ascii=False)
    assert "(광고)[식스샵]" in body and "무료수신거부 080-123-4567" in body
    expect(console.locator("#exclusions tr[data-reason=NO_CONSENT]")).to_contain_text("1")
    expect(console.locator("[data-stat=send-rate]")).to_have_text("66.7%")  # 2 sent of 3 targets

    # The next day's 10:00: the same members get nothing again.
    write_clock_file(walk_server["clock"], SECOND_RUN, ticking=True)
    until(lambda: run_rows(console).count() == 2 and "Done" in run_rows(console).first.inner_text(), console,
          "the second run")
    expect(run_rows(console).first.locator("td[data-stat=sent]")).to_have_text("0")
    expect(run_rows(console).first).to_contain_text("DUPLICATE 2")
    assert len(gateway.delivered()) == 2

    # A recipient opens the coupon URL of the message and downloads the coupon with the app's token.
    url = next(button["url"] for button in delivered[0].body.get("buttons", []) if "/coupons/" in button["url"])
    assert url == f"{walk_server['url']}{coupon_path}"
    guest = chromium.new_context(locale="en-US")
    opened = guest.new_page()
    opened.goto(url)
    expect(opened.locator("body")).to_contain_text("신규 회원 첫 구매 쿠폰")
    guest.close()
    downloaded = httpx.post(url, headers={"Authorization": f"Bearer {walk_server['token']}"}, timeout=10)
    assert downloaded.status_code == 201, downloaded.text

    # The campaign's performance shows it.
    console.goto(campaign_url)
    expect(console.locator("#performance-total td[data-stat=downloads]")).to_have_text("1")
    expect(console.locator("#performance-total td[data-stat=redemptions]")).to_have_text("0")
