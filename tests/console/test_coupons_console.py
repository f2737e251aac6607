"""The coupons screen over HTTP: filtered list, the definition form with inline errors, detail
sections (issuing, member coupons, codes, events), the member page's coupons, the global switch."""

from datetime import UTC, datetime

from gql.resolvers.shop_settings import coupons_enabled
from models.access import Role
from models.audit import AuditEntry
from models.coupons import Coupon, CouponCode, CouponStatus, CouponTrigger, MemberCoupon, MemberCouponStatus
from tests.conftest import console_login
from tests.factories import PASSWORD, give_coupon, make_coupon, make_member, make_operator, make_site

HTMX = {"HX-Request": "true"}
EVERY_DAY = [str(day) for day in range(7)]


async def signed_in(client, role=Role.OPERATOR) -> str:
    operator = await make_operator(role)
    return await console_login(client, operator.login_id, PASSWORD)


def coupon_form(**overrides) -> dict:
    """A valid form as the browser posts it: a 3,000 won cart coupon, issued by hand."""
    return {"name": "봄맞이 할인", "type": "CART", "benefit": "FIXED", "amount": "3,000", "issue_method": "MANUAL",
            "target_scope": "ALL", "channels": ["PC_WEB", "MOBILE_WEB", "APP"], "issue_unlimited": "on",
            "use_window": "UNLIMITED", "display_unlimited": "on", "issue_weekdays": EVERY_DAY,
            "use_weekdays": EVERY_DAY, "display_weekdays": EVERY_DAY, "issue_status": "ACTIVE",
            "use_status": "ACTIVE", **overrides}


async def post(client, url: str, csrf: str, data: dict | None = None, htmx: bool = True, **headers):
    return await client.post(url, data=data or {}, headers={**(HTMX if htmx else {}), "X-CSRF-Token": csrf,
                                                           **headers})


def table_rows(html: str) -> int:
    return html.count("<tr") - html.count("<thead><tr")


async def test_list_filters_return_matching_rows_as_a_fragment(client, db):
    await make_coupon(name="봄 정률 쿠폰", benefit="PERCENT", amount=0, percent=10, max_discount=5000)
    await make_coupon(name="무배 이벤트", type="SHIPPING", benefit="FREE_SHIPPING", amount=0, channels=["APP"])
    await make_coupon(name="사은품 쿠폰", benefit="GIFT", amount=0, gift_name="텀블러", issue_status="WAITING")
    await signed_in(client)

    percent = await client.get("/admin/coupons?benefit=PERCENT", headers=HTMX)
    assert "<html" not in percent.text and 'id="coupon-table"' in percent.text
    assert "봄 정률 쿠폰" in percent.text and "10% (최대 5,000원)" in percent.text
    assert "무배 이벤트" not in percent.text and "사은품 쿠폰" not in percent.text
    assert "HX-Request" in percent.headers["vary"]

    shipping = await client.get("/admin/coupons?type=SHIPPING&channel=APP", headers=HTMX)
    assert "무배 이벤트" in shipping.text and "무료배송" in shipping.text and "봄 정률 쿠폰" not in shipping.text
    waiting = await client.get("/admin/coupons?issue_status=WAITING", headers=HTMX)
    assert "사은품: 텀블러" in waiting.text and table_rows(waiting.text) == 1
    by_channel = await client.get("/admin/coupons?channel=PC_WEB", headers=HTMX)
    assert "무배 이벤트" not in by_channel.text and table_rows(by_channel.text) == 2
    searched = await client.get("/admin/coupons?q=사은품", headers=HTMX)
    assert table_rows(searched.text) == 1 and "사은품 쿠폰" in searched.text

    page = await client.get("/admin/coupons?benefit=PERCENT")
    assert "<html" in page.text and 'value="PERCENT" selected' in page.text and "무배 이벤트" not in page.text
    bad = await client.get("/admin/coupons?type=NOPE")
    assert bad.status_code == 200 and 'aria-invalid="true"' in bad.text and table_rows(bad.text) >= 3


