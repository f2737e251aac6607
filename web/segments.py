"""The segments screen (SPEC 7, seeds 002 and 003): the list with the built-in groups, the editor
with its condition builder and live count, and one segment's page (its size over time, "recompute
now", its members as of a snapshot day with who entered and who left, issuing a coupon to them and
exporting them: web/segment_jobs.py).

The editor is server-rendered: the builder's buttons post the whole form to `segment_builder`,
which answers with the builder re-drawn (web/segment_form.py) and raises `tree-changed`; the live
panel posts the same form to `segment_preview` on every change (debounced) and on that event.
Everything a segment means is decided by gql/resolvers/segments.py.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import date

from starlette.requests import Request
from starlette.responses import Response

from gql.resolvers import coupons, segments
from gql.resolvers.catalog import list_sites
from gql.resolvers.coupons import CouponFilter
from gql.resolvers.errors import Problem, Refused
from gql.resolvers.pagination import MAX_PAGE_SIZE, PageRequest
from gql.resolvers.segment_sentence import sentence
from gql.resolvers.segments import SegmentInput
from models.segments import Segment, SegmentKind
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
from web.coupon_labels import N_
from web.form_fields import whole_number
from web.jobs import progress_context
from web.segment_form import CHOICES, apply_action, errors_by_node, nodes_from_form, nodes_from_tree, tree_of
from web.segment_jobs import (
    export_context,
    issuable_coupons,
    issue_context,
    recompute_context,
    start_export,
    start_issue,
)

PAGE_SIZE = 20
MEMBERS_PAGE_SIZE = 50
HISTORY_DAYS = 90
FORM_FIELDS = ("name", "description", "site_id")
KIND_LABELS = {SegmentKind.CUSTOM: N_("Custom"), SegmentKind.BUILTIN: N_("Built-in group")}
VIEW_LABELS = {"MEMBERS": N_("Members"), "ENTERED": N_("Entered"), "LEFT": N_("Left")}
TREE_CHANGED = "tree-changed"


def render_segments(request: Request, template: str, context: dict, **kwargs) -> Response:
    """`render` with the labels every segment template uses, and the sentence in the operator's language."""
    locale = locale_of(request)
    return render(request, template, {"kind_labels": KIND_LABELS, "view_labels": VIEW_LABELS, **CHOICES,
                                      "sentence_of": lambda tree: sentence(tree, locale), **context}, **kwargs)


def segment_view(*, change: bool = False) -> Callable:
    """`console_view` for a view of one segment (the path's `segment_id`), which it receives; a
    missing or deleted segment is a 404."""

    def decorate(view: Callable[[Request, Segment], Awaitable[Response]]):
        @console_view(change=change)
        @functools.wraps(view)
        async def wrapper(request: Request) -> Response:
            try:
                segment = await segments.get_segment(actor_of(request), int(request.path_params["segment_id"]))
            except Refused:
                return refuse(request, "NOT_FOUND", 404, gettext(request, "No such segment."))
            return await view(request, segment)

        return wrapper

    return decorate


async def site_names(request: Request) -> dict[int, str]:
    return {site.id: site.name for site in await list_sites(actor_of(request))}


# The list ---------------------------------------------------------------------

@console_view()
async def segment_list(request: Request) -> Response:
    q = request.query_params
    kind = q.get("kind", "")
    chosen = SegmentKind(kind) if kind in SegmentKind.__members__ else None
    page = await segments.list_segments(actor_of(request), PageRequest.for_page_number(page_number(request), PAGE_SIZE),
                                        kind=chosen, search=q.get("q", ""))
    context = {"page": page, "form": {"q": q.get("q", ""), "kind": kind, "invalid": bool(kind) and chosen is None},
               "kinds": list(SegmentKind), "site_names": await site_names(request),
               "query": query_without_page(request)}
    return render_segments(request, "segments/list.html", context, block="results")


# The editor -------------------------------------------------------------------

def form_values(segment: Segment | None) -> dict:
    if segment is None:
        return {"name": "", "description": "", "site_id": ""}
    return {"name": segment.name, "description": segment.description,
            "site_id": "" if segment.site_id is None else str(segment.site_id)}


async def _builder_context(request: Request, root, node_errors: dict | None = None) -> dict:
    """What the builder block needs: its nodes, their errors, and coupons for "holds a coupon"."""
    listed = await coupons.list_coupons(actor_of(request), CouponFilter(), PageRequest(first=MAX_PAGE_SIZE))
    return {"root": root, "node_errors": node_errors or {}, "coupons": listed.items}


