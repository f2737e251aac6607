"""Gift cards by code (SPEC 9): look a card up (balance, uses, validity and its redemption history),
take an amount off it at the counter, send it by e-mail, and the shop's redemption history with
failures and their reasons.

The lookup panel is one block of giftcards/lookup.html; the list page and every campaign's page
load it into their `#lookup-result`, and the actions in it answer with the panel again.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from gql.resolvers import giftcard_mail, giftcards
from gql.resolvers.errors import Refused
from gql.resolvers.pagination import PageRequest
from models.giftcards import GiftCard
from web.console import actor_of, console_view, gettext, page_number, problem_messages, query_without_page
from web.form_fields import whole_number
from web.giftcards import render_giftcards

# Raised by a redemption (HX-Trigger): a campaign's page reloads its balance, cards and redemptions.
CARDS_CHANGED = "cards-changed"
HISTORY_SIZE = 20
PAGE_SIZE = 50
TEMPLATE = "giftcards/lookup.html"


async def _panel_context(request: Request, code: str) -> dict:
    """The card with this code and its latest redemptions, or why there is none."""
    context: dict = {"code": code, "card": None}
    if not code.strip():
        return context
    try:
        card = await giftcards.lookup_card(actor_of(request), code)
    except Refused as refused:
        context["lookup_error"] = " ".join(problem_messages(request, refused).values())
        return context
    return {**context, **await _card_context(request, card)}


async def _card_context(request: Request, card: GiftCard) -> dict:
    history = await giftcards.list_redemptions(actor_of(request), card.id, False, PageRequest(first=HISTORY_SIZE))
    return {"code": card.code, "card": card, "history": history}


def _panel(request: Request, context: dict, status_code: int = 200) -> Response:
    return render_giftcards(request, TEMPLATE, context, block="lookup_result", status_code=status_code)


def _with_event(response: Response) -> Response:
    response.headers["HX-Trigger"] = CARDS_CHANGED
    return response


@console_view()
async def card_lookup(request: Request) -> Response:
    return _panel(request, await _panel_context(request, request.query_params.get("code", "")))


@console_view(change=True)
async def card_redeem(request: Request) -> Response:
    """A counter redemption: the amount comes off the card, or the refusal is shown (and recorded
    by the resolver as a failed redemption, with its reason)."""
    form = await request.form()
    code = str(form.get("code", ""))
    problems: list = []
    amount = whole_number(problems, "amount", str(form.get("amount", "")), "INVALID_AMOUNT", 0)
    try:
        if problems:
            raise Refused(*problems)
        await giftcards.redeem_at_counter(actor_of(request), code, amount)
    except Refused as refused:
        context = {**await _panel_context(request, code),
                   "redeem_error": " ".join(problem_messages(request, refused).values())}
        return _with_event(_panel(request, context, 422))  # the failure is in the history now
    context = await _panel_context(request, code)
    context["redeem_notice"] = gettext(request, "%(amount)s taken off the card.") % {"amount": f"{amount:,}원"}
    return _with_event(_panel(request, context))


@console_view(change=True)
async def card_send(request: Request) -> Response:
    """E-mail the card (code, balance, validity and its QR code) to a customer."""
    form = await request.form()
    card_id = int(request.path_params["card_id"])
    try:
        card = await giftcard_mail.send_gift_card(actor_of(request), card_id, str(form.get("email", "")),
                                                  str(form.get("message", "")))
    except Refused as refused:
        code = str(form.get("code", ""))
        context = {**await _panel_context(request, code),
                   "send_error": " ".join(problem_messages(request, refused).values()),
                   "send_values": {"email": form.get("email", ""), "message": form.get("message", "")}}
        return _panel(request, context, 422)
    context = await _panel_context(request, card.code)
    context["send_notice"] = gettext(request, "The gift card was sent by e-mail.")
    return _panel(request, context)


@console_view()
async def redemption_list(request: Request) -> Response:
    """The shop's failed redemptions, newest first, with their reasons (including codes that match
    no card, which no campaign's page shows); `show=all`: every attempt."""
    show = "all" if request.query_params.get("show") == "all" else "failed"
    page = await giftcards.list_redemptions(actor_of(request), None, show == "failed",
                                            PageRequest.for_page_number(page_number(request), PAGE_SIZE))
    context = {"redemptions": page, "redemptions_form": {"show": show}, "query": query_without_page(request)}
    return render_giftcards(request, "giftcards/redemptions.html", context, block="results")
