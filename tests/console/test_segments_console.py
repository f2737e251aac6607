"""The segments screen over HTTP: the list with the built-in groups, the editor's builder and live
panel (count, sample, path-named errors), saving with inline errors, a segment's page with
"recompute now", its size chart and members as of a day with entered/left tabs, issuing a coupon to
its members and exporting them (each job shown again after a reload), delete, and VIEWERs kept out of
every change."""

import re
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlencode

from gql.resolvers.segments import recompute
from kupon.timeutil import now_utc, seoul_today
from models.access import Role
from models.coupons import MemberCoupon
from models.jobs import Job
from models.members import Member
from models.segments import CouponAudience, Segment, SegmentKind, SegmentMember, SegmentSnapshot
from tests.conftest import console_login
from tests.factories import PASSWORD, make_coupon, make_member, make_operator, make_order, make_site

HTMX = {"HX-Request": "true"}
ENGLISH = {"Accept-Language": "en"}


async def signed_in(client, role=Role.OPERATOR) -> str:
    operator = await make_operator(role)
    return await console_login(client, operator.login_id, PASSWORD)


async def post(client, url: str, csrf: str, data: dict | None = None, htmx: bool = True, **headers):
    return await client.post(url, data=data or {}, headers={**(HTMX if htmx else {}), "X-CSRF-Token": csrf,
                                                           **ENGLISH, **headers})


def seed_002_form(site_id="", **overrides) -> dict:
    """Seed 002's segment as the builder posts it: signed up in the last 7 days AND NOT orders in
    the last 7 days >= 1."""
    return {"name": "신규 회원의 첫 구매 유도하기",
            "description": "지난 7일간 가입한 회원 중 아직 첫 주문을 하지 않은 고객 찾기",
            "site_id": str(site_id), "node": ["n", "n.0", "n.1"],
            "n.kind": "group", "n.op": "AND",
            "n.0.kind": "condition", "n.0.field": "SIGNED_UP", "n.0.days": "7",
            "n.1.kind": "condition", "n.1.not": "on", "n.1.field": "ORDER_COUNT", "n.1.period": "days",
            "n.1.period_n": "7", "n.1.cmp": "GTE", "n.1.value": "1", **overrides}


async def seed_002_members(site):
    now = now_utc()
    fresh = await make_member(site, name="새회원", phone="010-2222-3333", signed_up_at=now - timedelta(days=3))
    ordered = await make_member(site, name="주문회원", signed_up_at=now - timedelta(days=3))
    await make_order(ordered, ordered_at=now - timedelta(days=1))
    old = await make_member(site, name="오래된회원", signed_up_at=now - timedelta(days=8))
    return fresh, ordered, old


async def test_list_shows_builtin_groups_and_filters_as_a_fragment(client, db):
    await Segment.create(name="봄 세일 대상", tree={"field": "SIGNED_UP", "days": 30}, size=12,
                         computed_for=seoul_today(), computed_at=now_utc())
    await signed_in(client)

    page = await client.get("/admin/segments", headers=ENGLISH)
    assert page.status_code == 200 and "<html" in page.text
    for name in ("단골", "단골 예정", "첫 적립", "봄 세일 대상"):
        assert name in page.text
    assert "signed up in the last 30 days" in page.text and "Built-in group" in page.text

    builtin = await client.get("/admin/segments?kind=BUILTIN", headers={**HTMX, **ENGLISH})
    assert "<html" not in builtin.text and 'id="segment-table"' in builtin.text
    assert "단골" in builtin.text and "봄 세일 대상" not in builtin.text
    assert "HX-Request" in builtin.headers["vary"]
    searched = await client.get("/admin/segments?q=봄", headers=HTMX)
    assert "봄 세일 대상" in searched.text and "단골" not in searched.text

    reloaded = await client.get("/admin/segments?kind=CUSTOM")  # the filter survives a reload
    assert 'value="CUSTOM" selected' in reloaded.text and "단골 예정" not in reloaded.text
    korean = await client.get("/admin/segments", headers={"Accept-Language": "ko"})
    assert "최근 30일 이내 가입" in korean.text and "기본 그룹" in korean.text


