"""The refunds and training-card orders screens over HTTP: the filtered list as a fragment, a refund
with its estimate, completing (the order's status follows) and rejecting with inline errors, the
export, VIEWERs kept out of changes; enrolments masked and approved in a batch."""

from __future__ import annotations

from gql.resolvers import refunds, training
from gql.resolvers.access import operator_actor
from gql.resolvers.refunds import RefundInput
from gql.resolvers.training import EnrolmentInput
from models.access import Role
from models.catalog import ProductKind
from models.jobs import Job, JobStatus
from models.orders import Order, OrderItem, OrderStatus
from models.refunds import MemberMessage, RefundStatus
from models.training import EnrolmentStatus, TrainingEnrolment
from tests.conftest import console_login
from tests.factories import PASSWORD, make_member, make_operator, make_product, make_site
from tests.refunds.orders import make_paid_order

HTMX = {"HX-Request": "true"}
ENGLISH = {"Accept-Language": "en"}


async def signed_in(client, role=Role.OPERATOR) -> str:
    operator = await make_operator(role)
    return await console_login(client, operator.login_id, PASSWORD)


async def post(client, url: str, csrf: str, data: dict | None = None, **headers):
    return await client.post(url, data=data or {}, headers={**HTMX, "X-CSRF-Token": csrf, **headers})


async def requested_refund(amount: int | None = None, **order_fields):
    member = await make_member(login_id="sample2122", name="홍길금2")
    order = await make_paid_order(member, **order_fields)
    owner = operator_actor(await make_operator(Role.OWNER))
    return order, await refunds.request_refund(owner, RefundInput(order_id=order.id, amount=amount))


def rows(html: str, table_id: str) -> int:
    table = html[html.index(f'id="{table_id}"'):]
    table = table[:table.index("</table>")]
    return table.count("<tr") - table.count("<thead><tr") - table.count('class="muted"')


async def test_list_filters_as_a_fragment(client, db):
    _, asked = await requested_refund()
    book = await make_paid_order(lines=[("포토샵 교재", 10_000, ProductKind.BOOK)])
    owner = operator_actor(await make_operator(Role.OWNER))
    done = await refunds.request_refund(owner, RefundInput(order_id=book.id))
    await refunds.complete_refund(owner, done.id, 10_000)
    await signed_in(client, Role.VIEWER)
    page = await client.get("/admin/refunds")
    assert "<html" in page.text and rows(page.text, "refund-table") == 2
    assert "280,000원" in page.text and "환불요청" in page.text and "전액환불" in page.text
    fragment = await client.get("/admin/refunds?status=COMPLETED&product_kind=BOOK", headers=HTMX)
    assert "<html" not in fragment.text and rows(fragment.text, "refund-table") == 1
    assert "포토샵 교재" in fragment.text
    by_member = await client.get("/admin/refunds?q=sample2122", headers=HTMX)
    assert rows(by_member.text, "refund-table") == 1 and f'id="refund-{asked.id}"' in by_member.text
    bad = await client.get("/admin/refunds?kind=NOPE")
    assert 'aria-invalid="true"' in bad.text and rows(bad.text, "refund-table") == 2
    assert "Export" not in (await client.get("/admin/refunds", headers=ENGLISH)).text  # VIEWERs do not export


async def test_detail_shows_the_estimate_of_the_seed(client, db):
    _, asked = await requested_refund()
    await signed_in(client)
    page = await client.get(f"/admin/refunds/{asked.id}")
    assert page.status_code == 200 and "예상차감 금액" in page.text and "환불가능금액: 280,000원" in page.text
    estimate = await client.get(f"/admin/refunds/{asked.id}/estimate?fee=280000&elapsed_days=464&total_days=2197"
                                "&progress_done=0&progress_total=0", headers=HTMX)
    assert "<html" not in estimate.text
    assert "280,000원 × 21.11% = <strong>59,135원</strong>" in estimate.text
    assert "280,000원 × 0.00% = <strong>0원</strong>" in estimate.text
    wrong = await client.get(f"/admin/refunds/{asked.id}/estimate?elapsed_days=10&total_days=5", headers=HTMX)
    assert 'role="alert"' in wrong.text
    assert (await client.get("/admin/refunds/999999")).status_code == 404


