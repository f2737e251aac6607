"""The refunds screen (seed 001 환불관리): the filtered list as a fragment, one refund with the
advisory deduction estimate, completing with an amount or rejecting with a reason, the export."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from gql.resolvers import refunds
from gql.resolvers.catalog import ProductFilter, list_products
from gql.resolvers.errors import Refused
from gql.resolvers.pagination import MAX_PAGE_SIZE, PageRequest
from gql.resolvers.refund_export import start_refund_export
from gql.resolvers.validation import Checker
from kupon.privacy import mask_card_number
from models.catalog import ProductKind
from models.refunds import RefundStatus
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
# Until the catalogue knows how long a course runs, the estimate starts from a year (the operator edits it).
DEFAULT_COURSE_DAYS = 365

LABELS: dict[str, str] = {
    **{kind: COUPON_LABELS[kind] for kind in ProductKind},
    RefundStatus.REQUESTED: N_("Refund requested"),
    RefundStatus.COMPLETED: N_("Refund completed"),
    RefundStatus.REJECTED: N_("Refund rejected"),
    refunds.RefundKind.PARTIAL: N_("Partial refund"),
    refunds.RefundKind.FULL: N_("Full refund"),
    "CARD_CANCEL": N_("Card cancellation"),
    "BANK_TRANSFER": N_("Bank transfer"),
    "PAID": N_("Paid"),
    "AWAITING_DEPOSIT": N_("Awaiting deposit"),
    "CANCELLED": N_("Cancelled"),
    "PARTIALLY_REFUNDED": N_("Partially refunded"),
    "FULLY_REFUNDED": N_("Fully refunded"),
    "ORDERED": N_("Ordered"),
    "REFUNDED": N_("Refunded"),
}


def refund_filter_from(q) -> tuple[refunds.RefundFilter, dict]:
    """The list's filters from the query string (or the export's form); bad values are ignored and marked."""
    check = Checker()
    form = {key: str(q.get(key, "")) for key in ("product_id", "requested_from", "requested_to", "kind",
                                                 "product_kind", "status", "q")}
    flt = refunds.RefundFilter(
        product_id=int(form["product_id"]) if form["product_id"].isdigit() else None,
        requested_from=check.iso_date("requested_from", form["requested_from"]),
        requested_to=check.iso_date("requested_to", form["requested_to"]),
        kind=check.choice("kind", form["kind"], refunds.RefundKind) if form["kind"] else None,
        product_kind=check.choice("product_kind", form["product_kind"], ProductKind) if form["product_kind"] else None,
        status=check.choice("status", form["status"], RefundStatus) if form["status"] else None,
        search=form["q"])
    form["invalid"] = {p.field for p in check.problems}
    return flt, form


def _choices() -> dict:
    return {"labels": LABELS, "kinds": list(refunds.RefundKind), "product_kinds": list(ProductKind),
            "statuses": list(RefundStatus), "refund_kind": refunds.refund_kind}


@console_view()
async def refund_list(request: Request) -> Response:
    actor = actor_of(request)
    flt, form = refund_filter_from(request.query_params)
    page = await refunds.list_refunds(actor, flt, PageRequest.for_page_number(page_number(request), PAGE_SIZE))
    products = (await list_products(actor, ProductFilter(), PageRequest(first=MAX_PAGE_SIZE))).items
    context = {"page": page, "form": form, "products": products, "query": query_without_page(request), **_choices()}
    return render(request, "refunds/list.html", context, block="results")


@console_view(change=True)
async def refund_export(request: Request) -> Response:
    flt, _ = refund_filter_from(await request.form())
    job = await start_refund_export(actor_of(request), flt)
    return render(request, "jobs/progress.html", {"job": job}, block="progress")


def _int(value, default: int) -> int:
    text = str(value or "").replace(",", "").strip()
    return int(text) if text.isdigit() else default


def _estimate_context(refund, items, q) -> dict:
    """The estimate from the form's numbers, defaulting to days since payment of a year-long course."""
    fee = sum(item.paid_amount for item in items)
    elapsed = _int(q.get("elapsed_days"), refunds.elapsed_days(refund.order.paid_at))
    values = {"fee": _int(q.get("fee"), fee), "elapsed_days": elapsed,
              "total_days": _int(q.get("total_days"), max(DEFAULT_COURSE_DAYS, elapsed)),
              "progress_done": _int(q.get("progress_done"), 0), "progress_total": _int(q.get("progress_total"), 0)}
    try:
        estimate, estimate_errors = refunds.estimate_refund_deduction(**values), {}
    except Refused as refused:
        estimate, estimate_errors = None, {p.field: p.code for p in refused.problems}
    return {"estimate": estimate, "estimate_values": values, "estimate_errors": estimate_errors}


async def _detail_context(request: Request) -> dict | None:
    try:
        refund = await refunds.get_refund(actor_of(request), int(request.path_params["refund_id"]))
    except Refused:
        return None
    items = await refunds.request_items(refund)
    refundable = await refunds.refundable_of(refund) if refund.status == RefundStatus.REQUESTED else 0
    # Bank accounts in full for operators who handle refunds; the last 4 digits for VIEWERs.
    account = refund.account_number or ""
    if not actor_of(request).can_change_shop:
        account = mask_card_number(account)
    return {"refund": refund, "order": refund.order, "items": items, "refundable": refundable,
            "account_number": account,
            "kind": refunds.refund_kind(refund, refund.order.paid_amount), "errors": {}, "values": {},
            **_estimate_context(refund, items, request.query_params), **_choices()}


def _no_such_refund(request: Request) -> Response:
    return refuse(request, "NOT_FOUND", 404, gettext(request, "No such refund."))


@console_view()
async def refund_detail(request: Request) -> Response:
    context = await _detail_context(request)
    if context is None:
        return _no_such_refund(request)
    return render(request, "refunds/detail.html", context)


@console_view()
async def refund_estimate(request: Request) -> Response:
    """The estimate block again, for the numbers the operator typed."""
    context = await _detail_context(request)
    if context is None:
        return _no_such_refund(request)
    return render(request, "refunds/detail.html", context, block="estimate")


async def _decide(request: Request, decide) -> Response:
    form = await request.form()
    context = await _detail_context(request)
    if context is None:
        return _no_such_refund(request)
    refund = context["refund"]
    try:
        await decide(actor_of(request), refund.id, form)
    except Refused as refused:
        context.update(errors=problem_messages(request, refused), values={k: str(v) for k, v in form.items()})
        return render(request, "refunds/detail.html", context, block="decision", status_code=422)
    return redirect(request, f"/admin/refunds/{refund.id}")


@console_view(change=True)
async def refund_complete(request: Request) -> Response:
    async def complete(actor, refund_id, form):
        text = str(form.get("amount", "")).replace(",", "").replace("원", "").strip()
        if not text.isdigit():
            raise Refused.because("INVALID_AMOUNT", "amount")
        await refunds.complete_refund(actor, refund_id, int(text), str(form.get("memo", "")),
                                      notify=form.get("notify") == "on")
        flash(request, gettext(request, "The refund is completed."))

    return await _decide(request, complete)


@console_view(change=True)
async def refund_reject(request: Request) -> Response:
    async def reject(actor, refund_id, form):
        await refunds.reject_refund(actor, refund_id, str(form.get("reason", "")), str(form.get("memo", "")),
                                    notify=form.get("notify") == "on")
        flash(request, gettext(request, "The refund is rejected."))

    return await _decide(request, reject)
