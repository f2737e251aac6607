"""One coupon's page: its definition and counts, and the sections that act on it: issuing to
chosen members (MANUAL), the member coupons with revoke, codes (CODE) and events (AUTO).

Each section is a block of coupons/detail.html that htmx reloads on its own. An action
that changes member coupons answers with the `member-coupons-changed` event (HX-Trigger),
and every list of member coupons on the page (and the counts) reloads itself on it, so no
action needs to know which lists are showing.
"""

from __future__ import annotations

from markupsafe import escape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from gql.resolvers import coupon_codes, coupon_issuing, coupons, legacy_run, members, wallet
from gql.resolvers.coupon_codes import CodeFilter
from gql.resolvers.errors import Refused
from gql.resolvers.pagination import PageRequest
from gql.resolvers.segment_audience import coupon_audience
from models.coupons import CodeMode, Coupon, IssueMethod, MemberCouponStatus, TriggerEvent
from web.console import (
    actor_of,
    console_view,
    flash,
    gettext,
    is_fragment_request,
    page_number,
    problem_messages,
    redirect,
    refuse,
)
from web.coupons import coupon_from_path, no_such_coupon, render_coupons, safe_next, site_names

MEMBER_COUPONS_CHANGED = "member-coupons-changed"
SECTION_PAGE_SIZE = 20
MEMBER_PICKS = 20
TEMPLATE = "coupons/detail.html"


def _status(request: Request) -> MemberCouponStatus | None:
    value = request.query_params.get("status", "")
    return MemberCouponStatus(value) if value in MemberCouponStatus.__members__ else None


def _code_filter(request: Request) -> CodeFilter:
    used = {"yes": True, "no": False}.get(request.query_params.get("used", ""))
    return CodeFilter(used=used, search=request.query_params.get("code_q", ""))


def _page(request: Request) -> PageRequest:
    return PageRequest.for_page_number(page_number(request), SECTION_PAGE_SIZE)


async def _member_picks(request: Request, coupon: Coupon, search: str):
    """Members to choose from: those of the coupon's own site (others would be refused)."""
    flt = members.MemberFilter(search=search, site_id=coupon.site_id)
    return (await members.list_members(actor_of(request), flt, PageRequest(first=MEMBER_PICKS))).items


def _with_event(response: Response) -> Response:
    response.headers["HX-Trigger"] = MEMBER_COUPONS_CHANGED
    return response


async def _section_context(request: Request, coupon: Coupon) -> dict:
    """Everything the full page shows, with each section's filters taken from the query string."""
    actor = actor_of(request)
    categories, products = await coupons.coupon_targets(actor, coupon.target_category_ids,
                                                        coupon.target_product_ids)
    context = {"coupon": coupon, "site_names": await site_names(request),
               "target_categories": categories, "target_products": products,
               "stats": await wallet.coupon_stats(actor, coupon.id),
               "holders": await wallet.holders_of_coupon(actor, coupon.id, _status(request), _page(request)),
               "holders_status": request.query_params.get("status", ""),
               "migration_banner": await legacy_run.migration_banner(coupon.id),
               "audience": await coupon_audience(actor, coupon.id)}
    if coupon.issue_method == IssueMethod.MANUAL:
        member_q = request.query_params.get("member_q", "")
        context |= {"member_q": member_q,
                    "picks": await _member_picks(request, coupon, member_q) if member_q else []}
    if coupon.issue_method == IssueMethod.CODE:
        context |= await _codes_context(request, coupon)
    if coupon.issue_method == IssueMethod.AUTO:
        context |= await _triggers_context(request, coupon)
    return context


@console_view()
async def coupon_detail(request: Request) -> Response:
    coupon = await coupon_from_path(request)
    if coupon is None:
        return no_such_coupon(request)
    return render_coupons(request, TEMPLATE, await _section_context(request, coupon))