async def test_bad_combinations_show_inline_errors_and_create_nothing(client, db):
    csrf = await signed_in(client)
    fixed_with_cap = coupon_form(max_discount="1000", issue_unlimited="", issue_from="2026-03-10T10:00",
                                 issue_to="2026-03-01T10:00", use_weekdays=[])
    response = await post(client, "/admin/coupons/new", csrf, fixed_with_cap, **{"Accept-Language": "en"})
    assert response.status_code == 422 and "<html" not in response.text
    assert 'id="max_discount-error"' in response.text and "Only a percent discount takes a maximum" in response.text
    assert 'id="issue_to-error"' in response.text and "The period ends before it starts." in response.text
    assert 'id="use_weekdays-error"' in response.text
    assert 'value="2026-03-10T10:00"' in response.text and 'value="1000"' in response.text  # kept as typed

    long_gift = coupon_form(benefit="GIFT", amount="", gift_name="가" * 22)  # 66 bytes of UTF-8
    response = await post(client, "/admin/coupons/new", csrf, long_gift)
    assert response.status_code == 422 and 'id="gift_name-error"' in response.text
    assert "64바이트" in response.text and 'id="max_discount-error"' not in response.text

    not_a_number = await post(client, "/admin/coupons/new", csrf, coupon_form(amount="삼천", total_limit="0"))
    assert not_a_number.status_code == 422
    assert 'id="amount-error"' in not_a_number.text and 'id="total_limit-error"' in not_a_number.text
    assert await Coupon.all().count() == 0


async def test_valid_coupon_is_created_with_seoul_times_and_listed(client, db):
    site = await make_site(name="맑은소프트")
    csrf = await signed_in(client)
    form = coupon_form(site_id=str(site.id), channels=["APP", "MOBILE_WEB"], issue_unlimited="",
                       issue_from="2026-03-01T10:00", issue_to="2026-03-31T18:00", use_window="DAYS_AFTER_ISSUE",
                       use_days_after_issue="7", use_weekdays=["0", "1", "2", "3", "4"], per_member_limit="1")
    response = await post(client, "/admin/coupons/new", csrf, form)
    coupon = await Coupon.get(name="봄맞이 할인")
    assert response.status_code == 204 and response.headers["HX-Redirect"] == f"/admin/coupons/{coupon.id}"
    assert coupon.amount == 3000 and coupon.site_id == site.id and coupon.channel_list == ["APP", "MOBILE_WEB"]
    assert coupon.issue_from == datetime(2026, 3, 1, 1, 0, tzinfo=UTC)  # 10:00 in Seoul
    assert coupon.use_days_after_issue == 7 and coupon.use_weekdays == [0, 1, 2, 3, 4]
    assert coupon.issue_weekdays == [] and coupon.per_member_limit == 1 and coupon.total_limit is None

    detail = await client.get(response.headers["HX-Redirect"])
    assert "쿠폰을 저장했습니다" in detail.text  # the flash
    assert "2026-03-01 10:00 ~ 2026-03-31 18:00" in detail.text and "발급 후 7일" in detail.text
    assert "맑은소프트" in detail.text and "월, 화, 수, 목, 금" in detail.text
    listed = await client.get("/admin/coupons")
    assert "봄맞이 할인" in listed.text and "3,000원" in listed.text

    plain = await post(client, "/admin/coupons/new", csrf, {**coupon_form(name="두번째"), "csrf_token": csrf},
                       htmx=False)
    assert plain.status_code == 303 and plain.headers["location"].startswith("/admin/coupons/")


async def test_edit_changes_the_coupon_and_is_audited(client, db):
    coupon = await make_coupon(name="원래 쿠폰")
    csrf = await signed_in(client)
    form = await client.get(f"/admin/coupons/{coupon.id}/edit")
    assert 'value="원래 쿠폰"' in form.text and 'value="1000"' in form.text
    response = await post(client, f"/admin/coupons/{coupon.id}/edit", csrf,
                          coupon_form(name="바뀐 쿠폰", benefit="PERCENT", amount="", percent="15",
                                      max_discount="5000"))
    assert response.status_code == 204 and response.headers["HX-Redirect"] == f"/admin/coupons/{coupon.id}"
    await coupon.refresh_from_db()
    assert (coupon.name, coupon.benefit, coupon.percent, coupon.max_discount) == ("바뀐 쿠폰", "PERCENT", 15, 5000)
    entry = await AuditEntry.get(action="coupon.update")
    assert entry.before["name"] == "원래 쿠폰" and entry.after["name"] == "바뀐 쿠폰"
    assert entry.after["benefit"] == "PERCENT"