async def _preview_context(request: Request, tree: dict, site_id: int | None,
                           problems: list[Problem] | None = None) -> dict:
    """The live panel: the sentence, the count and ten members, or the tree's problems by path."""
    preview = None
    problems = list(problems or [])
    if not problems:
        try:
            preview = await segments.preview_segment(actor_of(request), tree, site_id)
        except Refused as refused:
            problems = refused.problems
    messages = problem_messages(request, Refused(*problems)) if problems else {}
    shown = None
    if preview is not None:
        shown = preview.sentence_ko if locale_of(request).startswith("ko") else preview.sentence_en
    return {"preview": preview, "preview_sentence": shown, "preview_errors": sorted(messages.items())}


async def _editor_page(request: Request, segment: Segment | None, values: dict, root,
                       errors: dict[str, str] | None = None, status_code: int = 200,
                       preview: dict | None = None) -> Response:
    errors = errors or {}
    built = tree_of(root)
    if preview is None:
        site_id = int(values["site_id"]) if values["site_id"].isdigit() else None
        preview = await _preview_context(request, built.tree, site_id)
    context = {"segment": segment, "values": values, "errors": errors, "sites": await list_sites(actor_of(request)),
               "general_errors": [m for name, m in errors.items() if name not in FORM_FIELDS and
                                  not name.startswith("tree")],
               "action": f"/admin/segments/{segment.id}/edit" if segment else "/admin/segments/new",
               **await _builder_context(request, root, errors_by_node(built.paths, errors)), **preview}
    return render_segments(request, "segments/form.html", context, block="form", status_code=status_code)


def _site_id(problems: list[Problem], text: str) -> int | None:
    return whole_number(problems, "site_id", text, "INVALID_CHOICE")


async def _save(request: Request, segment: Segment | None,
                save: Callable[[SegmentInput], Awaitable[Segment]]) -> Response:
    """Read the form, save through the resolver, or show every problem inline (422)."""
    form = await request.form()
    values = {name: str(form.get(name, "")).strip() for name in FORM_FIELDS}
    root = nodes_from_form(form)
    problems: list[Problem] = []
    site_id = _site_id(problems, values["site_id"])
    data = SegmentInput(name=values["name"], tree=tree_of(root).tree, description=values["description"],
                        site_id=site_id)
    saved = None
    try:
        if not problems:
            saved = await save(data)
    except Refused as refused:
        problems = refused.problems
    if saved is None:
        return await _editor_page(request, segment, values, root, problem_messages(request, Refused(*problems)),
                                  status_code=422)
    flash(request, gettext(request, "Segment saved."))
    return redirect(request, f"/admin/segments/{saved.id}")


@console_view(change=True)
async def segment_new(request: Request) -> Response:
    if request.method == "GET":
        return await _editor_page(request, None, form_values(None), nodes_from_tree(None))
    return await _save(request, None, lambda data: segments.create_segment(actor_of(request), data))


@segment_view(change=True)
async def segment_edit(request: Request, segment: Segment) -> Response:
    if segment.kind == SegmentKind.BUILTIN:
        return refuse(request, "SEGMENT_BUILTIN", 403)
    if request.method == "GET":
        return await _editor_page(request, segment, form_values(segment), nodes_from_tree(segment.tree))
    return await _save(request, segment, lambda data: segments.update_segment(actor_of(request), segment.id, data))


@console_view(change=True)
async def segment_builder(request: Request) -> Response:
    """The builder's buttons (add a condition or a group, remove one) and its re-drawing after a
    choice that changes which inputs a condition has."""
    form = await request.form()
    root = nodes_from_form(form)
    apply_action(root, str(form.get("action", "")), str(form.get("at", "")))
    response = render_segments(request, "segments/form.html", await _builder_context(request, root), block="builder")
    response.headers["HX-Trigger"] = TREE_CHANGED
    return response


@console_view()
async def segment_preview(request: Request) -> Response:
    """The live panel for the posted form: the sentence, the count today and ten members."""
    form = await request.form()
    problems: list[Problem] = []
    site_id = _site_id(problems, str(form.get("site_id", "")))
    context = await _preview_context(request, tree_of(nodes_from_form(form)).tree, site_id, problems)
    return render_segments(request, "segments/form.html", context, block="live")


# One segment -------------------------------------------------------------------

async def _summary_context(request: Request, segment: Segment) -> dict:
    history = await segments.size_history(actor_of(request), segment.id, HISTORY_DAYS)
    return {"segment": segment, "history": history, "site_names": await site_names(request)}