async def test_preview_shows_sentence_count_and_masked_sample(client, db):
    site = await make_site()
    fresh, _, _ = await seed_002_members(site)
    csrf = await signed_in(client)

    signed_up_only = seed_002_form(site.id, node=["n", "n.0"])
    first = await post(client, "/admin/segments/preview", csrf, signed_up_only)
    assert first.status_code == 200 and "<html" not in first.text
    assert re.search(r'id="live-count" data-count="2"', first.text)
    assert "signed up in the last 7 days" in first.text

    both = await post(client, "/admin/segments/preview", csrf, seed_002_form(site.id))
    assert 'data-count="1"' in both.text
    assert "signed up in the last 7 days AND NOT orders in the last 7 days &gt;= 1" in both.text
    assert "새회원" in both.text and "주문회원" not in both.text
    assert "010-2222-3333" not in both.text and "3333" in both.text  # masked phone

    korean = await post(client, "/admin/segments/preview", csrf, seed_002_form(site.id),
                        **{"Accept-Language": "ko"})
    assert "최근 7일 이내 가입 그리고 아님(최근 7일 주문 수 1건 이상)" in korean.text

    bad = await post(client, "/admin/segments/preview", csrf, seed_002_form(site.id, **{"n.1.period_n": "abc"}))
    assert bad.status_code == 200 and 'id="live-errors"' in bad.text
    assert "tree.children[1].child.period.days" in bad.text and "Enter a whole number." in bad.text


async def test_builder_adds_and_removes_conditions_and_groups(client, db):
    csrf = await signed_in(client)
    added = await post(client, "/admin/segments/builder", csrf,
                       {**seed_002_form(), "action": "add_group", "at": "n"})
    assert added.status_code == 200 and "<html" not in added.text
    assert added.headers["HX-Trigger"] == "tree-changed"
    assert 'name="node" value="n.2"' in added.text and 'name="node" value="n.2.0"' in added.text
    assert 'name="n.1.not" checked' in added.text  # the posted values are kept

    changed = await post(client, "/admin/segments/builder", csrf,
                         {**seed_002_form(), "n.0.field": "GRADE", "action": "refresh", "at": ""})
    assert 'name="n.0.grades"' in changed.text and 'name="n.0.days"' not in changed.text
    between = await post(client, "/admin/segments/builder", csrf,
                         {**seed_002_form(), "n.1.cmp": "BETWEEN", "action": "refresh"})
    assert 'name="n.1.value2"' in between.text

    removed = await post(client, "/admin/segments/builder", csrf,
                         {**seed_002_form(), "action": "remove", "at": "n.1"})
    assert 'value="n.1"' not in removed.text and 'value="n.0"' in removed.text


async def test_create_with_a_bad_tree_shows_inline_errors_then_saves(client, db):
    site = await make_site()
    await seed_002_members(site)
    csrf = await signed_in(client)
    new = await client.get("/admin/segments/new", headers=ENGLISH)
    assert new.status_code == 200 and 'id="builder"' in new.text and 'id="live-panel"' in new.text

    bad = await post(client, "/admin/segments/new", csrf,
                     seed_002_form(site.id, name="", **{"n.0.days": "0", "n.1.period_n": ""}))
    assert bad.status_code == 422 and "<html" not in bad.text
    assert "This field is required." in bad.text
    assert "tree.children[0].days" in bad.text and "out of range" in bad.text
    assert "tree.children[1].child.period.days" in bad.text
    assert bad.text.count('class="seg-condition invalid"') == 2
    assert await Segment.filter(kind=SegmentKind.CUSTOM).count() == 0

    saved = await post(client, "/admin/segments/new", csrf, seed_002_form(site.id))
    assert saved.status_code == 204
    segment = await Segment.get(kind=SegmentKind.CUSTOM)
    assert saved.headers["HX-Redirect"] == f"/admin/segments/{segment.id}"
    assert segment.site_id == site.id and segment.tree["children"][1] == {
        "op": "NOT", "child": {"field": "ORDER_COUNT", "period": {"days": 7}, "cmp": {"op": "GTE", "value": 1}}}

    edit = await client.get(f"/admin/segments/{segment.id}/edit")
    assert 'name="n.1.not" checked' in edit.text and 'name="n.1.period_n" value="7"' in edit.text
    edited = await post(client, f"/admin/segments/{segment.id}/edit", csrf,
                        seed_002_form(site.id, name="신규 10일", **{"n.0.days": "10"}))
    assert edited.status_code == 204
    assert (await Segment.get(id=segment.id)).tree["children"][0] == {"field": "SIGNED_UP", "days": 10}


