"""The coupons screen: the list with filters and inline status toggles, the definition form
(new and edit share it), copy, and the global "coupons usable in checkout" switch.

The detail page and its sections (issuing, member coupons, codes, triggers) are in
web/coupon_detail.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from gql.resolvers import coupons, wallet
from gql.resolvers.catalog import ProductFilter, list_categories, list_products, list_sites
from gql.resolvers.coupons import CouponFilter, CouponInput
from gql.resolvers.errors import Refused
from gql.resolvers.pagination import MAX_PAGE_SIZE, PageRequest
from gql.resolvers.segment_audience import coupon_audience, set_coupon_audience
from gql.resolvers.shop_settings import coupons_enabled, set_coupons_enabled
from gql.resolvers.validation import Checker
from models.catalog import ProductKind
from models.coupons import (
    BenefitKind,
    Channel,
    CodeMode,
    Coupon,
    CouponStatus,
    CouponType,
    IssueMethod,
    TargetScope,
)
from web.console import (
    actor_of,
    console_view,
    flash,
    gettext,
    is_fragment_request,
    page_number,
    problem_messages,
    query_without_page,
    redirect,
    refuse,
    render,
)
from web.coupon_form import NEW_COUPON, form_values, parse_coupon_form
from web.coupon_labels import LABELS, WEEKDAYS
from web.segment_audience import FIELD as AUDIENCE_FIELD
from web.segment_audience import audience_choices, chosen_values, read_audience

PAGE_SIZE = 20
FORM_FIELDS = set(CouponInput.__dataclass_fields__) | {AUDIENCE_FIELD}
# List filters: query parameter -> the enum its value must name.
ENUM_FILTERS = {"type": CouponType, "benefit": BenefitKind, "issue_method": IssueMethod, "channel": Channel,
                "issue_status": CouponStatus, "use_status": CouponStatus}
# Everything the coupon templates name: labels and the choices of each enum.
CHOICES = {"labels": LABELS, "weekdays": WEEKDAYS, "types": list(CouponType), "benefits": list(BenefitKind),
           "methods": list(IssueMethod), "channels": list(Channel), "statuses": list(CouponStatus),
           "channel_choices": [(channel.value, LABELS[channel]) for channel in Channel],
           "code_modes": list(CodeMode), "scopes": list(TargetScope), "product_kinds": list(ProductKind),
           "period_status": coupons.period_status, "effective_status": wallet.effective_status}


def render_coupons(request: Request, template: str, context: dict, **kwargs) -> Response:
    """`render` with the labels and choices every coupon template uses."""
    return render(request, template, {**CHOICES, **context}, **kwargs)


def safe_next(value, default: str) -> str:
    """Where a plain form goes back to: only a console path, never another site."""
    value = str(value or "")
    return value if value.startswith("/admin/") and not value.startswith("//") else default


async def coupon_from_path(request: Request) -> Coupon | None:
    try:
        return await coupons.get_coupon(actor_of(request), int(request.path_params["coupon_id"]))
    except Refused:
        return None


def no_such_coupon(request: Request) -> Response:
    return refuse(request, "NOT_FOUND", 404, gettext(request, "No such coupon."))


async def site_names(request: Request) -> dict[int, str]:
    return {site.id: site.name for site in await list_sites(actor_of(request))}


# The list ---------------------------------------------------------------------

def coupon_filter_from_query(request: Request) -> tuple[CouponFilter, dict]:
    """The list's filters from the query string; a bad value is ignored and marked on the form."""
    q = request.query_params
    check = Checker()
    chosen = {name: check.choice(name, q[name], enum) if q.get(name) else None for name, enum in ENUM_FILTERS.items()}
    site_id = q.get("site_id", "")
    flt = CouponFilter(search=q.get("q", ""), site_id=int(site_id) if site_id.isdigit() else None, **chosen)
    form = {name: q.get(name, "") for name in ["q", "site_id", *ENUM_FILTERS]}
    form["invalid"] = {p.field for p in check.problems}
    return flt, form


@console_view()
async def coupon_list(request: Request) -> Response:
    actor = actor_of(request)
    flt, form = coupon_filter_from_query(request)
    page = await coupons.list_coupons(actor, flt, PageRequest.for_page_number(page_number(request), PAGE_SIZE))
    sites = await list_sites(actor)
    context = {"page": page, "form": form, "sites": sites, "site_names": {s.id: s.name for s in sites},
               "query": query_without_page(request), "enabled": await coupons_enabled()}
    return render_coupons(request, "coupons/list.html", context, block="results")


@console_view(change=True)
async def coupon_status(request: Request) -> Response:
    """The inline toggles of the list (and the status buttons of the detail page)."""
    form = await request.form()
    coupon_id = int(request.path_params["coupon_id"])
    try:
        coupon = await coupons.set_coupon_status(actor_of(request), coupon_id,
                                                 issue_status=form.get("issue_status") or None,
                                                 use_status=form.get("use_status") or None)
    except Refused as refused:
        return refuse(request, refused.codes[0], 404 if "NOT_FOUND" in refused.codes else 422)
    if not is_fragment_request(request):
        flash(request, gettext(request, "Coupon status changed."))
        return redirect(request, safe_next(form.get("next"), f"/admin/coupons/{coupon_id}"))
    return render_coupons(request, "coupons/list.html", {"c": coupon, "site_names": await site_names(request)},
                          block="row")


