"""The gift cards screen (SPEC 9, seed 004): campaigns, the new-campaign form, and one campaign's
page: its definition and balance (loaded, spent, remaining), the progress of the job that makes
its cards, "add cards", disabling the campaign or one card, the card list, and its failed
redemptions.

Looking a card up by code, counter redemptions and the redemption history are in
web/giftcard_lookup.py. When a generation job ends, its progress answer raises `job-done`
(web/jobs.py) and the card list and the balance reload themselves on it.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from gql.resolvers import giftcards, jobs
from gql.resolvers.errors import REASONS, Problem, Refused
from gql.resolvers.pagination import PageRequest
from models.giftcards import GiftCardCampaign, GiftCardStatus
from web.code_labels import LABELS
from web.console import (
    actor_of,
    console_view,
    flash,
    gettext,
    is_fragment_request,
    locale_of,
    page_number,
    problem_messages,
    query_without_page,
    redirect,
    refuse,
    render,
)
from web.giftcard_form import NEW_CAMPAIGN, parse_campaign_form
from web.jobs import progress_context, start_more
from web.serials import code_shown_to

PAGE_SIZE = 20
CARDS_PAGE_SIZE = 50
REDEMPTIONS_PAGE_SIZE = 20
TEMPLATE = "giftcards/detail.html"
FORM_FIELDS = {"name", "value", "count", "code_prefix", "code_pattern", "code_length", "valid_from", "valid_to",
               "uses_mode", "max_uses"}


def render_giftcards(request: Request, template: str, context: dict, **kwargs) -> Response:
    """`render` with the labels every gift card template uses, and reason codes in words."""
    locale = locale_of(request)

    def reason_text(code: str) -> str:
        return Problem(code).message_in(locale) if code in REASONS else code

    return render(request, template, {"labels": LABELS, "reason_text": reason_text,
                                      "shown_code": code_shown_to(request), **context}, **kwargs)


async def campaign_from_path(request: Request) -> GiftCardCampaign | None:
    try:
        return await giftcards.get_campaign(actor_of(request), int(request.path_params["campaign_id"]))
    except Refused:
        return None


def no_such_campaign(request: Request) -> Response:
    return refuse(request, "NOT_FOUND", 404, gettext(request, "No such gift card campaign."))


# The list and the new-campaign form ---------------------------------------------

@console_view()
async def campaign_list(request: Request) -> Response:
    search = request.query_params.get("q", "")
    page = await giftcards.list_campaigns(actor_of(request), search,
                                          PageRequest.for_page_number(page_number(request), PAGE_SIZE))
    context = {"page": page, "form": {"q": search}, "query": query_without_page(request)}
    return render_giftcards(request, "giftcards/list.html", context, block="results")


def _form_page(request: Request, values: dict, errors: dict[str, str] | None = None,
               status_code: int = 200) -> Response:
    errors = errors or {}
    context = {"values": values, "errors": errors,
               "general_errors": [message for name, message in errors.items() if name not in FORM_FIELDS]}
    return render_giftcards(request, "giftcards/form.html", context, block="form", status_code=status_code)


@console_view(change=True)
async def campaign_new(request: Request) -> Response:
    """The campaign is saved at once; its cards are made by a job, shown on the campaign's page."""
    if request.method == "GET":
        return _form_page(request, dict(NEW_CAMPAIGN))
    parsed = parse_campaign_form(await request.form())
    problems = list(parsed.problems)
    campaign = None
    try:
        if problems:  # still list the resolver's own problems, so the operator sees them all at once
            giftcards.check_campaign_input(parsed.data)
        else:
            campaign = await giftcards.create_campaign(actor_of(request), parsed.data)
    except Refused as refused:
        problems = refused.problems + problems  # what could not be read wins over what follows from it
    if campaign is None:
        return _form_page(request, parsed.values, problem_messages(request, Refused(*problems)), 422)
    flash(request, gettext(request, "Gift card campaign saved."))
    return redirect(request, f"/admin/giftcards/{campaign.id}")


# One campaign --------------------------------------------------------------------

def _page(request: Request, size: int) -> PageRequest:
    return PageRequest.for_page_number(page_number(request), size)


async def _generation_context(request: Request, campaign: GiftCardCampaign) -> dict:
    job = await jobs.latest_job_for(actor_of(request), giftcards.GENERATE_JOB, campaign.id, since=campaign.created_at)
    return await progress_context(job) if job else {"job": None}