async def _section(request: Request, block: str, context: dict, status_code: int = 200) -> Response:
    """A section's block for htmx; a plain request gets the whole page instead."""
    if not is_fragment_request(request):
        context = {**await _section_context(request, context["coupon"]), **context}
    return render_coupons(request, TEMPLATE, context, block=block, status_code=status_code)


@console_view()
async def coupon_stats(request: Request) -> Response:
    coupon = await coupon_from_path(request)
    if coupon is None:
        return no_such_coupon(request)
    return await _section(request, "stats", {"coupon": coupon,
                                             "stats": await wallet.coupon_stats(actor_of(request), coupon.id)})


# Member coupons -------------------------------------------------------------------

@console_view()
async def coupon_holders(request: Request) -> Response:
    coupon = await coupon_from_path(request)
    if coupon is None:
        return no_such_coupon(request)
    holders = await wallet.holders_of_coupon(actor_of(request), coupon.id, _status(request), _page(request))
    return await _section(request, "holders", {"coupon": coupon, "holders": holders,
                                               "holders_status": request.query_params.get("status", "")})


@console_view(change=True)
async def member_coupon_revoke(request: Request) -> Response:
    """Used on the coupon page and the member page alike: htmx gets a notice and the
    member-coupons-changed event; a plain form goes back to where it came from."""
    form = await request.form()
    try:
        await coupon_issuing.revoke_member_coupon(actor_of(request), int(request.path_params["member_coupon_id"]))
    except Refused as refused:
        return refuse(request, refused.codes[0], 404 if "NOT_FOUND" in refused.codes else 409)
    message = gettext(request, "The coupon was taken back.")
    if not is_fragment_request(request):
        flash(request, message)
        return redirect(request, safe_next(form.get("next"), "/admin/coupons"))
    return _with_event(HTMLResponse(f'<div class="flash success" role="status">{escape(message)}</div>'))


# Issuing to chosen members (MANUAL) --------------------------------------------------------

@console_view(change=True)
async def member_search(request: Request) -> Response:
    coupon = await coupon_from_path(request)
    if coupon is None:
        return no_such_coupon(request)
    member_q = request.query_params.get("member_q", "")
    return await _section(request, "member_picks", {"coupon": coupon, "member_q": member_q,
                                                    "picks": await _member_picks(request, coupon, member_q)})


@console_view(change=True)
async def coupon_issue(request: Request) -> Response:
    """Issue to the chosen members; each refusal is listed with the member and the reason."""
    coupon = await coupon_from_path(request)
    if coupon is None:
        return no_such_coupon(request)
    form = await request.form()
    member_ids = [int(v) for v in form.getlist("member_ids") if str(v).isdigit()]
    if not member_ids:
        message = gettext(request, "Choose at least one member.")
        return await _section(request, "issue_result", {"coupon": coupon, "issue_error": message}, 422)
    try:
        report = await coupon_issuing.issue_manually(actor_of(request), coupon.id, member_ids)
    except Refused as refused:
        return await _section(request, "issue_result", {
            "coupon": coupon, "issue_error": " ".join(problem_messages(request, refused).values())}, 422)
    reasons = problem_messages(request, Refused(*coupon_issuing.problems_for(report))) if report.refused else {}
    refusals = [(await _member_label(request, member_id), reasons[f"member:{member_id}"])
                for member_id in report.refused]
    return _with_event(await _section(request, "issue_result", {
        "coupon": coupon, "issued_count": len(report.issued), "refusals": refusals}))


async def _member_label(request: Request, member_id: int) -> str:
    try:
        member = await members.get_member(actor_of(request), member_id)
    except Refused:
        return f"#{member_id}"
    return f"{member.name} ({member.login_id})"


# Codes (CODE) ---------------------------------------------------------------------------

