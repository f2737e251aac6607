"""Signing in and out of the console, and the operator's language."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from gql.resolvers.auth import authenticate_operator, set_operator_locale
from gql.resolvers.errors import Refused
from gql.schema.view import SESSION_OPERATOR_KEY
from web.console import CSRF_SESSION_KEY, console_view, csrf_ok, flash, gettext, redirect, render


def _safe_next(target: str | None) -> str:
    """Only paths inside the console, never another site."""
    if target and target.startswith("/admin/") and not target.startswith("//"):
        return target
    return "/admin/"


async def login(request: Request) -> Response:
    next_url = _safe_next(request.query_params.get("next"))
    if request.method == "GET":
        return render(request, "login.html", {"next": next_url})
    if not await csrf_ok(request):
        return render(request, "login.html", {"next": next_url, "error": gettext(
            request, "The form expired. Reload the page.")}, status_code=403)
    form = await request.form()
    try:
        operator = await authenticate_operator(str(form.get("login_id", "")), str(form.get("password", "")))
    except Refused:
        return render(request, "login.html", {"next": next_url, "login_id": form.get("login_id", ""),
                                              "error": gettext(request, "Wrong login id or password.")},
                      status_code=401)
    # A new session on sign-in: a fixed (pre-login) session id or CSRF token must not carry over.
    request.session.clear()
    request.session[SESSION_OPERATOR_KEY] = operator.id
    return RedirectResponse(_safe_next(str(form.get("next", ""))), status_code=303)


@console_view()
async def logout(request: Request) -> Response:
    request.session.pop(SESSION_OPERATOR_KEY, None)
    request.session.pop(CSRF_SESSION_KEY, None)
    return redirect(request, "/admin/login")


@console_view()
async def choose_language(request: Request) -> Response:
    form = await request.form()
    locale = str(form.get("locale", "")) or None
    try:
        await set_operator_locale(request.state.operator.id, locale)
    except Refused:
        flash(request, gettext(request, "Choose one of the listed values."), "error")
    return redirect(request, _safe_next(str(form.get("next", ""))))