async def _membership_context(request: Request, segment: Segment) -> dict:
    """The members of a snapshot day (the latest unless chosen), or who entered or left that day."""
    q = request.query_params
    days = await segments.snapshot_days(actor_of(request), segment.id)
    try:
        day = date.fromisoformat(q["day"]) if q.get("day") else (days[0] if days else None)
    except ValueError:
        day = days[0] if days else None
    view = q.get("view", "MEMBERS") if q.get("view") in VIEW_LABELS else "MEMBERS"
    context = {"days": days, "day": day, "view": view, "membership": None, "membership_error": None,
               "membership_query": f"day={day.isoformat() if day else ''}&view={view}"}
    if day is not None:
        try:
            context["membership"] = await segments.members_as_of(
                actor_of(request), segment.id, day, view,
                PageRequest.for_page_number(page_number(request), MEMBERS_PAGE_SIZE))
        except Refused as refused:
            context["membership_error"] = " ".join(problem_messages(request, refused).values())
    return context


async def _detail_context(request: Request, segment: Segment) -> dict:
    """The whole page, with the segment's jobs as a reload finds them (web/segment_jobs.py)."""
    can_issue = actor_of(request).can_change_shop
    return {**await _summary_context(request, segment), **await _membership_context(request, segment),
            **await recompute_context(request, segment), **await issue_context(request, segment),
            **await export_context(request, segment),
            "issuable_coupons": await issuable_coupons(request) if can_issue else []}


@segment_view()
async def segment_detail(request: Request, segment: Segment) -> Response:
    return render_segments(request, "segments/detail.html", await _detail_context(request, segment))


async def _section(request: Request, segment: Segment, block: str, context: dict, status_code: int = 200) -> Response:
    """A section's block for htmx; a plain request gets the whole page instead."""
    if not is_fragment_request(request):
        context = {**await _detail_context(request, segment), **context}
    return render_segments(request, "segments/detail.html", {"segment": segment, **context}, block=block,
                           status_code=status_code)


@segment_view()
async def segment_summary(request: Request, segment: Segment) -> Response:
    """Size, last recompute and the chart; reloaded when a recompute job ends."""
    return await _section(request, segment, "summary", await _summary_context(request, segment))


@segment_view()
async def segment_members(request: Request, segment: Segment) -> Response:
    """Members as of a day, with the Entered / Left tabs (a section of the segment's page)."""
    return await _section(request, segment, "membership", await _membership_context(request, segment))


@segment_view(change=True)
async def segment_recompute(request: Request, segment: Segment) -> Response:
    """"Recompute now": starts a job and answers with its progress bar."""
    try:
        job = await segments.recompute_now(actor_of(request), segment.id)
    except Refused as refused:
        error = " ".join(problem_messages(request, refused).values())
        return await _section(request, segment, "recompute", {"job": None, "recompute_error": error}, 422)
    if not is_fragment_request(request):
        flash(request, gettext(request, "The segment is being recomputed."))
        return redirect(request, f"/admin/segments/{segment.id}")
    return await _section(request, segment, "recompute", await progress_context(job))


async def _start_job(request: Request, segment: Segment, block: str, start, context_of, notice: str) -> Response:
    """Issue or export: start the job and answer with its section (its progress bar, or the
    refusal at 422); GET is the section as it is now, reloaded when a job ends."""
    if request.method == "GET":
        return await _section(request, segment, block, await context_of(request, segment))
    try:
        job = await start(request, segment)
    except Refused as refused:
        context = {**await context_of(request, segment), f"{block}_error": " ".join(
            problem_messages(request, refused).values())}
        return await _section(request, segment, block, context, 422)
    if not is_fragment_request(request):
        flash(request, gettext(request, notice))
        return redirect(request, f"/admin/segments/{segment.id}")
    return await _section(request, segment, block, await context_of(request, segment, job))


@segment_view(change=True)
async def segment_issue(request: Request, segment: Segment) -> Response:
    """"Issue a coupon to this segment": a job over a snapshot day's members (the latest by default)."""
    return await _start_job(request, segment, "issue", start_issue, issue_context,
                            N_("The coupon is being issued to the segment's members."))


@segment_view()
async def segment_export(request: Request, segment: Segment) -> Response:
    """"Export members" (any operator: phones and e-mails masked unless the operator may see them)."""
    return await _start_job(request, segment, "export", start_export, export_context,
                            N_("The members are being exported."))


@segment_view(change=True)
async def segment_delete(request: Request, segment: Segment) -> Response:
    try:
        await segments.delete_segment(actor_of(request), segment.id)
    except Refused as refused:
        message = " ".join(problem_messages(request, refused).values())
        return refuse(request, refused.problems[0].code, 409, message)
    flash(request, gettext(request, "Segment deleted."))
    return redirect(request, "/admin/segments")