async def test_issue_method_is_fixed_once_issued(client, db):
    coupon = await make_coupon()
    await give_coupon(coupon, await make_member())
    await Coupon.filter(id=coupon.id).update(issued_count=1)
    csrf = await signed_in(client)
    response = await post(client, f"/admin/coupons/{coupon.id}/edit", csrf,
                          coupon_form(issue_method="DOWNLOAD"))
    assert response.status_code == 422 and 'id="issue_method-error"' in response.text
    await coupon.refresh_from_db()
    assert coupon.issue_method == "MANUAL"


async def test_copy_opens_the_copy_waiting(client, db):
    coupon = await make_coupon(name="원본", percent=0)
    csrf = await signed_in(client)
    detail = await client.get(f"/admin/coupons/{coupon.id}")
    assert "hx-confirm" in detail.text and f"/admin/coupons/{coupon.id}/copy" in detail.text
    response = await post(client, f"/admin/coupons/{coupon.id}/copy", csrf)
    copy = await Coupon.exclude(id=coupon.id).get()
    assert response.status_code == 204 and response.headers["HX-Redirect"] == f"/admin/coupons/{copy.id}/edit"
    assert copy.name == "원본 (복사)" and copy.issue_status == CouponStatus.WAITING and copy.amount == 1000


async def test_status_toggle_swaps_only_the_row(client, db):
    coupon = await make_coupon(name="토글 쿠폰")
    csrf = await signed_in(client)
    response = await post(client, f"/admin/coupons/{coupon.id}/status", csrf, {"issue_status": "STOPPED"})
    assert response.status_code == 200 and "<html" not in response.text
    assert response.text.strip().startswith(f'<tr id="coupon-{coupon.id}"') and "토글 쿠폰" in response.text
    assert 'name="issue_status" value="ACTIVE"' in response.text  # now offers to start again
    await coupon.refresh_from_db()
    assert coupon.issue_status == CouponStatus.STOPPED and coupon.use_status == CouponStatus.ACTIVE
    bad = await post(client, f"/admin/coupons/{coupon.id}/status", csrf, {"use_status": "NOPE"})
    assert bad.status_code == 422
    await coupon.refresh_from_db()
    assert coupon.use_status == CouponStatus.ACTIVE


async def test_issue_to_chosen_members_reports_each_refusal(client, db):
    site, other_site = await make_site(), await make_site()
    coupon = await make_coupon(site_id=site.id, per_member_limit=1)
    first = await make_member(site, name="김하나")
    second = await make_member(site, name="김두리")
    await make_member(other_site, name="김다른")
    csrf = await signed_in(client)

    found = await client.get(f"/admin/coupons/{coupon.id}/member-search?member_q=김", headers=HTMX)
    assert "김하나" in found.text and "김두리" in found.text and "김다른" not in found.text  # the coupon's site only
    assert f'name="member_ids" value="{first.id}"' in found.text

    issued = await post(client, f"/admin/coupons/{coupon.id}/issue", csrf,
                        {"member_ids": [str(first.id), str(second.id)]})
    assert issued.status_code == 200 and "2명에게 발급했습니다" in issued.text
    assert issued.headers["HX-Trigger"] == "member-coupons-changed"
    assert await MemberCoupon.filter(coupon_id=coupon.id).count() == 2

    again = await post(client, f"/admin/coupons/{coupon.id}/issue", csrf, {"member_ids": [str(first.id)]})
    assert "0명에게 발급했습니다" in again.text
    assert f"김하나 ({first.login_id}): 이미 받을 수 있는 만큼 받은 쿠폰입니다." in again.text
    nobody = await post(client, f"/admin/coupons/{coupon.id}/issue", csrf, {})
    assert nobody.status_code == 422

    stats = await client.get(f"/admin/coupons/{coupon.id}/stats", headers=HTMX)
    assert '<dd id="stat-issued">2</dd>' in stats.text and '<dd id="stat-available">2</dd>' in stats.text
    holders = await client.get(f"/admin/coupons/{coupon.id}/member-coupons", headers=HTMX)
    assert "김하나" in holders.text and "김두리" in holders.text
    assert holders.text.count('hx-post="/admin/member-coupons/') == 2  # a take-back button for each


