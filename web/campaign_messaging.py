"""Two campaign pages for the advertising rules (issue 9, item 4).

Message settings: every operator sees the shop name, the 080 number, the night-time ban on
e-mail, the prices and rate limits and the public address; the OWNER changes them (every bad field
shown inline, audited by the resolver).

080 opt-out call: an operator who took a call to the 080 number finds the member (name, last four
digits or full phone, the campaigns' member search), chooses the channel (or all three) and records
it; the consent is withdrawn at once and the member told (gql/resolvers/opt_out.py). The page then
shows what happened, and lists recent opt-outs with masked phones.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from gql.resolvers import campaigns, opt_out
from gql.resolvers.errors import Refused
from gql.resolvers.messaging_settings import PRICED_CHANNELS, PROVIDERS, messaging_settings, update_messaging_settings
from gql.resolvers.pagination import PageRequest
from web.campaigns import render_campaigns
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
)
from web.coupon_labels import N_

PAGE_SIZE = 20
LABELS = {
    "price_labels": {"SMS": N_("SMS (up to 90 bytes)"), "LMS": N_("LMS (up to 2,000 bytes)"),
                     "ALIMTALK": N_("Kakao alimtalk"), "FRIENDTALK": N_("Kakao friendtalk"), "EMAIL": N_("E-mail")},
    "provider_labels": {"SMS": N_("SMS/LMS gateway"), "KAKAO": N_("Kakao gateway"), "EMAIL": N_("E-mail server")},
    "opt_out_labels": {"SMS": N_("SMS"), "KAKAO": N_("KakaoTalk"), "EMAIL": N_("E-mail"), "ALL": N_("All channels")},
    "via_labels": {"CALL_080": N_("080 call"), "LINK": N_("Unsubscribe link")},
    "confirmation_labels": {
        "SENT": N_("The member was told the result."),
        "QUEUED": N_("The result message to the member is queued and goes out in a moment."),
        "FAILED": N_("The result message to the member failed; see the campaign's history."),
        "NO_CONTACT": N_("The member has no contact on this channel, so no result message could be sent."),
        "NOT_NEEDED": N_("There was no consent to withdraw on this channel (never given or already withdrawn), "
                          "so the member was not messaged.")},
}


def _render(request: Request, template: str, context: dict, **kwargs) -> Response:
    return render_campaigns(request, f"campaigns/{template}", {**LABELS, **context}, **kwargs)


# Message settings -----------------------------------------------------------------

def _number(text: str) -> int | str:
    """The typed number, or the text as it was (the resolver refuses it with its reason)."""
    cleaned = text.replace(",", "").strip()
    try:
        return int(cleaned)
    except ValueError:
        return text


def _posted_changes(form) -> dict:
    return {"shop_name": str(form.get("shop_name", "")), "opt_out_number": str(form.get("opt_out_number", "")),
            "night_ban_email": form.get("night_ban_email") == "on", "public_url": str(form.get("public_url", "")),
            "prices": {c: _number(str(form.get(f"prices.{c}", ""))) for c in PRICED_CHANNELS},
            "rate_limits": {p: _number(str(form.get(f"rate_limits.{p}", ""))) for p in PROVIDERS}}


def _values(settings) -> dict:
    """The form's values: the stored settings, or what was posted."""
    if isinstance(settings, dict):
        return settings
    return {"shop_name": settings.shop_name, "opt_out_number": settings.opt_out_number,
            "night_ban_email": settings.night_ban_email, "public_url": settings.public_url,
            "prices": {c: settings.price(c) for c in PRICED_CHANNELS},
            "rate_limits": {p: settings.rate_limits[p] for p in PROVIDERS}}


@console_view()
async def settings_page(request: Request) -> Response:
    actor = actor_of(request)
    errors: dict[str, str] = {}
    status_code = 200
    values = _values(await messaging_settings(actor))
    if request.method == "POST":
        changes = _posted_changes(await request.form())
        try:
            await update_messaging_settings(actor, changes)
        except Refused as refused:
            if refused.problems[0].code in ("FORBIDDEN", "UNAUTHENTICATED"):
                return refuse(request, "FORBIDDEN", 403)
            errors, status_code, values = problem_messages(request, refused), 422, changes
        else:
            flash(request, gettext(request, "Message settings saved."))
            return redirect(request, "/admin/campaigns/settings")
    context = {"values": values, "errors": errors, "priced_channels": PRICED_CHANNELS, "providers": PROVIDERS}
    return _render(request, "settings.html", context, status_code=status_code)


# 080 opt-out calls -------------------------------------------------------------------

def _ids(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.isdigit()][:3]


@console_view()
async def opt_out_page(request: Request) -> Response:
    """The form (operators who can change the shop), the last recording's result, the recent opt-outs."""
    actor = actor_of(request)
    q = request.query_params
    searched = q.get("q", "").strip()
    page = await opt_out.recent_opt_outs(actor, PageRequest.for_page_number(page_number(request), PAGE_SIZE))
    context = {"page": page, "query": query_without_page(request), "searched": searched, "errors": {},
               "found": await campaigns.search_members(actor, searched) if searched else [],
               "results": await opt_out.opt_out_results(actor, _ids(q.get("recorded", ""))), "chosen": {}}
    return _render(request, "opt_out.html", context, block="recent")


@console_view()
async def opt_out_members(request: Request) -> Response:
    """The search results as the operator types (htmx)."""
    searched = request.query_params.get("q", "").strip()
    found = await campaigns.search_members(actor_of(request), searched) if searched else []
    return _render(request, "opt_out.html", {"found": found, "searched": searched, "chosen": {}}, block="found")


@console_view(change=True)
async def opt_out_record(request: Request) -> Response:
    form = await request.form()
    member_id, channel = str(form.get("member_id", "")), str(form.get("channel", ""))
    channels = ["SMS", "KAKAO", "EMAIL"] if channel == "ALL" else [channel]
    recorded = []
    try:
        if not member_id.isdigit():
            raise Refused.because("REQUIRED", "member_id")
        for one in channels:
            recorded.append(await opt_out.record_opt_out(
                actor_of(request), int(member_id), one, "CALL_080"))
    except Refused as refused:
        actor = actor_of(request)
        searched = str(form.get("q", "")).strip()
        context = {"errors": problem_messages(request, refused), "searched": searched, "results": [],
                   "found": await campaigns.search_members(actor, searched) if searched else [],
                   "chosen": {"member_id": member_id, "channel": channel}, "query": "",
                   "page": await opt_out.recent_opt_outs(actor, PageRequest.for_page_number(1, PAGE_SIZE))}
        return _render(request, "opt_out.html", context, status_code=422)
    flash(request, gettext(request, "Opt-out recorded: the consent is withdrawn."))
    return redirect(request, "/admin/campaigns/opt-out?recorded=" + ",".join(str(o.id) for o in recorded))
