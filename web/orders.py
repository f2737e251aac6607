"""The orders screen (seed 001 주문목록): filtered list as a fragment, one order with its parts,
deposit confirmation, cancellation, a refund request on the member's behalf, print, export."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from gql.resolvers import orders, refunds
from gql.resolvers.errors import Refused
from gql.resolvers.order_export import start_order_export
from gql.resolvers.pagination import PageRequest
from gql.resolvers.validation import Checker
from models.orders import OrderStatus, PaymentMethod
from web.console import (
    actor_of,
    console_view,
    flash,
    gettext,
    page_number,
    problem_messages,
    query_without_page,
    redirect,
    refuse,
    render,
)
from web.coupon_labels import LABELS as COUPON_LABELS
from web.coupon_labels import N_

PAGE_SIZE = 20

LABELS: dict[str, str] = {
    **{kind: COUPON_LABELS[kind] for kind in ("COURSE", "BOOK", "FREE_PASS", "EXTENSION")},
    # seed 001 결제수단
    PaymentMethod.CARD: N_("Credit card"),
    PaymentMethod.BANK_TRANSFER: N_("Real-time bank transfer"),
    PaymentMethod.VIRTUAL_ACCOUNT: N_("Virtual account"),
    PaymentMethod.MOBILE: N_("Mobile phone"),
    PaymentMethod.FOREIGN_CARD: N_("Foreign card"),
    PaymentMethod.SHOP_ACCOUNT: N_("Deposit to shop account"),
    PaymentMethod.TRAINING_CARD: N_("Training card"),
    PaymentMethod.FREE: N_("Free"),
    # seed 001 상태 (orders and their items)
    OrderStatus.PAID: N_("Paid"),
    OrderStatus.AWAITING_DEPOSIT: N_("Awaiting deposit"),
    OrderStatus.CANCELLED: N_("Cancelled"),
    OrderStatus.PARTIALLY_REFUNDED: N_("Partially refunded"),
    OrderStatus.FULLY_REFUNDED: N_("Fully refunded"),
    "ORDERED": N_("Ordered"),
    "REFUNDED": N_("Refunded"),
    # shipments and refunds shown on the order page
    "WAITING": N_("Waiting"),
    "PREPARING": N_("Preparing"),
    "SHIPPED": N_("Shipped"),
    "DELIVERED": N_("Delivered"),
    "PURCHASE_CONFIRMED": N_("Purchase confirmed"),
    "REQUESTED": N_("Requested"),
    "COMPLETED": N_("Completed"),
    "REJECTED": N_("Rejected"),
    "SUCCEEDED": N_("Succeeded"),
    "ROLLED_BACK": N_("Rolled back"),
}
KEYWORD_FIELDS = [
    (orders.KeywordField.ALL, N_("- All -")),
    (orders.KeywordField.NUMBER, N_("Order number")),
    (orders.KeywordField.NAME, N_("Order name")),
    (orders.KeywordField.MEMBER_NAME, N_("Buyer name")),
    (orders.KeywordField.LOGIN_ID, N_("Login id")),
]


def order_filter_from(q) -> tuple[orders.OrderFilter, dict]:
    """The list's filters from the query string (or the export's form); bad values are ignored,
    and shown as such."""
    check = Checker()
    form = {key: str(q.get(key, "")) for key in ("ordered_from", "ordered_to", "paid_from", "paid_to", "temporary",
                                            "method", "status", "field", "q")}
    flt = orders.OrderFilter(
        ordered_from=check.iso_date("ordered_from", form["ordered_from"]),
        ordered_to=check.iso_date("ordered_to", form["ordered_to"]),
        paid_from=check.iso_date("paid_from", form["paid_from"]),
        paid_to=check.iso_date("paid_to", form["paid_to"]),
        include_temporary=form["temporary"] == "show",
        payment_method=check.choice("method", form["method"], PaymentMethod) if form["method"] else None,
        status=check.choice("status", form["status"], OrderStatus) if form["status"] else None,
        keyword=form["q"],
        keyword_field=(check.choice("field", form["field"], orders.KeywordField) if form["field"] else None)
        or orders.KeywordField.ALL,
    )
    form["invalid"] = {p.field for p in check.problems}
    return flt, form


def _choices() -> dict:
    return {"labels": LABELS, "methods": list(PaymentMethod), "statuses": list(OrderStatus),
            "keyword_fields": KEYWORD_FIELDS}


@console_view()
async def order_list(request: Request) -> Response:
    flt, form = order_filter_from(request.query_params)
    page = await orders.list_orders(actor_of(request), flt, PageRequest.for_page_number(page_number(request),
                                                                                         PAGE_SIZE))
    context = {"page": page, "form": form, "query": query_without_page(request), **_choices()}
    return render(request, "orders/list.html", context, block="results")


async def _order_context(request: Request) -> dict | None:
    actor = actor_of(request)
    try:
        order = await orders.get_order(actor, int(request.path_params["order_id"]))
    except Refused:
        return None
    parts = await orders.order_parts(actor, order)
    return {"order": order, "parts": parts, "money_problems": orders.money_problems(order),
            "can_refund": order.status in refunds.REFUNDABLE_STATUSES, **_choices()}


def _no_such_order(request: Request) -> Response:
    return refuse(request, "NOT_FOUND", 404, gettext(request, "No such order."))


@console_view()
async def order_detail(request: Request) -> Response:
    context = await _order_context(request)
    if context is None:
        return _no_such_order(request)
    return render(request, "orders/detail.html", context)


@console_view()
async def order_print(request: Request) -> Response:
    """A page of its own, without the console's frame, for the browser's print dialog (주문출력)."""
    context = await _order_context(request)
    if context is None:
        return _no_such_order(request)
    return render(request, "orders/print.html", context)


async def _act(request: Request, action, done_message: str) -> Response:
    order_id = int(request.path_params["order_id"])
    try:
        await action(actor_of(request), order_id)
    except Refused as refused:
        for message in problem_messages(request, refused).values():
            flash(request, message, "error")
    else:
        flash(request, gettext(request, done_message))
    return redirect(request, f"/admin/orders/{order_id}")


@console_view(change=True)
async def order_confirm_deposit(request: Request) -> Response:
    return await _act(request, orders.confirm_deposit, N_("The deposit is confirmed: the order is paid."))


@console_view(change=True)
async def order_cancel(request: Request) -> Response:
    return await _act(request, orders.cancel_order, N_("The order is cancelled."))


@console_view(change=True)
async def order_item_refund(request: Request) -> Response:
    """환불신청 on the member's behalf: the whole refundable amount of one item, to the refunds list."""
    item_id = int(request.path_params["item_id"])

    async def ask(actor, order_id):
        return await refunds.request_refund(actor, refunds.RefundInput(order_id=order_id, item_ids=[item_id]))

    return await _act(request, ask, N_("The refund is requested: see Refunds."))


@console_view(change=True)
async def order_export(request: Request) -> Response:
    flt, _ = order_filter_from(await request.form())
    job = await start_order_export(actor_of(request), flt)
    return render(request, "jobs/progress.html", {"job": job}, block="progress")