async def test_detail_recompute_chart_and_members_as_of(client, db, app):
    site = await make_site()
    fresh, ordered, old = await seed_002_members(site)
    csrf = await signed_in(client)
    await post(client, "/admin/segments/new", csrf, seed_002_form(site.id))
    segment = await Segment.get(kind=SegmentKind.CUSTOM)
    url = f"/admin/segments/{segment.id}"
    # yesterday's snapshot: the member with an order was still in, the fresh one not yet
    yesterday = seoul_today() - timedelta(days=1)
    await SegmentSnapshot.create(segment=segment, day=yesterday, size=1, computed_at=now_utc(), tree=segment.tree)
    await SegmentMember.create(segment=segment, day=yesterday, member=ordered)

    page = await client.get(url, headers=ENGLISH)
    assert page.status_code == 200 and "Recompute now" in page.text and f"{url}/edit" in page.text
    assert "signed up in the last 7 days AND NOT" in page.text

    started = await post(client, f"{url}/recompute", csrf)
    job_id = re.search(r'id="job-(\d+)"', started.text).group(1)
    assert f'hx-get="/admin/jobs/{job_id}/progress"' in started.text
    await app.state.job_runner.run_pending()
    progress = await client.get(f"/admin/jobs/{job_id}/progress", headers=HTMX)
    assert 'data-status="SUCCEEDED"' in progress.text and progress.headers["HX-Trigger"] == "job-done"

    summary = await client.get(f"{url}/summary", headers={**HTMX, **ENGLISH})
    assert re.search(r'id="segment-size">1<', summary.text)
    assert summary.text.count('class="point"') == 2 and f'data-day="{seoul_today().isoformat()}"' in summary.text

    members = await client.get(f"{url}/members", headers={**HTMX, **ENGLISH})
    assert f'data-member="{fresh.id}"' in members.text and f'data-member="{ordered.id}"' not in members.text
    assert f'data-member="{old.id}"' not in members.text
    assert f"Compared with {yesterday.isoformat()}" in members.text
    assert f'hx-get="{url}/members?day={seoul_today().isoformat()}&view=LEFT"' in members.text
    today = seoul_today().isoformat()
    entered = await client.get(f"{url}/members?day={today}&view=ENTERED", headers=HTMX)
    assert f'data-member="{fresh.id}"' in entered.text and f'data-member="{ordered.id}"' not in entered.text
    left = await client.get(f"{url}/members?day={today}&view=LEFT", headers=HTMX)
    assert f'data-member="{ordered.id}"' in left.text and f'data-member="{fresh.id}"' not in left.text
    first_day = await client.get(f"{url}/members?day={yesterday.isoformat()}&view=MEMBERS", headers={**HTMX, **ENGLISH})
    assert f'data-member="{ordered.id}"' in first_day.text and "nothing to compare with" in first_day.text
    missing = await client.get(f"{url}/members?day=2001-01-01", headers={**HTMX, **ENGLISH})
    assert "not computed for that day" in missing.text


async def test_builtin_group_has_no_edit_or_delete(client, db):
    csrf = await signed_in(client)
    await client.get("/admin/segments")
    regulars = await Segment.get(builtin_key="REGULARS")
    await recompute(regulars, seoul_today())
    page = await client.get(f"/admin/segments/{regulars.id}", headers=ENGLISH)
    assert page.status_code == 200 and "Recompute now" in page.text
    assert f"/admin/segments/{regulars.id}/edit" not in page.text and "/delete" not in page.text
    edit = await client.get(f"/admin/segments/{regulars.id}/edit", headers=ENGLISH)
    assert edit.status_code == 403 and "Built-in groups cannot be changed." in edit.text
    deleted = await post(client, f"/admin/segments/{regulars.id}/delete", csrf)
    assert deleted.status_code == 409 and not (await Segment.get(id=regulars.id)).is_deleted


