"""The serial codes screen (SPEC 2, seed 000): the campaign list with filters, the definition form
(new and edit share it), and one campaign's page: its definition, the progress of the job that
makes its RANDOM codes, "add N codes", and the code list.

RANDOM codes are made by a background job (a million take a while). The campaign's page shows
the newest such job's progress bar, polled by htmx (web/jobs.py); when the job ends, the
progress answer raises `job-done` and the code list reloads itself on it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from gql.resolvers import coupons, jobs, serials
from gql.resolvers.catalog import list_sites
from gql.resolvers.coupons import CouponFilter
from gql.resolvers.errors import Refused
from gql.resolvers.pagination import MAX_PAGE_SIZE, PageRequest
from gql.resolvers.segment_audience import serial_audience, set_serial_audience
from gql.resolvers.serials import SerialInput
from gql.resolvers.validation import Checker
from kupon.privacy import mask_code
from models.coupons import Channel
from models.members import Grade
from models.serials import SerialCampaign, SerialStatus, SerialType
from web.code_labels import LABELS
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
from web.jobs import progress_context, start_more
from web.segment_audience import FIELD as AUDIENCE_FIELD
from web.segment_audience import audience_choices, chosen_values, read_audience
from web.serial_form import NEW_SERIAL, form_values, locked_values, parse_serial_form

PAGE_SIZE = 20
CODES_PAGE_SIZE = 50
FORM_FIELDS = {*SerialInput.__dataclass_fields__, AUDIENCE_FIELD, "quantity_mode", "duplicate_mode", "fixed_mode",
               "register_unlimited"}
ENUM_FILTERS = {"type": SerialType, "status": SerialStatus}
CHOICES = {"labels": LABELS, "types": list(SerialType), "statuses": list(SerialStatus),
           "channels": list(Channel), "grades": list(Grade)}


def render_serials(request: Request, template: str, context: dict, **kwargs) -> Response:
    """`render` with the labels and choices every serial template uses."""
    return render(request, template, {**CHOICES, "shown_code": code_shown_to(request), **context}, **kwargs)


def code_shown_to(request: Request) -> Callable[[str], str]:
    """Codes are bearer secrets: shown whole to operators who may change the shop, masked (last 4)
    to the others, as GraphQL shows them."""
    if actor_of(request).can_change_shop:
        return lambda code: code
    return mask_code


async def campaign_from_path(request: Request) -> SerialCampaign | None:
    try:
        return await serials.get_serial_campaign(actor_of(request), int(request.path_params["campaign_id"]))
    except Refused:
        return None


def no_such_campaign(request: Request) -> Response:
    return refuse(request, "NOT_FOUND", 404, gettext(request, "No such serial code campaign."))


async def site_names(request: Request) -> dict[int, str]:
    return {site.id: site.name for site in await list_sites(actor_of(request))}


# The list ---------------------------------------------------------------------

@console_view()
async def serial_list(request: Request) -> Response:
    q = request.query_params
    check = Checker()
    chosen = {name: check.choice(name, q[name], enum) if q.get(name) else None for name, enum in ENUM_FILTERS.items()}
    form = {name: q.get(name, "") for name in ["q", *ENUM_FILTERS]}
    form["invalid"] = {p.field for p in check.problems}
    actor = actor_of(request)
    page = await serials.list_serial_campaigns(actor, q.get("q", ""),
                                               PageRequest.for_page_number(page_number(request), PAGE_SIZE),
                                               serial_type=chosen["type"], status=chosen["status"])
    ids = [c.id for c in page.items]
    rewards = dict(zip(ids, await serials.rewards_of(ids), strict=True)) if ids else {}
    context = {"page": page, "form": form, "rewards": rewards, "site_names": await site_names(request),
               "query": query_without_page(request)}
    return render_serials(request, "serials/list.html", context, block="results")


# New and edit -------------------------------------------------------------------

async def input_from_campaign(request: Request, campaign: SerialCampaign) -> SerialInput:
    """The campaign as the form's input; a FIXED campaign's code is shown as if typed in."""
    rewards = (await serials.rewards_of([campaign.id]))[0]
    fixed_code = ""
    if campaign.type == SerialType.FIXED:
        first = await serials.list_serial_codes(actor_of(request), campaign.id, None, PageRequest(first=1))
        fixed_code = first.items[0].code if first.items else ""
    return SerialInput(
        name=campaign.name, type=campaign.type.value, rewards=[(r.coupon_id, r.quantity) for r in rewards],
        site_id=campaign.site_id, channels=campaign.channel_list, register_from=campaign.register_from,
        register_to=campaign.register_to, member_grades=list(campaign.member_grades or []),
        quantity_limit=campaign.quantity_limit, per_member_limit=campaign.per_member_limit, fixed_code=fixed_code,
        code_prefix=campaign.code_prefix, code_pattern=campaign.code_pattern, code_length=campaign.code_length,
        status=campaign.status.value)


async def _reward_coupons(request: Request, values: dict) -> list:
    """Coupons to choose rewards from: the newest ones, and any already chosen further down the list."""
    actor = actor_of(request)
    listed = (await coupons.list_coupons(actor, CouponFilter(), PageRequest(first=MAX_PAGE_SIZE))).items
    known = {str(c.id) for c in listed}
    for coupon_id, _ in values["rewards"]:
        if coupon_id.isdigit() and coupon_id not in known:
            try:
                listed.append(await coupons.get_coupon(actor, int(coupon_id)))
            except Refused:
                continue  # a coupon that no longer exists: the row shows no choice, and saving says so
            known.add(coupon_id)
    return listed


async def _form_page(request: Request, campaign: SerialCampaign | None, values: dict,
                     errors: dict[str, str] | None = None, status_code: int = 200, *, action: str | None = None,
                     extra: dict | None = None) -> Response:
    errors = errors or {}
    values.setdefault(AUDIENCE_FIELD, [])
    context = {"campaign": campaign, "values": values, "errors": errors,
               "audience_segments": await audience_choices(actor_of(request)),
               "sites": await list_sites(actor_of(request)), "coupons": await _reward_coupons(request, values),
               "general_errors": [message for name, message in errors.items() if name not in FORM_FIELDS],
               "action": action or (f"/admin/serials/{campaign.id}/edit" if campaign else "/admin/serials/new"),
               **(extra or {})}
    return render_serials(request, "serials/form.html", context, block="form", status_code=status_code)


async def _save(request: Request, campaign: SerialCampaign | None, locked: dict | None,
                save: Callable[[SerialInput], Awaitable[SerialCampaign]], *, page: dict | None = None,
                done: str | None = None) -> Response:
    """Read the form, save through the resolver, or show every problem next to its field (422).
    `page`: `_form_page`'s action and extra context; `done`: where to go after saving."""
    form = await request.form()
    parsed = parse_serial_form(form, locked)
    audience, audience_problems = await read_audience(form, parsed.values)
    saved = None
    problems = [*parsed.problems, *audience_problems]
    try:
        if problems:  # still list the resolver's own problems, so the operator sees them all at once
            await serials.check_serial_input(parsed.data, campaign.id if campaign else None)
        else:
            saved = await save(parsed.data)
    except Refused as refused:
        problems = refused.problems + problems  # what could not be read wins over what follows from it
    if saved is None:
        return await _form_page(request, campaign, parsed.values, problem_messages(request, Refused(*problems)),
                                status_code=422, **(page or {}))
    await set_serial_audience(actor_of(request), saved.id, audience)
    flash(request, gettext(request, "Serial code campaign saved."))
    return redirect(request, done or f"/admin/serials/{saved.id}")


