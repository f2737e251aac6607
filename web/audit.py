"""The audit log screen: every operator change, filtered and paged."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from gql.resolvers import audit
from gql.resolvers.pagination import PageRequest
from gql.resolvers.validation import Checker
from web.console import actor_of, console_view, page_number, query_without_page, render

PAGE_SIZE = 50


@console_view()
async def audit_list(request: Request) -> Response:
    q = request.query_params
    check = Checker()
    flt = audit.AuditFilter(
        entity_type=q.get("entity_type") or None,
        entity_id=q.get("entity_id") or None,
        action=q.get("action") or None,
        operator_id=int(q["operator_id"]) if q.get("operator_id", "").isdigit() else None,
        date_from=check.iso_date("from", q.get("from", "")),
        date_to=check.iso_date("to", q.get("to", "")),
    )
    page_request = PageRequest.for_page_number(page_number(request), PAGE_SIZE)
    page = await audit.list_audit_entries(actor_of(request), flt, page_request)
    form = {key: q.get(key, "") for key in ("entity_type", "entity_id", "action", "operator_id", "from", "to")}
    return render(request, "audit/list.html", {"page": page, "form": form, "query": query_without_page(request)},
                  block="results")