async def test_revoke_takes_back_an_unused_coupon_only(client, db):
    coupon = await make_coupon()
    member = await make_member(name="회수대상")
    member_coupon = await give_coupon(coupon, member)
    csrf = await signed_in(client)
    response = await post(client, f"/admin/member-coupons/{member_coupon.id}/revoke", csrf)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "member-coupons-changed"
    await member_coupon.refresh_from_db()
    assert member_coupon.status == MemberCouponStatus.REVOKED and member_coupon.revoked_at is not None
    twice = await post(client, f"/admin/member-coupons/{member_coupon.id}/revoke", csrf)
    assert twice.status_code == 409 and "사용하지 않은 쿠폰만" in twice.text
    revoked = await client.get(f"/admin/coupons/{coupon.id}/member-coupons?status=REVOKED", headers=HTMX)
    assert "회수대상" in revoked.text and "/revoke" not in revoked.text
    available = await client.get(f"/admin/coupons/{coupon.id}/member-coupons?status=AVAILABLE", headers=HTMX)
    assert "회수대상" not in available.text
    plain = await post(client, f"/admin/member-coupons/{(await give_coupon(coupon, member)).id}/revoke", csrf,
                       {"csrf_token": csrf, "next": f"/admin/members/{member.id}"}, htmx=False)
    assert plain.status_code == 303 and plain.headers["location"] == f"/admin/members/{member.id}"


async def test_generate_codes_and_give_one_to_a_member(client, db):
    site = await make_site()
    coupon = await make_coupon(site_id=site.id, issue_method="CODE", code_mode="INDIVIDUAL")
    member = await make_member(site, name="코드회원")
    csrf = await signed_in(client)
    generated = await post(client, f"/admin/coupons/{coupon.id}/codes/generate", csrf, {"count": "5"})
    assert generated.status_code == 200 and "5개의 코드를 추가했습니다" in generated.text
    assert table_rows(generated.text) == 5 and await CouponCode.filter(coupon_id=coupon.id).count() == 5
    too_many = await post(client, f"/admin/coupons/{coupon.id}/codes/generate", csrf, {"count": "100001"})
    assert too_many.status_code == 422 and await CouponCode.filter(coupon_id=coupon.id).count() == 5

    code = await CouponCode.filter(coupon_id=coupon.id).first()
    panel = await client.get(f"/admin/coupons/{coupon.id}/codes/{code.id}/give?member_q=코드", headers=HTMX)
    assert code.code in panel.text and f'name="member_id" value="{member.id}"' in panel.text
    given = await post(client, f"/admin/coupons/{coupon.id}/codes/{code.id}/give", csrf, {"member_id": str(member.id)})
    assert given.status_code == 200 and "코드회원" in given.text
    assert given.headers["HX-Trigger"] == "member-coupons-changed"
    await code.refresh_from_db()
    assert code.member_id == member.id and code.registered_at is not None and code.given_at is not None
    assert await MemberCoupon.filter(member_id=member.id, coupon_id=coupon.id, code_id=code.id).exists()

    again = await post(client, f"/admin/coupons/{coupon.id}/codes/{code.id}/give", csrf,
                       {"member_id": str(member.id)})
    assert again.status_code == 422 and "이미 사용된 코드입니다" in again.text
    used = await client.get(f"/admin/coupons/{coupon.id}/codes?used=yes", headers=HTMX)
    assert code.code in used.text and "코드회원" in used.text and table_rows(used.text) == 1
    unused = await client.get(f"/admin/coupons/{coupon.id}/codes?used=no", headers=HTMX)
    assert code.code not in unused.text and table_rows(unused.text) == 4
    assert (await client.get(f"/admin/coupons/{coupon.id}/codes/999999/give", headers=HTMX)).status_code == 404


async def test_shared_code_coupon_shows_its_code(client, db):
    coupon = await make_coupon(issue_method="CODE", code_mode="SHARED", shared_code="spring-2026")
    await signed_in(client)
    detail = await client.get(f"/admin/coupons/{coupon.id}")
    assert '<code id="shared-code">SPRING2026</code>' in detail.text
    assert "/codes/generate" not in detail.text  # more codes only for individual ones


async def test_events_are_wired_and_switched_off(client, db):
    coupon = await make_coupon(issue_method="AUTO")
    csrf = await signed_in(client)
    added = await post(client, f"/admin/coupons/{coupon.id}/triggers", csrf, {"event": "SIGN_UP", "active": "on"})
    assert added.status_code == 200 and "회원가입" in added.text and 'id="trigger-table"' in added.text
    trigger = await CouponTrigger.get(coupon_id=coupon.id)
    assert trigger.event == "SIGN_UP" and trigger.is_active
    await post(client, f"/admin/coupons/{coupon.id}/triggers", csrf, {"event": "SIGN_UP", "active": "off"})
    await trigger.refresh_from_db()
    assert not trigger.is_active
    wrong = await post(client, f"/admin/coupons/{coupon.id}/triggers", csrf, {"event": "NOPE"})
    assert wrong.status_code == 422 and await CouponTrigger.all().count() == 1