async def serial_form_elsewhere(request: Request, prefill: SerialInput,
                                save: Callable[[SerialInput], Awaitable[SerialCampaign]], *, action: str, extra: dict,
                                done: str) -> Response:
    """The serial code form on another screen's URL (a paper coupon's target, web/legacy_targets.py):
    pre-filled, the same fields and checks, its own heading and notice (`extra`), `save` instead of create."""
    page = {"action": action, "extra": extra}
    if request.method == "GET":
        return await _form_page(request, None, form_values(prefill), **page)
    return await _save(request, None, None, save, page=page, done=done)


@console_view(change=True)
async def serial_new(request: Request) -> Response:
    if request.method == "GET":
        return await _form_page(request, None, form_values(NEW_SERIAL))
    return await _save(request, None, None, lambda data: serials.create_serial_campaign(actor_of(request), data))


@console_view(change=True)
async def serial_edit(request: Request) -> Response:
    campaign = await campaign_from_path(request)
    if campaign is None:
        return no_such_campaign(request)
    current = form_values(await input_from_campaign(request, campaign))
    current[AUDIENCE_FIELD] = chosen_values(await serial_audience(actor_of(request), campaign.id))
    if request.method == "GET":
        return await _form_page(request, campaign, current)
    return await _save(request, campaign, locked_values(current),
                       lambda data: serials.update_serial_campaign(actor_of(request), campaign.id, data))