@console_view(change=True)
async def coupons_switch(request: Request) -> Response:
    """SPEC 1: the shop-wide "coupons usable in checkout" switch."""
    form = await request.form()
    try:
        enabled = await set_coupons_enabled(actor_of(request), form.get("enabled") == "on")
    except Refused as refused:  # MIGRATION_RUNNING: a legacy migration keeps coupons off until it ends
        message = " ".join(problem_messages(request, refused).values())
        if not is_fragment_request(request):
            flash(request, message, "error")
            return redirect(request, "/admin/coupons")
        return render_coupons(request, "coupons/list.html", {"enabled": await coupons_enabled(),
                                                             "switch_error": message}, block="switch",
                              status_code=409)
    if not is_fragment_request(request):
        flash(request, gettext(request, "Coupons can be used in checkout.") if enabled
              else gettext(request, "Coupons cannot be used in checkout now."))
        return redirect(request, "/admin/coupons")
    return render_coupons(request, "coupons/list.html", {"enabled": enabled}, block="switch")


# New, edit, copy ----------------------------------------------------------------

async def _form_page(request: Request, coupon: Coupon | None, values: dict, errors: dict[str, str] | None = None,
                     status_code: int = 200, *, action: str | None = None, extra: dict | None = None) -> Response:
    actor = actor_of(request)
    products = (await list_products(actor, ProductFilter(), PageRequest(first=MAX_PAGE_SIZE))).items
    # A chosen product past the first page of the catalogue still shows (and stays chosen).
    listed = {str(p.id) for p in products}
    missing = [int(i) for i in values["target_product_ids"] if i not in listed and i.isdigit()]
    products += (await coupons.coupon_targets(actor, [], missing))[1]
    errors = errors or {}
    values.setdefault(AUDIENCE_FIELD, [])
    context = {"coupon": coupon, "values": values, "errors": errors, "sites": await list_sites(actor),
               "audience_segments": await audience_choices(actor),
               "categories": await list_categories(actor), "products": products,
               "general_errors": [message for name, message in errors.items() if name not in FORM_FIELDS],
               "action": action or (f"/admin/coupons/{coupon.id}/edit" if coupon else "/admin/coupons/new"),
               **(extra or {})}
    return render_coupons(request, "coupons/form.html", context, block="form", status_code=status_code)


async def _save(request: Request, coupon: Coupon | None, save: Callable[[CouponInput], Awaitable[Coupon]], *,
                page: dict | None = None, done: str | None = None) -> Response:
    """Read the form, save through the resolver, or show every problem next to its field (422).
    `page`: `_form_page`'s action and extra context; `done`: where to go after saving."""
    form = await request.form()
    parsed = parse_coupon_form(form)
    audience, audience_problems = await read_audience(form, parsed.values)
    problems = [*parsed.problems, *audience_problems]
    saved = None
    try:
        if problems:  # still list the resolver's own problems, so the operator sees them all at once
            await coupons.clean_coupon_input(parsed.data)
        else:
            saved = await save(parsed.data)
    except Refused as refused:
        problems = refused.problems + problems  # what could not be read wins over what follows from it
    if saved is None:
        errors = problem_messages(request, Refused(*problems))
        return await _form_page(request, coupon, parsed.values, errors, status_code=422, **(page or {}))
    await set_coupon_audience(actor_of(request), saved.id, audience)
    flash(request, gettext(request, "Coupon saved."))
    return redirect(request, done or f"/admin/coupons/{saved.id}")


async def coupon_form_elsewhere(request: Request, prefill: CouponInput,
                                save: Callable[[CouponInput], Awaitable[Coupon]], *, action: str, extra: dict,
                                done: str) -> Response:
    """The coupon form on another screen's URL (a legacy coupon's target, web/legacy_targets.py):
    pre-filled, the same fields and checks, its own heading and notice (`extra`), `save` instead of create."""
    page = {"action": action, "extra": extra}
    if request.method == "GET":
        return await _form_page(request, None, form_values(prefill), **page)
    return await _save(request, None, save, page=page, done=done)


@console_view(change=True)
async def coupon_new(request: Request) -> Response:
    if request.method == "GET":
        return await _form_page(request, None, form_values(NEW_COUPON))
    return await _save(request, None, lambda data: coupons.create_coupon(actor_of(request), data))


@console_view(change=True)
async def coupon_edit(request: Request) -> Response:
    coupon = await coupon_from_path(request)
    if coupon is None:
        return no_such_coupon(request)
    if request.method == "GET":
        values = form_values(coupons.input_from_coupon(coupon))
        values[AUDIENCE_FIELD] = chosen_values(await coupon_audience(actor_of(request), coupon.id))
        return await _form_page(request, coupon, values)
    return await _save(request, coupon, lambda data: coupons.update_coupon(actor_of(request), coupon.id, data))


@console_view(change=True)
async def coupon_copy(request: Request) -> Response:
    """The copy waits (not issued, not usable) until the operator has looked at it: open its form."""
    try:
        copy = await coupons.copy_coupon(actor_of(request), int(request.path_params["coupon_id"]))
    except Refused as refused:
        return refuse(request, refused.codes[0], 404 if "NOT_FOUND" in refused.codes else 422)
    flash(request, gettext(request, "Coupon copied. Check the copy before activating it."))
    return redirect(request, f"/admin/coupons/{copy.id}/edit")