async def test_delete_is_soft_and_refused_while_a_coupon_aims_at_it(client, db):
    csrf = await signed_in(client)
    used = await Segment.create(name="쿠폰 대상", tree={"field": "SIGNED_UP", "days": 7})
    await CouponAudience.create(coupon=await make_coupon(), segment=used)
    refused = await post(client, f"/admin/segments/{used.id}/delete", csrf)
    assert refused.status_code == 409
    assert "A coupon or serial code is restricted to this segment." in refused.text
    free = await Segment.create(name="지울 세그먼트", tree={"field": "SIGNED_UP", "days": 7})
    deleted = await post(client, f"/admin/segments/{free.id}/delete", csrf)
    assert deleted.status_code == 204 and deleted.headers["HX-Redirect"] == "/admin/segments"
    assert (await Segment.get(id=free.id)).is_deleted
    listed = await client.get("/admin/segments")
    assert "지울 세그먼트" not in listed.text and "쿠폰 대상" in listed.text
    assert (await client.get(f"/admin/segments/{free.id}")).status_code == 404


async def test_viewer_sees_but_cannot_change(client, db):
    segment = await Segment.create(name="보기 전용", tree={"field": "SIGNED_UP", "days": 7})
    csrf = await signed_in(client, Role.VIEWER)
    listed = await client.get("/admin/segments")
    assert listed.status_code == 200 and "/admin/segments/new" not in listed.text
    detail = await client.get(f"/admin/segments/{segment.id}")
    assert detail.status_code == 200 and "/recompute" not in detail.text and "/edit" not in detail.text
    assert (await client.get("/admin/segments/new")).status_code == 403
    for url, data in [("/admin/segments/new", seed_002_form()), (f"/admin/segments/{segment.id}/edit", seed_002_form()),
                      (f"/admin/segments/{segment.id}/recompute", {}), (f"/admin/segments/{segment.id}/delete", {}),
                      ("/admin/segments/builder", seed_002_form())]:
        assert (await post(client, url, csrf, data)).status_code == 403, url
    assert not (await Segment.get(id=segment.id)).is_deleted
    assert await Segment.filter(kind=SegmentKind.CUSTOM).count() == 1


async def test_changes_need_the_csrf_token(client, db):
    await signed_in(client)
    segment = await Segment.create(name="토큰", tree={"field": "SIGNED_UP", "days": 7})
    for url in ["/admin/segments/new", "/admin/segments/preview", f"/admin/segments/{segment.id}/delete",
                f"/admin/segments/{segment.id}/recompute"]:
        response = await client.post(url, data=seed_002_form(), headers=HTMX)
        assert response.status_code == 403, url
    assert not (await Segment.get(id=segment.id)).is_deleted
    assert await Segment.filter(kind=SegmentKind.CUSTOM).count() == 1