async def _cards_context(request: Request, campaign: GiftCardCampaign) -> dict:
    search = request.query_params.get("card_q", "")
    cards = await giftcards.list_cards(actor_of(request), campaign.id, search, _page(request, CARDS_PAGE_SIZE))
    return {"cards": cards, "cards_form": {"card_q": search}}


async def _redemptions_context(request: Request, campaign: GiftCardCampaign) -> dict:
    """The campaign's redemptions: failures only unless `show=all`."""
    show = "all" if request.query_params.get("show") == "all" else "failed"
    page = await giftcards.list_redemptions(actor_of(request), None, show == "failed",
                                            _page(request, REDEMPTIONS_PAGE_SIZE), campaign_id=campaign.id)
    return {"redemptions": page, "redemptions_form": {"show": show}}


async def _detail_context(request: Request, campaign: GiftCardCampaign) -> dict:
    return {"campaign": campaign, "balance": await giftcards.campaign_balance(campaign.id),
            **await _generation_context(request, campaign), **await _cards_context(request, campaign),
            **await _redemptions_context(request, campaign)}


async def _section(request: Request, campaign: GiftCardCampaign, block: str, context: dict,
                   status_code: int = 200) -> Response:
    """A section's block for htmx; a plain request gets the whole page instead."""
    if not is_fragment_request(request):
        context = {**await _detail_context(request, campaign), **context}
    return render_giftcards(request, TEMPLATE, {"campaign": campaign, **context}, block=block,
                            status_code=status_code)


@console_view()
async def campaign_detail(request: Request) -> Response:
    campaign = await campaign_from_path(request)
    if campaign is None:
        return no_such_campaign(request)
    return render_giftcards(request, TEMPLATE, await _detail_context(request, campaign))


@console_view()
async def campaign_balance(request: Request) -> Response:
    campaign = await campaign_from_path(request)
    if campaign is None:
        return no_such_campaign(request)
    return await _section(request, campaign, "balance", {"balance": await giftcards.campaign_balance(campaign.id)})


@console_view()
async def card_list(request: Request) -> Response:
    campaign = await campaign_from_path(request)
    if campaign is None:
        return no_such_campaign(request)
    return await _section(request, campaign, "cards", await _cards_context(request, campaign))


@console_view()
async def campaign_redemptions(request: Request) -> Response:
    campaign = await campaign_from_path(request)
    if campaign is None:
        return no_such_campaign(request)
    return await _section(request, campaign, "redemptions", await _redemptions_context(request, campaign))


@console_view(change=True)
async def cards_add(request: Request) -> Response:
    """More cards for a running campaign: starts a job and answers with its progress bar."""
    campaign = await campaign_from_path(request)
    if campaign is None:
        return no_such_campaign(request)
    return await start_more(
        request, lambda n: giftcards.add_cards(actor_of(request), campaign.id, n),
        lambda block, context, status=200: _section(request, campaign, block, context, status),
        lambda: _generation_context(request, campaign),
        gettext(request, "%(count)s more cards are being made."), f"/admin/giftcards/{campaign.id}")


@console_view(change=True)
async def campaign_status(request: Request) -> Response:
    """Disable the whole campaign (no card of it can be used) or enable it again."""
    campaign = await campaign_from_path(request)
    if campaign is None:
        return no_such_campaign(request)
    status = str((await request.form()).get("status", ""))
    try:
        campaign = await giftcards.set_campaign_status(actor_of(request), campaign.id, status)
    except Refused as refused:
        return refuse(request, refused.codes[0], 422)
    flash(request, gettext(request, "The campaign is disabled.") if campaign.status == GiftCardStatus.DISABLED
          else gettext(request, "The campaign is active again."))
    return redirect(request, f"/admin/giftcards/{campaign.id}")


@console_view(change=True)
async def card_status(request: Request) -> Response:
    """Disable one card or enable it again; htmx gets the card's row back. (The card is found by
    its id, as in GraphQL's setGiftCardStatus; the campaign in the path only names the page.)"""
    campaign = await campaign_from_path(request)
    if campaign is None:
        return no_such_campaign(request)
    status = str((await request.form()).get("status", ""))
    try:
        card = await giftcards.set_card_status(actor_of(request), int(request.path_params["card_id"]), status)
    except Refused as refused:
        return refuse(request, refused.codes[0], 404 if "NOT_FOUND" in refused.codes else 422)
    if not is_fragment_request(request):
        flash(request, gettext(request, "Card status changed."))
        return redirect(request, f"/admin/giftcards/{card.campaign_id}")
    return render_giftcards(request, TEMPLATE, {"campaign": campaign, "card": card}, block="card_row")