async def _codes_context(request: Request, coupon: Coupon) -> dict:
    actor = actor_of(request)
    context = {"codes": await coupon_codes.list_codes(actor, coupon.id, _code_filter(request), _page(request)),
               "codes_form": {"used": request.query_params.get("used", ""),
                              "code_q": request.query_params.get("code_q", "")}}
    if coupon.code_mode == CodeMode.SHARED:  # its one code, shown in the summary
        first = await coupon_codes.list_codes(actor, coupon.id, CodeFilter(), PageRequest(first=1))
        context["shared_code"] = first.items[0].code if first.items else ""
    return context


@console_view()
async def code_list(request: Request) -> Response:
    coupon = await coupon_from_path(request)
    if coupon is None:
        return no_such_coupon(request)
    return await _section(request, "codes", {"coupon": coupon, **await _codes_context(request, coupon)})


@console_view(change=True)
async def code_generate(request: Request) -> Response:
    """More individual codes; the code list comes back with a notice of how many."""
    coupon = await coupon_from_path(request)
    if coupon is None:
        return no_such_coupon(request)
    count = str((await request.form()).get("count", "")).strip()
    context: dict = {"coupon": coupon}
    try:
        created = await coupon_codes.generate_individual_codes(actor_of(request), coupon.id,
                                                              int(count) if count.isdigit() else 0)
    except Refused as refused:
        context["codes_error"] = " ".join(problem_messages(request, refused).values())
    else:
        context["codes_notice"] = gettext(request, "%(count)s codes were added.") % {"count": f"{created:,}"}
    context |= await _codes_context(request, coupon)
    return await _section(request, "codes", context, 422 if "codes_error" in context else 200)


async def _give_context(request: Request, coupon: Coupon, member_q: str) -> dict | None:
    try:
        code = await coupon_codes.get_code(actor_of(request), coupon.id, int(request.path_params["code_id"]))
    except Refused:
        return None
    return {"coupon": coupon, "code": code, "member_q": member_q,
            "picks": await _member_picks(request, coupon, member_q)}


@console_view(change=True)
async def code_give(request: Request) -> Response:
    """GET: the panel to pick a member (searching as one types); POST: give the code to them."""
    coupon = await coupon_from_path(request)
    if coupon is None:
        return no_such_coupon(request)
    if request.method == "GET":
        context = await _give_context(request, coupon, request.query_params.get("member_q", ""))
        if context is None:
            return refuse(request, "NOT_FOUND", 404)
        return await _section(request, "give_panel", context)
    form = await request.form()
    context = await _give_context(request, coupon, str(form.get("member_q", "")))
    if context is None:
        return refuse(request, "NOT_FOUND", 404)
    member_id = str(form.get("member_id", ""))
    try:
        given = await coupon_codes.give_code(actor_of(request), context["code"].id,
                                             int(member_id) if member_id.isdigit() else 0)
    except Refused as refused:
        context["give_error"] = " ".join(problem_messages(request, refused).values())
        return await _section(request, "give_panel", context, 422)
    context["given_to"] = await _member_label(request, given.member_id)
    return _with_event(await _section(request, "give_panel", context))


# Events (AUTO) ---------------------------------------------------------------------------

async def _triggers_context(request: Request, coupon: Coupon) -> dict:
    triggers = await coupon_issuing.triggers_of_coupon(actor_of(request), coupon.id)
    wired = {t.event for t in triggers}
    return {"triggers": triggers, "free_events": [e for e in TriggerEvent if e not in wired]}


@console_view(change=True)
async def trigger_set(request: Request) -> Response:
    """Wire an event to the coupon (active=on) or switch a wired one off (active=off)."""
    coupon = await coupon_from_path(request)
    if coupon is None:
        return no_such_coupon(request)
    form = await request.form()
    context: dict = {"coupon": coupon}
    try:
        await coupon_issuing.set_trigger(actor_of(request), str(form.get("event", "")), coupon.id,
                                         active=form.get("active", "on") == "on")
    except Refused as refused:
        context["triggers_error"] = " ".join(problem_messages(request, refused).values())
    context |= await _triggers_context(request, coupon)
    return await _section(request, "triggers", context, 422 if "triggers_error" in context else 200)