class FormFields(HTMLParser):
    """The fields a browser would post from #segment-form: inputs (ticked boxes only), selects'
    chosen options, textareas."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") and (a.get("type") != "checkbox" or "checked" in a):
            self.fields.append((a["name"], a.get("value") or ("on" if a.get("type") == "checkbox" else "")))
        elif tag == "select":
            self.select = a.get("name")
        elif tag == "option" and self.select and "selected" in a:
            self.fields.append((self.select, a["value"]))
        elif tag == "textarea":
            self.textarea = a.get("name")

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        if tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.fields.append((self.textarea, data))


async def test_every_condition_survives_the_round_trip_through_the_form(client, db):
    coupon = await make_coupon()
    tree = {"op": "OR", "children": [
        {"field": "AMOUNT_SPENT", "period": {"months": 3}, "cmp": {"op": "BETWEEN", "value": 1000, "value2": 50000}},
        {"op": "NOT", "child": {"op": "AND", "children": [
            {"field": "GRADE", "grades": ["GOLD", "VIP"]},
            {"field": "TAGS", "match": "NONE", "tags": ["휴면", "vip"]},
            {"field": "LAST_ORDER", "when": "BEFORE_DATE", "date": "2026-01-31"},
            {"field": "LAST_ORDER", "when": "BEFORE_DAYS", "days": 90}]}},
        {"field": "POINTS_HELD", "cmp": {"op": "LTE", "value": 500}},
        {"field": "EARNINGS", "period": {"ever": True}, "cmp": {"op": "EQ", "value": 1}},
        {"field": "CONSENT", "channel": "KAKAO"},
        {"field": "BIRTHDAY", "days": 14},
        {"field": "HOLDS_COUPON", "coupon_id": coupon.id},
        {"field": "VISITS", "period": {"days": 30}, "cmp": {"op": "GTE", "value": 2}},
    ]}
    segment = await Segment.create(name="모든 조건", tree=tree)
    csrf = await signed_in(client)
    edit = await client.get(f"/admin/segments/{segment.id}/edit", headers=ENGLISH)
    start = edit.text.index('<form id="segment-form"')
    form_html = edit.text[start:edit.text.index("</form>", start)]
    parser = FormFields()
    parser.feed(form_html)
    posted = await client.post(f"/admin/segments/{segment.id}/edit", content=urlencode(parser.fields),
                               headers={**HTMX, "X-CSRF-Token": csrf,
                                        "Content-Type": "application/x-www-form-urlencoded"})
    assert posted.status_code == 204, parser.fields
    assert (await Segment.get(id=segment.id)).tree == tree


async def computed_segment():
    """A segment of the last 30 days' sign-ups, computed today."""
    segment = await Segment.create(name="최근 가입", tree={"field": "SIGNED_UP", "days": 30})
    await recompute(segment, seoul_today())
    return segment


async def test_issue_a_coupon_to_the_segment_shows_progress_then_counts(client, db, app):
    site, other = await make_site(), await make_site()
    recent = now_utc() - timedelta(days=2)
    members = [await make_member(site, signed_up_at=recent) for _ in range(3)]
    await make_member(other, signed_up_at=recent)  # another site's member: skipped
    segment = await computed_segment()
    await Member.filter(id=members[0].id).update(is_active=False)  # after the snapshot: skipped
    coupon = await make_coupon(name="가입 축하 쿠폰", site_id=site.id)
    stopped = await make_coupon(name="중지된 쿠폰", issue_status="STOPPED")
    download = await make_coupon(name="다운로드 쿠폰", issue_method="DOWNLOAD")
    csrf = await signed_in(client)
    url = f"/admin/segments/{segment.id}"

    page = await client.get(url, headers=ENGLISH)
    assert 'id="issue-form"' in page.text and "Issue a coupon to this segment" in page.text
    assert f'<option value="{coupon.id}">' in page.text
    assert f'<option value="{stopped.id}">' not in page.text and f'<option value="{download.id}">' not in page.text

    missing = await post(client, f"{url}/issue", csrf, {"coupon_id": ""})
    assert missing.status_code == 422 and "This field is required." in missing.text
    refused = await post(client, f"{url}/issue", csrf, {"coupon_id": str(stopped.id)})
    assert refused.status_code == 422 and "<html" not in refused.text and 'role="alert"' in refused.text
    bad_day = await post(client, f"{url}/issue", csrf, {"coupon_id": str(coupon.id), "day": "2001-01-01"})
    assert "The segment was not computed for that day." in bad_day.text
    assert await Job.all().count() == 0

    started = await post(client, f"{url}/issue", csrf, {"coupon_id": str(coupon.id), "day": ""})
    assert started.status_code == 200 and "<html" not in started.text
    job_id = re.search(r'id="job-(\d+)"', started.text).group(1)
    assert f'hx-get="/admin/jobs/{job_id}/progress"' in started.text and 'id="issue-result"' not in started.text
    reloaded = await client.get(url, headers=ENGLISH)  # a reload still shows the running job
    assert f'id="job-{job_id}" data-status="QUEUED"' in reloaded.text

    await app.state.job_runner.run_pending()
    progress = await client.get(f"/admin/jobs/{job_id}/progress", headers=HTMX)
    assert progress.headers["HX-Trigger"] == "job-done"
    section = await client.get(f"{url}/issue", headers={**HTMX, **ENGLISH})
    assert "<html" not in section.text and 'data-status="SUCCEEDED"' in section.text
    assert re.search(r'id="issue-result" data-issued="2" data-skipped="2"', section.text)
    assert f"Issued to 2 of 4 members of {seoul_today().isoformat()}. Skipped: 2." in section.text
    assert 'data-reason="MEMBER_INACTIVE" data-count="1"' in section.text
    assert "This coupon belongs to another site.: 1" in section.text
    assert await MemberCoupon.filter(coupon_id=coupon.id).count() == 2

    korean = await client.get(url, headers={"Accept-Language": "ko"})  # the result survives a reload
    assert "다른 사이트의 쿠폰입니다.: 1" in korean.text and "세그먼트에 쿠폰 발급" in korean.text