async def test_member_page_lists_the_members_coupons(client, db):
    member = await make_member()
    kept = await give_coupon(await make_coupon(name="보유 쿠폰"), member)
    taken = await give_coupon(await make_coupon(name="회수된 쿠폰"), member, status=MemberCouponStatus.REVOKED)
    await give_coupon(await make_coupon(name="남의 쿠폰"), await make_member())
    await signed_in(client)
    page = await client.get(f"/admin/members/{member.id}")
    assert "보유 쿠폰" in page.text and "회수된 쿠폰" in page.text and "남의 쿠폰" not in page.text
    assert f"/admin/member-coupons/{kept.id}/revoke" in page.text
    assert f"/admin/member-coupons/{taken.id}/revoke" not in page.text
    revoked = await client.get(f"/admin/members/{member.id}/coupons?coupon_status=REVOKED", headers=HTMX)
    assert "<html" not in revoked.text and "회수된 쿠폰" in revoked.text and "보유 쿠폰" not in revoked.text


async def test_global_switch_turns_coupons_off(client, db):
    csrf = await signed_in(client)
    page = await client.get("/admin/coupons")
    assert "hx-confirm" in page.text.split('id="coupon-switch"')[1].split("</form>")[0]
    response = await post(client, "/admin/coupons/switch", csrf, {"enabled": "off"})
    assert response.status_code == 200 and "<html" not in response.text and "켜기" in response.text
    assert await coupons_enabled() is False
    assert await AuditEntry.filter(action="settings.coupons_enabled").count() == 1
    switch = (await client.get("/admin/coupons")).text.split('id="coupon-switch"')[1].split("</form>")[0]
    assert "hx-confirm" not in switch  # turning on again needs no confirmation
    await post(client, "/admin/coupons/switch", csrf, {"enabled": "on"})
    assert await coupons_enabled() is True


async def test_viewer_sees_but_cannot_change_anything(client, db):
    coupon = await make_coupon(name="보기만")
    code_coupon = await make_coupon(issue_method="CODE", code_mode="INDIVIDUAL")
    member = await make_member()
    member_coupon = await give_coupon(coupon, member)
    csrf = await signed_in(client, Role.VIEWER)
    listed = await client.get("/admin/coupons")
    assert listed.status_code == 200 and "보기만" in listed.text
    assert "/status" not in listed.text and "/admin/coupons/new" not in listed.text and "/switch\"" in listed.text
    assert "<button" not in listed.text.split('id="coupon-switch"')[1].split("</form>")[0]
    detail = await client.get(f"/admin/coupons/{coupon.id}")
    assert detail.status_code == 200 and "/revoke" not in detail.text and "/edit" not in detail.text

    attempts = [
        ("/admin/coupons/switch", {"enabled": "off"}),
        ("/admin/coupons/new", coupon_form()),
        (f"/admin/coupons/{coupon.id}/edit", coupon_form(name="바꿈")),
        (f"/admin/coupons/{coupon.id}/copy", {}),
        (f"/admin/coupons/{coupon.id}/status", {"issue_status": "STOPPED"}),
        (f"/admin/coupons/{coupon.id}/issue", {"member_ids": [str(member.id)]}),
        (f"/admin/member-coupons/{member_coupon.id}/revoke", {}),
        (f"/admin/coupons/{code_coupon.id}/codes/generate", {"count": "3"}),
    ]
    for url, data in attempts:
        assert (await post(client, url, csrf, data)).status_code == 403, url
    assert (await client.get("/admin/coupons/new")).status_code == 403
    assert await coupons_enabled() is True and await Coupon.all().count() == 2
    await coupon.refresh_from_db()
    await member_coupon.refresh_from_db()
    assert coupon.name == "보기만" and coupon.issue_status == CouponStatus.ACTIVE
    assert member_coupon.status == MemberCouponStatus.AVAILABLE
    assert await CouponCode.all().count() == 0 and await MemberCoupon.all().count() == 1


async def test_unknown_coupon_is_a_404(client, db):
    await signed_in(client)
    assert (await client.get("/admin/coupons/999999")).status_code == 404
    assert (await client.get("/admin/coupons/999999/member-coupons", headers=HTMX)).status_code == 404
