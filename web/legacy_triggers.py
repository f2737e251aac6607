"""The old system's automatic-issue settings (seed 000 "마이그레이션 작업 완료 후 자동발급 쿠폰 적용"):
every imported setting with its legacy coupon, and the kupon triggers carried over from migrated
coupons that point at nothing, each with "re-point" (choose a smart coupon). Until re-pointed they
issue nothing, and the page says so (gql/resolvers/legacy_triggers.py `trigger_notice`).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from gql.resolvers import coupons, legacy_triggers
from gql.resolvers.coupons import CouponFilter
from gql.resolvers.errors import Refused
from gql.resolvers.pagination import MAX_PAGE_SIZE, PageRequest
from web.console import (
    actor_of,
    console_view,
    flash,
    gettext,
    is_fragment_request,
    locale_of,
    problem_messages,
    redirect,
)
from web.legacy import render_legacy

TEMPLATE = "legacy/triggers.html"
PAGE = "/admin/migration/triggers"


async def _context(request: Request, **extra) -> dict:
    actor = actor_of(request)
    listed = (await coupons.list_coupons(actor, CouponFilter(), PageRequest(first=MAX_PAGE_SIZE))).items
    locale = locale_of(request)
    return {"imported": await legacy_triggers.imported_triggers(actor),
            "pending": await legacy_triggers.pending_triggers(actor),
            "choices": [c for c in listed if c.issue_method in legacy_triggers.REPOINTABLE],
            "notice_of": lambda t: (code := legacy_triggers.trigger_notice(t)) and Refused.because(
                code).problems[0].message_in(locale), **extra}


@console_view()
async def trigger_list(request: Request) -> Response:
    return render_legacy(request, TEMPLATE, await _context(request))


@console_view(change=True)
async def trigger_repoint(request: Request) -> Response:
    """Point a carried-over trigger at a smart coupon; it issues that coupon from then on."""
    form = await request.form()
    coupon_id = str(form.get("coupon_id", ""))
    trigger_id = int(request.path_params["trigger_id"])
    try:
        await legacy_triggers.repoint_trigger(actor_of(request), trigger_id,
                                              int(coupon_id) if coupon_id.isdigit() else 0)
    except Refused as refused:
        message = " ".join(problem_messages(request, refused).values())
        if not is_fragment_request(request):
            flash(request, message, "error")
            return redirect(request, PAGE)
        return render_legacy(request, TEMPLATE, await _context(request, errors={trigger_id: message}),
                             block="triggers", status_code=422)
    message = gettext(request, "The setting now issues the chosen smart coupon.")
    if not is_fragment_request(request):
        flash(request, message)
        return redirect(request, PAGE)
    return render_legacy(request, TEMPLATE, await _context(request, repointed=message), block="triggers")
