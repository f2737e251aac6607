"""The members screen: a filtered list (updated as a fragment), detail, edit, export."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from gql.resolvers import audit, members, wallet
from gql.resolvers.catalog import list_sites
from gql.resolvers.errors import Refused
from gql.resolvers.member_export import start_member_export
from gql.resolvers.pagination import PageRequest
from gql.resolvers.validation import Checker
from models.coupons import MemberCouponStatus
from models.members import Grade
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
from web.coupons import render_coupons

PAGE_SIZE = 20
COUPONS_PAGE_SIZE = 20


def member_filter_from_query(request: Request) -> tuple[members.MemberFilter, dict]:
    """The list's filters from the query string; bad values are ignored, and shown as such."""
    q = request.query_params
    check = Checker()
    site_id = q.get("site_id", "")
    grade = q.get("grade", "")
    active = q.get("active", "")
    flt = members.MemberFilter(
        search=q.get("q", ""),
        site_id=int(site_id) if site_id.isdigit() else None,
        grade=check.choice("grade", grade, Grade) if grade else None,
        is_active={"yes": True, "no": False}.get(active),
        signed_up_from=check.iso_date("signed_up_from", q.get("from", "")),
        signed_up_to=check.iso_date("signed_up_to", q.get("to", "")),
    )
    form = {"q": flt.search, "site_id": site_id, "grade": grade, "active": active,
            "from": q.get("from", ""), "to": q.get("to", ""),
            "invalid": {p.field for p in check.problems}}
    return flt, form


@console_view()
async def member_list(request: Request) -> Response:
    actor = actor_of(request)
    flt, form = member_filter_from_query(request)
    page = await members.list_members(actor, flt, PageRequest.for_page_number(page_number(request), PAGE_SIZE))
    context = {"page": page, "form": form, "sites": await list_sites(actor), "grades": list(Grade),
               "query": query_without_page(request)}
    return render(request, "members/list.html", context, block="results")


@console_view()
async def member_detail(request: Request) -> Response:
    actor = actor_of(request)
    try:
        member = await members.get_member(actor, int(request.path_params["member_id"]))
    except Refused:
        return refuse(request, "NOT_FOUND", 404, gettext(request, "No such member."))
    history = await audit.list_audit_entries(
        actor, audit.AuditFilter(entity_type="Member", entity_id=str(member.id)), PageRequest(first=10)
    )
    await member.fetch_related("site")
    context = {"member": member, "member_id": member.id, "history": history.items,
               **await _coupons_context(request, member.id)}
    return render_coupons(request, "members/detail.html", context)


async def _coupons_context(request: Request, member_id: int) -> dict:
    """The member's coupons, newest first, filtered by the `coupon_status` query parameter."""
    value = request.query_params.get("coupon_status", "")
    status = MemberCouponStatus(value) if value in MemberCouponStatus.__members__ else None
    page = PageRequest.for_page_number(page_number(request), COUPONS_PAGE_SIZE)
    return {"coupons": await wallet.coupons_of_member(actor_of(request), member_id, status, page),
            "coupon_status": value if status else "", "coupon_statuses": list(MemberCouponStatus)}


@console_view()
async def member_coupon_list(request: Request) -> Response:
    """The coupons section of the member page, reloaded by its filter, its pages and after a revoke."""
    member_id = int(request.path_params["member_id"])
    if not is_fragment_request(request):
        return redirect(request, f"/admin/members/{member_id}")
    context = {"member_id": member_id, **await _coupons_context(request, member_id)}
    return render_coupons(request, "members/detail.html", context, block="coupons")


@console_view(change=True)
async def member_edit(request: Request) -> Response:
    actor = actor_of(request)
    member_id = int(request.path_params["member_id"])
    try:
        member = await members.get_member(actor, member_id)
    except Refused:
        return refuse(request, "NOT_FOUND", 404, gettext(request, "No such member."))
    values = {"name": member.name, "phone": member.phone, "email": member.email, "grade": member.grade.value,
              "birthday": member.birthday.isoformat() if member.birthday else "", "is_active": member.is_active}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = await request.form()
        values = {key: str(form.get(key, "")) for key in ("name", "phone", "email", "grade", "birthday")}
        values["is_active"] = form.get("is_active") == "on"
        changes = members.MemberChanges(**{**values, "birthday": values["birthday"] or None})
        try:
            await members.update_member(actor, member_id, changes)
        except Refused as refused:
            errors = problem_messages(request, refused)
        else:
            flash(request, gettext(request, "Member saved."))
            return redirect(request, f"/admin/members/{member_id}")
    return render(request, "members/edit.html",
                  {"member": member, "values": values, "errors": errors, "grades": list(Grade)},
                  block="form", status_code=422 if errors else 200)


@console_view(change=True)
async def member_export(request: Request) -> Response:
    flt, _ = member_filter_from_query(request)
    job = await start_member_export(actor_of(request), flt)
    return render(request, "jobs/progress.html", {"job": job}, block="progress")