# One campaign -------------------------------------------------------------------

def _used_filter(request: Request) -> bool | None:
    return {"yes": True, "no": False}.get(request.query_params.get("used", ""))


async def _codes_context(request: Request, campaign: SerialCampaign) -> dict:
    page = PageRequest.for_page_number(page_number(request), CODES_PAGE_SIZE)
    codes = await serials.list_serial_codes(actor_of(request), campaign.id, _used_filter(request), page)
    return {"codes": codes, "codes_form": {"used": request.query_params.get("used", "")}}


async def _generation_context(request: Request, campaign: SerialCampaign) -> dict:
    """The newest job that made this campaign's codes (RANDOM only), with its progress."""
    if campaign.type != SerialType.RANDOM:
        return {"job": None}
    job = await jobs.latest_job_for(actor_of(request), serials.GENERATE_JOB, campaign.id, since=campaign.created_at)
    return await progress_context(job) if job else {"job": None}


async def _stats_context(request: Request, campaign: SerialCampaign) -> dict:
    """The number of codes made so far (the registrations are counted on the campaign), and a FIXED
    campaign's one code."""
    all_codes = await serials.list_serial_codes(actor_of(request), campaign.id, None, PageRequest(first=1))
    return {"code_count": all_codes.total_count,
            "fixed_code": all_codes.items[0].code if campaign.type == SerialType.FIXED and all_codes.items else ""}


async def _detail_context(request: Request, campaign: SerialCampaign) -> dict:
    return {"campaign": campaign, "rewards": (await serials.rewards_of([campaign.id]))[0],
            "audience": await serial_audience(actor_of(request), campaign.id),
            "site_names": await site_names(request), **await _stats_context(request, campaign),
            **await _generation_context(request, campaign), **await _codes_context(request, campaign)}


@console_view()
async def serial_detail(request: Request) -> Response:
    campaign = await campaign_from_path(request)
    if campaign is None:
        return no_such_campaign(request)
    return render_serials(request, "serials/detail.html", await _detail_context(request, campaign))


async def _section(request: Request, campaign: SerialCampaign, block: str, context: dict,
                   status_code: int = 200) -> Response:
    """A section's block for htmx; a plain request gets the whole page instead."""
    if not is_fragment_request(request):
        context = {**await _detail_context(request, campaign), **context}
    return render_serials(request, "serials/detail.html", {"campaign": campaign, **context}, block=block,
                          status_code=status_code)


@console_view()
async def serial_stats(request: Request) -> Response:
    """Registrations and codes made; reloaded when a generation job ends."""
    campaign = await campaign_from_path(request)
    if campaign is None:
        return no_such_campaign(request)
    return await _section(request, campaign, "stats", await _stats_context(request, campaign))


@console_view()
async def serial_codes(request: Request) -> Response:
    """The code list, filtered by used/unused and paged (a section of the campaign's page)."""
    campaign = await campaign_from_path(request)
    if campaign is None:
        return no_such_campaign(request)
    return await _section(request, campaign, "codes", await _codes_context(request, campaign))


@console_view(change=True)
async def serial_codes_add(request: Request) -> Response:
    """More RANDOM codes: starts a job and answers with its progress bar."""
    campaign = await campaign_from_path(request)
    if campaign is None:
        return no_such_campaign(request)
    return await start_more(
        request, lambda n: serials.add_random_codes(actor_of(request), campaign.id, n),
        lambda block, context, status=200: _section(request, campaign, block, context, status),
        lambda: _generation_context(request, campaign),
        gettext(request, "%(count)s more codes are being made."), f"/admin/serials/{campaign.id}")