async def test_viewer_exports_masked_members_but_cannot_issue(client, db, app):
    site = await make_site()
    await make_member(site, name="내보낼회원", phone="010-5555-6666",
                               signed_up_at=now_utc() - timedelta(days=2))
    segment = await computed_segment()
    await make_coupon()
    csrf = await signed_in(client, Role.VIEWER)
    url = f"/admin/segments/{segment.id}"

    page = await client.get(url, headers=ENGLISH)
    assert 'id="issue-form"' not in page.text and f"{url}/issue" not in page.text
    assert 'id="export-form"' in page.text and "masked in your export" in page.text
    assert (await post(client, f"{url}/issue", csrf, {"coupon_id": "1"})).status_code == 403

    bad = await post(client, f"{url}/export", csrf, {"format": "PDF"})
    assert bad.status_code == 422 and "Choose one of the listed values." in bad.text
    started = await post(client, f"{url}/export", csrf, {"format": "CSV", "day": seoul_today().isoformat()})
    assert started.status_code == 200
    job_id = re.search(r'id="job-(\d+)"', started.text).group(1)
    await app.state.job_runner.run_pending()
    section = await client.get(f"{url}/export", headers=HTMX)
    assert f'href="/admin/jobs/{job_id}/download"' in section.text
    download = await client.get(f"/admin/jobs/{job_id}/download")
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    text = download.content.decode("utf-8-sig")
    assert "내보낼회원" in text and "010-5555-6666" not in text and "6666" in text
    assert (await Job.get(id=int(job_id))).result == {"rows": 1, "masked": True}


async def test_export_to_excel_for_an_operator_and_shown_after_a_reload(client, db, app):
    site = await make_site()
    await make_member(site, phone="010-7777-8888", signed_up_at=now_utc() - timedelta(days=2))
    segment = await computed_segment()
    csrf = await signed_in(client)
    url = f"/admin/segments/{segment.id}"
    started = await post(client, f"{url}/export", csrf, {"format": "XLSX"})
    job_id = re.search(r'id="job-(\d+)"', started.text).group(1)
    await app.state.job_runner.run_pending()
    page = await client.get(url, headers=ENGLISH)
    assert f'href="/admin/jobs/{job_id}/download"' in page.text
    download = await client.get(f"/admin/jobs/{job_id}/download")
    assert download.status_code == 200 and download.content[:2] == b"PK"  # an XLSX is a zip
    assert "spreadsheetml" in download.headers["content-type"]
    plain = await post(client, f"{url}/export", csrf, {"format": "CSV"}, htmx=False)  # works without htmx
    assert plain.status_code == 303 and plain.headers["location"] == url


async def test_a_running_recompute_is_shown_after_a_reload(client, db, app):
    segment = await computed_segment()
    other = await computed_segment()
    csrf = await signed_in(client)
    started = await post(client, f"/admin/segments/{segment.id}/recompute", csrf)
    job_id = re.search(r'id="job-(\d+)"', started.text).group(1)
    page = await client.get(f"/admin/segments/{segment.id}")
    assert f'id="job-{job_id}" data-status="QUEUED"' in page.text
    assert f'id="job-{job_id}"' not in (await client.get(f"/admin/segments/{other.id}")).text
    await app.state.job_runner.run_pending()
    assert f'id="job-{job_id}"' not in (await client.get(f"/admin/segments/{segment.id}")).text  # done: gone
