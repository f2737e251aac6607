"""The training-card orders screen (seed 001 근로자카드주문): enrolments filtered by course, cohort,
enrolment and order status, with resident and card numbers masked, and approving a selection."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from gql.resolvers import training
from gql.resolvers.catalog import ProductFilter, list_products
from gql.resolvers.errors import Refused
from gql.resolvers.pagination import MAX_PAGE_SIZE, PageRequest
from gql.resolvers.validation import Checker
from models.orders import OrderStatus
from models.training import EnrolmentStatus
from web.console import (
    actor_of,
    console_view,
    flash,
    gettext,
    page_number,
    problem_messages,
    query_without_page,
    redirect,
    render,
)
from web.coupon_labels import N_

PAGE_SIZE = 20
LABELS: dict[str, str] = {
    EnrolmentStatus.APPLIED: N_("Awaiting approval"),
    EnrolmentStatus.APPROVED: N_("Approved"),
    EnrolmentStatus.CANCELLED: N_("Enrolment cancelled"),
    OrderStatus.PAID: N_("Paid"),
    OrderStatus.AWAITING_DEPOSIT: N_("Awaiting deposit"),
    OrderStatus.CANCELLED: N_("Cancelled"),
    OrderStatus.PARTIALLY_REFUNDED: N_("Partially refunded"),
    OrderStatus.FULLY_REFUNDED: N_("Fully refunded"),
}


def enrolment_filter_from(q) -> tuple[training.EnrolmentFilter, dict]:
    check = Checker()
    form = {key: str(q.get(key, "")) for key in ("course_id", "cohort", "status", "order_status", "q", "awaiting")}
    year, _, round_ = form["cohort"].partition("/")
    flt = training.EnrolmentFilter(
        course_id=int(form["course_id"]) if form["course_id"].isdigit() else None,
        cohort_year=int(year) if year.isdigit() else None, cohort_round=int(round_) if round_.isdigit() else None,
        status=check.choice("status", form["status"], EnrolmentStatus) if form["status"] else None,
        order_status=check.choice("order_status", form["order_status"], OrderStatus) if form["order_status"] else None,
        search=form["q"], awaiting_approval=form["awaiting"] == "1")
    form["invalid"] = {p.field for p in check.problems}
    return flt, form


async def _list_context(request: Request) -> dict:
    actor = actor_of(request)
    flt, form = enrolment_filter_from(request.query_params)
    page = await training.list_enrolments(actor, flt, PageRequest.for_page_number(page_number(request), PAGE_SIZE))
    courses = (await list_products(actor, ProductFilter(), PageRequest(first=MAX_PAGE_SIZE))).items
    return {"page": page, "form": form, "courses": [c for c in courses if c.training_card_eligible],
            "cohorts": await training.cohorts(actor, flt.course_id), "query": query_without_page(request),
            "labels": LABELS, "statuses": list(EnrolmentStatus), "order_statuses": list(OrderStatus),
            "masked_resident": training.masked_resident_number, "masked_card": training.masked_card_number}


@console_view()
async def enrolment_list(request: Request) -> Response:
    return render(request, "training/list.html", await _list_context(request), block="results")


@console_view(change=True)
async def enrolment_approve(request: Request) -> Response:
    """선택 수강승인: the checked rows that wait are approved; the list comes back as it was filtered."""
    form = await request.form()
    ids = [int(v) for v in form.getlist("ids") if str(v).isdigit()]
    try:
        approved = await training.approve_enrolments(actor_of(request), ids)
    except Refused as refused:
        for message in problem_messages(request, refused).values():
            flash(request, message, "error")
    else:
        flash(request, gettext(request, "Enrolments approved: %(count)s.") % {"count": len(approved)})
    back = str(form.get("back") or "")
    url = "/admin/training" + (f"?{back}" if back and not back.startswith(("/", "http")) else "")
    return redirect(request, url)
