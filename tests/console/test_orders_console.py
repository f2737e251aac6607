"""The orders screen over HTTP: filters as fragments, the order page with its formula line,
deposit confirmation and cancellation, a refund request, print page, export job."""

from models.access import Role
from models.orders import Order, OrderStatus, PaymentMethod
from models.refunds import RefundRequest
from tests.conftest import console_login
from tests.factories import PASSWORD, make_book_order, make_member, make_operator, make_order

HTMX = {"HX-Request": "true", "Accept-Language": "en-US"}


async def signed_in(client, role=Role.OPERATOR) -> str:
    operator = await make_operator(role)
    return await console_login(client, operator.login_id, PASSWORD)


async def test_list_filters_render_a_fragment(client, db):
    kim = await make_member(name="김민준", login_id="minjun")
    await make_order(kim, number="N-CARD", name="토익 900 완성반")
    await make_order(kim, number="N-DEPOSIT", status=OrderStatus.AWAITING_DEPOSIT, paid_at=None,
                     payment_method=PaymentMethod.SHOP_ACCOUNT)
    await make_order(kim, number="N-TEMP", is_temporary=True)
    await signed_in(client)
    page = await client.get("/admin/orders", headers={"Accept-Language": "ko-KR"})
    assert "<html" in page.text and "N-CARD" in page.text and "N-DEPOSIT" in page.text
    assert "N-TEMP" not in page.text and "입금대기" in page.text and "자체계좌" in page.text
    fragment = await client.get("/admin/orders?method=SHOP_ACCOUNT", headers=HTMX)
    assert "<html" not in fragment.text and "N-DEPOSIT" in fragment.text and "N-CARD" not in fragment.text
    shown = await client.get("/admin/orders?temporary=show&field=NUMBER&q=N-TEMP", headers=HTMX)
    assert "N-TEMP" in shown.text and "N-CARD" not in shown.text
    bad = await client.get("/admin/orders?ordered_from=2026-02-31&status=NOPE")
    assert bad.status_code == 200 and 'aria-invalid="true"' in bad.text


async def test_detail_shows_the_formula_and_confirms_a_deposit(client, db):
    order = await make_order(status=OrderStatus.AWAITING_DEPOSIT, paid_at=None,
                             payment_method=PaymentMethod.SHOP_ACCOUNT, lines=[("전기기사 필기 대비", 320000)],
                             subsidy=256000, shipping_fee=3000)
    csrf = await signed_in(client)
    page = await client.get(f"/admin/orders/{order.id}", headers={"Accept-Language": "ko-KR"})
    assert "67,000원 = 320,000원 - 256,000원 - 0원 + 3,000원" in page.text
    assert "입금확인" in page.text and "hx-confirm" in page.text
    confirmed = await client.post(f"/admin/orders/{order.id}/confirm-deposit",
                                  headers={**HTMX, "X-CSRF-Token": csrf})
    assert confirmed.status_code == 204 and confirmed.headers["HX-Redirect"] == f"/admin/orders/{order.id}"
    assert (await Order.get(id=order.id)).status == OrderStatus.PAID
    after = await client.get(f"/admin/orders/{order.id}", headers={"Accept-Language": "en-US"})
    assert "The deposit is confirmed" in after.text and "입금확인" in after.text  # the payment record
    again = await client.post(f"/admin/orders/{order.id}/confirm-deposit", headers={**HTMX, "X-CSRF-Token": csrf})
    assert again.status_code == 204
    refused = await client.get(f"/admin/orders/{order.id}", headers={"Accept-Language": "en-US"})
    assert "Only an order awaiting its deposit" in refused.text


async def test_viewer_cannot_confirm_or_cancel(client, db):
    order = await make_order(status=OrderStatus.AWAITING_DEPOSIT, paid_at=None)
    csrf = await signed_in(client, Role.VIEWER)
    page = await client.get(f"/admin/orders/{order.id}")
    assert "confirm-deposit" not in page.text and "/cancel" not in page.text
    response = await client.post(f"/admin/orders/{order.id}/cancel", headers={**HTMX, "X-CSRF-Token": csrf})
    assert response.status_code == 403
    assert (await Order.get(id=order.id)).status == OrderStatus.AWAITING_DEPOSIT


async def test_cancel_refund_request_and_print(client, db):
    order = await make_order(lines=[("SQL 실무 활용", 220000), ("파이썬 첫걸음", 25000)])
    csrf = await signed_in(client)
    item_id = (await order.items.all().order_by("id"))[1].id
    asked = await client.post(f"/admin/orders/{order.id}/items/{item_id}/refund",
                              headers={**HTMX, "X-CSRF-Token": csrf})
    assert asked.status_code == 204
    refund = await RefundRequest.get(order_id=order.id)
    assert refund.item_ids == [item_id] and refund.amount == 25000
    printed = await client.get(f"/admin/orders/{order.id}/print")
    assert "@media print" in printed.text and order.number in printed.text and 'class="sidebar"' not in printed.text
    cancelled = await client.post(f"/admin/orders/{order.id}/cancel", headers={**HTMX, "X-CSRF-Token": csrf})
    assert cancelled.status_code == 204
    assert (await Order.get(id=order.id)).status == OrderStatus.CANCELLED
    missing = await client.get("/admin/orders/999999")
    assert missing.status_code == 404


async def test_export_button_starts_a_job_with_the_filters(client, app, db):
    await make_order(number="E-1", payment_method=PaymentMethod.FREE, lines=[("무료 특강", 0)])
    await make_order(number="E-2")
    csrf = await signed_in(client)
    response = await client.post("/admin/orders/export", data={"method": "FREE"},
                                 headers={**HTMX, "X-CSRF-Token": csrf})
    assert response.status_code == 200 and "<progress" in response.text
    await app.state.job_runner.run_pending()
    from models.jobs import Job

    job = await Job.get(kind="orders.export")
    assert job.params["payment_method"] == "FREE" and job.result == {"rows": 1}


async def test_detail_shows_shipments_of_book_items(client, db):
    order = await make_book_order()
    await signed_in(client)
    page = await client.get(f"/admin/orders/{order.id}", headers={"Accept-Language": "en-US"})
    assert 'id="order-shipments"' in page.text and "Shipping status" in page.text and "Waiting" in page.text
