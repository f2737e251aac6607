"""API keys (OWNER only): list, create with a scope (READ for dashboards, INTEGRATION for the shop's
back end; the secret is shown once), revoke."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from gql.resolvers import auth
from gql.resolvers.errors import Refused
from models.access import ApiKeyScope
from web.console import actor_of, console_view, flash, gettext, problem_messages, redirect, refuse, render


async def _page(request: Request, status_code: int = 200, **context) -> Response:
    try:
        keys = await auth.list_api_keys(actor_of(request))
    except Refused as refused:
        return refuse(request, refused.codes[0], 403)
    return render(request, "access/api_keys.html", {"keys": keys, **context}, status_code=status_code)


@console_view()
async def api_keys(request: Request) -> Response:
    return await _page(request)


@console_view(change=True)
async def api_key_create(request: Request) -> Response:
    form = await request.form()
    try:
        issued = await auth.create_api_key(actor_of(request), str(form.get("name", "")),
                                           str(form.get("scope", "") or ApiKeyScope.READ.value))
    except Refused as refused:
        return await _page(request, errors=problem_messages(request, refused), status_code=422)
    return await _page(request, new_secret=issued.secret)


@console_view(change=True)
async def api_key_revoke(request: Request) -> Response:
    try:
        await auth.revoke_api_key(actor_of(request), int(request.path_params["key_id"]))
    except Refused as refused:
        return refuse(request, refused.codes[0], 403 if "FORBIDDEN" in refused.codes else 404)
    flash(request, gettext(request, "The key was revoked."))
    return redirect(request, "/admin/settings/api-keys")
