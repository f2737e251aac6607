"""Creating a legacy coupon's target (seed 000, "이전 대상 스마트 쿠폰 생성"): the smart coupon form
pre-filled from the legacy coupon (`legacy.coupon_prefill`), and for a paper coupon then the serial
code form pre-filled (`legacy.serial_prefill`). The operator may change anything; saving creates
and links the target in one call (`create_target_coupon` / `create_target_serial`).

The forms are the coupon and serial screens' own (web/coupons.py, web/serials.py), with their
checks and inline errors; only the URL, the heading and a notice differ.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from gql.resolvers import legacy
from gql.resolvers.coupons import CouponInput
from gql.resolvers.serials import SerialInput
from models.legacy import LegacyCoupon, PaperMethod
from web.console import actor_of, console_view, gettext, refuse
from web.coupons import coupon_form_elsewhere
from web.legacy import legacy_from_path, no_such_legacy
from web.serials import serial_form_elsewhere

BACK = "/admin/migration"


def _not_now(request: Request, coupon: LegacyCoupon, wanted: legacy.SmartCouponAction) -> Response | None:
    """The form only while the search table offers its button: a migrated, requested, ineligible
    coupon, or one whose target exists, gets the table's word for it instead."""
    action = legacy.smart_coupon_action(coupon)
    if action == wanted:
        return None
    message = gettext(request, "This legacy coupon's smart coupon cannot be created now.")
    return refuse(request, "LEGACY_TARGET_LOCKED", 409, message)


def _page(request: Request, coupon: LegacyCoupon, heading: str, notice: str) -> dict:
    return {"heading": f"{heading}: {coupon.name} ({coupon.number})", "form_notice": notice,
            "back_url": BACK, "back_label": gettext(request, "Legacy coupon migration")}


@console_view(change=True)
async def target_coupon(request: Request) -> Response:
    """쿠폰 생성: name, description, issue, use and display periods, every channel, MANUAL issue."""
    coupon = await legacy_from_path(request)
    if coupon is None:
        return no_such_legacy(request)
    if refused := _not_now(request, coupon, legacy.SmartCouponAction.CREATE_COUPON):
        return refused

    async def save(data: CouponInput):
        return await legacy.create_target_coupon(actor_of(request), coupon.id, data)

    notice = gettext(request, "Filled in from the legacy coupon. The history moves even if you change anything "
                              "here; the coupon is always issued manually (the migration issues it).")
    return await coupon_form_elsewhere(
        request, legacy.coupon_prefill(coupon), save, action=f"{BACK}/{coupon.id}/coupon",
        extra=_page(request, coupon, gettext(request, "Create the target smart coupon"), notice), done=BACK)


@console_view(change=True)
async def target_serial(request: Request) -> Response:
    """시리얼 생성 (paper coupons, after their smart coupon): same serial -> FIXED with its code,
    random serials -> RANDOM whose codes are the printed paper serials themselves."""
    coupon = await legacy_from_path(request)
    if coupon is None:
        return no_such_legacy(request)
    if refused := _not_now(request, coupon, legacy.SmartCouponAction.CREATE_SERIAL):
        return refused

    async def save(data: SerialInput):
        return await legacy.create_target_serial(actor_of(request), coupon.id, data)

    codes = await legacy.paper_serials(coupon.id)
    if coupon.paper_method == PaperMethod.RANDOM_SERIALS:
        kept = gettext(request, "Random codes: its %(count)s codes are the printed paper serials themselves.") % {
            "count": len(codes)}
    else:
        kept = gettext(request, "Fixed code: the paper coupon's one serial, typed in.")
    notice = " ".join([kept, gettext(request, "Changing the serial type can make unregistered paper serials "
                                              "unusable.")])
    return await serial_form_elsewhere(
        request, legacy.serial_prefill(coupon, codes), save, action=f"{BACK}/{coupon.id}/serial",
        extra=_page(request, coupon, gettext(request, "Create the target serial code"), notice), done=BACK)
