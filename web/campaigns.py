"""The campaigns screen (SPEC 8, seeds 002 and 003): the list with status and next run, the editor
(channel, type, text with its SMS byte count live, coupon block, targets by segments, groups,
filters or members picked after a search, schedule, send settings) with the preview as the member
sees it, the operator's draft, a campaign's page (runs, statistics, a chart, performance), the
message credit and the compliance list.

The preview panel posts the whole editor on every change (debounced) and gets the rendered
message and byte count back; the hand-picked list is re-drawn by the server when a member is
added or removed. Everything a campaign means is decided in gql/resolvers/campaigns.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from gql.resolvers import campaign_stats, campaign_views, campaigns, message_credit
from gql.resolvers.campaigns import PreviewInput, TemplateInput
from gql.resolvers.errors import REASONS, Refused
from gql.resolvers.pagination import PageRequest
from gql.resolvers.segments import BUILTIN_GROUPS
from models.campaigns import Campaign, CampaignStatus, CreditKind
from models.members import Grade
from web.campaign_chart import run_chart
from web.campaign_form import blank_values, block_from_values, block_values, campaign_values, parse_campaign_form
from web.campaign_labels import LABELS
from web.console import (
    actor_of,
    console_view,
    flash,
    gettext,
    locale_of,
    page_number,
    problem_messages,
    query_without_page,
    redirect,
    refuse,
    render,
)

PAGE_SIZE = 20


def render_campaigns(request: Request, template: str, context: dict, **kwargs) -> Response:
    locale = locale_of(request)
    return render(request, template, {**LABELS, "reason_text": lambda code: _reason(code, locale), **context},
                  **kwargs)


def _reason(code: str, locale: str) -> str:
    english, korean = REASONS.get(code, (code, code))
    return korean if locale.startswith("ko") else english


async def campaign_from_path(request: Request) -> Campaign | None:
    try:
        return await campaigns.get_campaign(actor_of(request), int(request.path_params["campaign_id"]))
    except Refused:
        return None


def no_such_campaign(request: Request) -> Response:
    return refuse(request, "NOT_FOUND", 404, gettext(request, "No such campaign."))


# The list -------------------------------------------------------------------

@console_view()
async def campaign_list(request: Request) -> Response:
    q = request.query_params
    status = q.get("status", "")
    chosen = status if status in CampaignStatus.__members__ else None
    page = await campaigns.list_campaigns(actor_of(request), PageRequest.for_page_number(page_number(request),
                                                                                         PAGE_SIZE),
                                          chosen, q.get("q", ""))
    context = {"page": page, "form": {"q": q.get("q", ""), "status": status}, "statuses": list(CampaignStatus),
               "query": query_without_page(request), "balance": await campaign_stats.balance(actor_of(request))}
    return render_campaigns(request, "campaigns/list.html", context, block="results")


# The editor -----------------------------------------------------------------

async def _picked(request: Request, ids: list[str]) -> list:
    return await campaign_views.picked_members(actor_of(request), [int(i) for i in ids if i.isdigit()])


async def _editor_context(request: Request, values: dict) -> dict:
    choices = await campaign_views.editor_choices(actor_of(request))
    return {"values": values, "segments": choices.segments, "groups": list(BUILTIN_GROUPS), "grades": list(Grade),
            "download_coupons": choices.download_coupons, "picked": await _picked(request, values["member_ids"]),
            **await _preview_context(request, values)}


async def _editor_page(request: Request, campaign: Campaign | None, values: dict,
                       errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    errors = errors or {}
    context = {"campaign": campaign, "errors": errors,
               "target_errors": [m for name, m in errors.items() if name.startswith("targets")],
               "action": f"/admin/campaigns/{campaign.id}/edit" if campaign else "/admin/campaigns/new",
               **await _editor_context(request, values)}
    return render_campaigns(request, "campaigns/form.html", context, block="form", status_code=status_code)


async def _save(request: Request, campaign: Campaign | None,
                save: Callable[[campaigns.CampaignInput], Awaitable[Campaign]]) -> Response:
    parsed = parse_campaign_form(await request.form())
    problems = parsed.problems
    saved = None
    try:
        if not problems:
            saved = await save(parsed.data)
    except Refused as refused:
        problems = refused.problems
    if saved is None:
        return await _editor_page(request, campaign, parsed.values, problem_messages(request, Refused(*problems)),
                                  status_code=422)
    flash(request, gettext(request, "Campaign saved."))
    return redirect(request, f"/admin/campaigns/{saved.id}")


@console_view(change=True)
async def campaign_new(request: Request) -> Response:
    if request.method == "GET":
        values = blank_values()
        if request.query_params.get("draft"):
            draft = await campaigns.message_template(actor_of(request))
            if draft is not None:
                values.update(channel=str(draft.channel), text=draft.text)
                block_values(values, draft.coupon_block)
        return await _editor_page(request, None, values)
    return await _save(request, None, lambda data: campaigns.create_campaign(actor_of(request), data))


@console_view(change=True)
async def campaign_edit(request: Request) -> Response:
    campaign = await campaign_from_path(request)
    if campaign is None:
        return no_such_campaign(request)
    if not campaigns.is_changeable(campaign, await campaign_views.has_runs(actor_of(request), campaign.id)):
        return refuse(request, "CAMPAIGN_NOT_EDITABLE", 409)
    if request.method == "GET":
        return await _editor_page(request, campaign, campaign_values(campaign))
    return await _save(request, campaign,
                       lambda data: campaigns.update_campaign(actor_of(request), campaign.id, data))


async def _preview_context(request: Request, values: dict) -> dict:
    """The preview panel: the message as a sample member gets it, and its SMS byte count."""
    data = PreviewInput(message_type=values["message_type"], channel=values["channel"], text=values["text"],
                        subject=values["subject"], fallback_to_sms=values["fallback_to_sms"],
                        coupon_block=block_from_values(values) if values["with_coupon"] else None)
    try:
        return {"preview": await campaigns.preview_message(actor_of(request), data), "preview_error": ""}
    except Refused as refused:
        return {"preview": None, "preview_error": " ".join(problem_messages(request, refused).values())}


@console_view()
async def campaign_preview(request: Request) -> Response:
    """The live panel for the posted editor (on every keystroke, debounced)."""
    values = parse_campaign_form(await request.form()).values
    return render_campaigns(request, "campaigns/form.html", await _preview_context(request, values), block="preview")


@console_view()
async def member_search(request: Request) -> Response:
    """Members by name, last four digits or full phone, to pick by hand (phones masked)."""
    found = await campaigns.search_members(actor_of(request), request.query_params.get("q", ""))
    return render_campaigns(request, "campaigns/form.html",
                            {"found": found, "searched": request.query_params.get("q", "")}, block="search_results")


@console_view(change=True)
async def member_pick(request: Request) -> Response:
    """Add or remove one member of the hand-picked list and draw it again."""
    form = await request.form()
    ids = [str(v) for v in form.getlist("member_ids")]
    add, remove = str(form.get("add", "")), str(form.get("remove", ""))
    if add.isdigit() and add not in ids:
        ids.append(add)
    ids = [i for i in ids if i != remove]
    return render_campaigns(request, "campaigns/form.html", {"picked": await _picked(request, ids)}, block="picked")


@console_view(change=True)
async def template_save(request: Request) -> Response:
    """Keep the editor's message and coupon block as the operator's draft (overwriting the last one)."""
    parsed = parse_campaign_form(await request.form())
    data = TemplateInput(channel=parsed.values["channel"], text=parsed.values["text"],
                         coupon_block=parsed.data.coupon_block or {})
    try:
        await campaigns.save_message_template(actor_of(request), data)
    except Refused as refused:
        messages = problem_messages(request, refused)
        return render_campaigns(request, "campaigns/form.html", {"draft_errors": sorted(messages.items())},
                                block="draft_status", status_code=422)
    return render_campaigns(request, "campaigns/form.html", {"draft_saved": True}, block="draft_status")


# One campaign ----------------------------------------------------------------

@console_view()
async def campaign_detail(request: Request) -> Response:
    campaign = await campaign_from_path(request)
    if campaign is None:
        return no_such_campaign(request)
    actor = actor_of(request)
    stats = await campaign_stats.campaign_stats(actor, campaign.id)
    [whole] = await campaign_stats.performance(actor, campaign.id)
    per_run = {p.run_id: p for p in await campaign_stats.performance(actor, campaign.id, per_run=True)}
    context = {"campaign": campaign, "stats": stats, "chart": run_chart(stats.runs), "whole": whole,
               "per_run": per_run, "changeable": campaigns.is_changeable(campaign, bool(stats.runs)),
               "stoppable": campaign.schedule == "REPEAT" and campaign.status not in ("CANCELLED", "DONE"),
               "references": await campaign_views.campaign_references(actor, campaign)}
    return render_campaigns(request, "campaigns/detail.html", context)


@console_view(change=True)
async def campaign_cancel(request: Request) -> Response:
    campaign = await campaign_from_path(request)
    if campaign is None:
        return no_such_campaign(request)
    try:
        await campaigns.cancel_campaign(actor_of(request), campaign.id)
    except Refused as refused:
        return refuse(request, refused.problems[0].code, 409, " ".join(problem_messages(request, refused).values()))
    flash(request, gettext(request, "Campaign cancelled."))
    return redirect(request, f"/admin/campaigns/{campaign.id}")


# Credit and compliance ---------------------------------------------------------

@console_view()
async def credit_page(request: Request) -> Response:
    """The balance, a top-up (OWNER), spending per channel and the ledger."""
    actor = actor_of(request)
    errors: dict[str, str] = {}
    status_code = 200
    if request.method == "POST":
        form = await request.form()
        text = str(form.get("amount", "")).replace(",", "").strip()
        try:
            await message_credit.top_up_credit(actor, int(text) if text.isdigit() else 0, str(form.get("note", "")))
        except Refused as refused:
            if refused.problems[0].code in ("FORBIDDEN", "UNAUTHENTICATED"):
                return refuse(request, "FORBIDDEN", 403)
            errors, status_code = problem_messages(request, refused), 422
        else:
            flash(request, gettext(request, "Credit topped up."))
            return redirect(request, "/admin/campaigns/credit")
    page = await message_credit.credit_entries(actor, PageRequest.for_page_number(page_number(request), PAGE_SIZE))
    context = {"balance": await campaign_stats.balance(actor), "spending": await campaign_stats.spending_by_channel(
        actor), "page": page, "errors": errors, "credit_kinds": list(CreditKind),
        "query": query_without_page(request)}
    return render_campaigns(request, "campaigns/credit.html", context, status_code=status_code,
                            block="ledger" if request.method == "GET" else None)


@console_view()
async def compliance_page(request: Request) -> Response:
    actor = actor_of(request)
    kind = request.query_params.get("kind", "")
    page = await campaign_stats.compliance_events(actor, PageRequest.for_page_number(page_number(request), PAGE_SIZE),
                                                  kind)
    context = {"page": page, "kind": kind, "exclusions": await campaign_stats.exclusions(actor),
               "query": query_without_page(request),
               "campaign_names": await campaign_views.campaign_names(
                   actor, {e.campaign_id for e in page.items if e.campaign_id})}
    return render_campaigns(request, "campaigns/compliance.html", context, block="events")