async def test_completing_a_partial_refund_changes_the_order(client, db):
    order, asked = await requested_refund(amount=100_000)
    csrf = await signed_in(client)
    too_much = await post(client, f"/admin/refunds/{asked.id}/complete", csrf,
                          {"amount": "280,001", "memo": "", "notify": "on"})
    assert too_much.status_code == 422 and 'id="amount-error"' in too_much.text
    assert "환불 가능 금액보다" in too_much.text
    assert 'value="280,001"' in too_much.text  # kept as typed
    not_a_number = await post(client, f"/admin/refunds/{asked.id}/complete", csrf, {"amount": "십만원"}, **ENGLISH)
    assert not_a_number.status_code == 422 and "whole number of won" in not_a_number.text
    done = await post(client, f"/admin/refunds/{asked.id}/complete", csrf,
                      {"amount": "100,000", "memo": "수강 20% 진행", "notify": "on"})
    assert done.status_code == 204 and done.headers["HX-Redirect"] == f"/admin/refunds/{asked.id}"
    order = await Order.get(id=order.id)
    assert (order.status, order.refunded_amount) == (OrderStatus.PARTIALLY_REFUNDED, 100_000)
    assert await MemberMessage.filter(member_id=order.member_id, template="refund.completed").count() == 1
    page = await client.get(f"/admin/refunds/{asked.id}")
    assert "환불을 완료했습니다." in page.text and "부분환불" in page.text and 'id="complete-form"' not in page.text
    again = await post(client, f"/admin/refunds/{asked.id}/complete", csrf, {"amount": "1"})
    assert again.status_code == 422 and "이미 완료되었거나 거절된 환불" in again.text


async def test_rejecting_needs_a_reason_and_plain_forms_work(client, db):
    order, asked = await requested_refund()
    csrf = await signed_in(client)
    empty = await post(client, f"/admin/refunds/{asked.id}/reject", csrf, {"reason": " "})
    assert empty.status_code == 422 and 'id="reason-error"' in empty.text
    plain = await client.post(f"/admin/refunds/{asked.id}/reject", data={"csrf_token": csrf, "reason": "기간 경과",
                                                                            "notify": "on"})
    assert plain.status_code == 303 and plain.headers["location"] == f"/admin/refunds/{asked.id}"
    assert (await Order.get(id=order.id)).status == OrderStatus.PAID
    refund = await refunds.get_refund(operator_actor(await make_operator()), asked.id)
    assert (refund.status, refund.rejected_reason) == (RefundStatus.REJECTED, "기간 경과")
    assert await MemberMessage.filter(member_id=order.member_id, template="refund.rejected").count() == 1


async def test_viewers_cannot_decide_and_operators_export(client, db, app):
    _, asked = await requested_refund()
    csrf = await signed_in(client, Role.VIEWER)
    page = await client.get(f"/admin/refunds/{asked.id}")
    assert 'id="complete-form"' not in page.text
    assert (await post(client, f"/admin/refunds/{asked.id}/complete", csrf, {"amount": "1"})).status_code == 403
    assert (await post(client, "/admin/refunds/export", csrf)).status_code == 403

    client.cookies.clear()
    csrf = await signed_in(client)
    started = await post(client, "/admin/refunds/export", csrf, {"status": "REQUESTED"})
    assert started.status_code == 200 and 'class="job"' in started.text
    await app.state.job_runner.run_pending()
    job = await Job.get(kind="refunds.export")
    assert job.status == JobStatus.SUCCEEDED and job.result == {"rows": 1}


async def test_training_orders_are_masked_and_approved_in_a_batch(client, db):
    site = await make_site()
    course = await make_product(site, name="전자상거래 근로자카드", training_card_eligible=True)
    owner = operator_actor(await make_operator(Role.OWNER))
    ids = []
    for n in range(3):
        order = await make_paid_order(await make_member(site), [(course.name, 0, ProductKind.COURSE, course, True)])
        item = await OrderItem.get(order_id=order.id)
        enrolment = await training.create_enrolment(owner, EnrolmentInput(
            item.id, 2019, 7 + n, f"홍길금{n}", f"111111-111112{n}", "4111-1111-1111-1111"))
        ids.append(enrolment.id)
    csrf = await signed_in(client)
    page = await client.get("/admin/training")
    assert "근로자카드주문" in page.text and rows(page.text, "enrolment-table") == 3
    assert "111111-1******" in page.text and "************1111" in page.text
    assert "1111120" not in page.text and "4111111111111111" not in page.text and "4111-1111" not in page.text
    cohort = await client.get("/admin/training?cohort=2019/8", headers=HTMX)
    assert "<html" not in cohort.text and rows(cohort.text, "enrolment-table") == 1
    approved = await client.post("/admin/training/approve", data={"csrf_token": csrf, "ids": [str(ids[0]), str(ids[1])],
                                                                  "back": "status=APPLIED"})
    assert approved.status_code == 303 and approved.headers["location"] == "/admin/training?status=APPLIED"
    statuses = {e.id: e.status for e in await TrainingEnrolment.all()}
    assert statuses == {ids[0]: EnrolmentStatus.APPROVED, ids[1]: EnrolmentStatus.APPROVED,
                        ids[2]: EnrolmentStatus.APPLIED}
    waiting = await client.get("/admin/training?status=APPLIED")
    assert "수강승인 2건을 처리했습니다." in waiting.text and rows(waiting.text, "enrolment-table") == 1
    assert f'name="ids" value="{ids[2]}"' in waiting.text
