"""What every console view shares: templates, the signed-in operator, CSRF, flash messages.

Every view is wrapped by `console_view`, which signs the operator in from the
session cookie, checks the role, and refuses any state-changing request
without the session's CSRF token (sent by htmx in `X-CSRF-Token` through
`hx-headers` on <body>, or by plain forms in a hidden `csrf_token` field).
"""

from __future__ import annotations

import functools
import json
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2_fragments.starlette import Jinja2Blocks
from markupsafe import escape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from gql.resolvers.access import Actor, operator_actor
from gql.resolvers.auth import active_operator
from gql.resolvers.errors import Refused
from gql.schema.view import SESSION_OPERATOR_KEY
from kupon.privacy import mask_email, mask_phone
from kupon.timeutil import format_seoul
from web.i18n import choose_locale, translations

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSRF_SESSION_KEY = "csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


@pass_context
def _gettext(context, message: str) -> str:
    return context["translations"].gettext(message)


@pass_context
def _ngettext(context, singular: str, plural: str, n: int) -> str:
    return context["translations"].ngettext(singular, plural, n)


def _build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)
    env.filters.update(seoul=format_seoul, mask_phone=mask_phone, mask_email=mask_email,
                       as_json=lambda value: json.dumps(value, ensure_ascii=False, default=str),
                       won=lambda amount: f"{amount:,}원" if amount is not None else "")
    return env


templates = Jinja2Blocks(env=_build_environment())


def csrf_token(request: Request) -> str:
    token = request.session.get(CSRF_SESSION_KEY)
    if not token:
        token = request.session[CSRF_SESSION_KEY] = secrets.token_urlsafe(32)
    return token


async def csrf_ok(request: Request) -> bool:
    expected = request.session.get(CSRF_SESSION_KEY)
    if not expected:
        return False
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        sent = (await request.form()).get(CSRF_FIELD)
    return bool(sent) and secrets.compare_digest(str(sent), expected)


def flash(request: Request, message: str, level: str = "success") -> None:
    request.session.setdefault("flash", []).append([level, message])


def pop_flashes(request: Request) -> list[list[str]]:
    return request.session.pop("flash", [])


def locale_of(request: Request) -> str:
    operator = getattr(request.state, "operator", None)
    return choose_locale(operator.locale if operator else None, request.headers.get("accept-language", ""))


def gettext(request: Request, message: str) -> str:
    return translations(locale_of(request)).gettext(message)


def is_fragment_request(request: Request) -> bool:
    """htmx asks for a fragment, except when it restores history (then it needs the page)."""
    return request.headers.get("hx-request") == "true" and request.headers.get(
        "hx-history-restore-request"
    ) != "true"


def render(
    request: Request, template: str, context: dict | None = None, *, block: str | None = None,
    status_code: int = 200,
) -> Response:
    """Render a page, or only `block` of it when htmx asked for a fragment."""
    locale = locale_of(request)
    ctx = {
        "request": request,
        "operator": getattr(request.state, "operator", None),
        "actor": getattr(request.state, "actor", None),
        "csrf_token": csrf_token(request),
        "locale": locale,
        "translations": translations(locale),
        "flashes": pop_flashes(request) if not (block and is_fragment_request(request)) else [],
        **(context or {}),
    }
    kwargs = {"block_name": block} if block and is_fragment_request(request) else {}
    response = templates.TemplateResponse(request, template, ctx, status_code=status_code, **kwargs)
    response.headers["Vary"] = "HX-Request"
    return response


def query_without_page(request: Request) -> str:
    """The current filters as a query string, for pagination links."""
    return urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "page"])


def page_number(request: Request) -> int:
    value = request.query_params.get("page", "1")
    return int(value) if value.isdigit() and int(value) > 0 else 1


def redirect(request: Request, url: str) -> Response:
    """After a successful action: htmx follows HX-Redirect, a plain form a 303."""
    if request.headers.get("hx-request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def problem_messages(request: Request, refused: Refused) -> dict[str, str]:
    """Refusal messages by field (and under "" for those without one), in the operator's language."""
    locale = locale_of(request)
    return {(p.field or ""): p.message_in(locale) for p in refused.problems}


View = Callable[[Request], Awaitable[Response]]


def console_view(*, change: bool = False) -> Callable[[View], View]:
    """Sign-in, role and CSRF checks for a console view.

    `change=True` marks views that change data: VIEWERs are refused even on GET.
    Any non-GET request must carry the CSRF token, whatever `change` says.
    """

    def decorate(view: View) -> View:
        @functools.wraps(view)
        async def wrapper(request: Request) -> Response:
            operator = await active_operator(request.session.get(SESSION_OPERATOR_KEY))
            if operator is None:
                return redirect(request, f"/admin/login?next={request.url.path}")
            request.state.operator = operator
            request.state.actor = operator_actor(operator)
            if request.method not in SAFE_METHODS and not await csrf_ok(request):
                return refuse(request, "FORBIDDEN", 403, gettext(request, "The form expired. Reload the page."))
            if change and not request.state.actor.can_change_shop:
                return refuse(request, "FORBIDDEN", 403)
            return await view(request)

        wrapper.console_protected = True
        return wrapper

    return decorate


def refuse(request: Request, code: str, status_code: int, detail: str | None = None) -> Response:
    message = detail or Refused.because(code).problems[0].message_in(locale_of(request))
    if is_fragment_request(request):
        return HTMLResponse(f'<div class="flash error" role="alert">{escape(message)}</div>',
                            status_code=status_code)
    return render(request, "error.html", {"message": message, "code": code}, status_code=status_code)


def actor_of(request: Request) -> Actor:
    return request.state.actor
