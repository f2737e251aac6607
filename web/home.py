"""The console's start page, and the screens of domains still being built."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from web.console import console_view, render

# Navigation by domain: (path segment, English label, issue that builds the screen or None when built).
DOMAINS = [
    ("members", "Members", None),
    ("coupons", "Coupons", None),
    ("serials", "Serial codes", None),
    ("giftcards", "Gift cards", None),
    ("orders", "Orders", None),
    ("refunds", "Refunds", None),
    ("training", "Training-card orders", None),
    ("stats", "Statistics", None),
    ("segments", "Segments", None),
    ("campaigns", "Campaigns", None),
    ("migration", "Legacy migration", None),
    ("audit", "Audit log", None),
]


@console_view()
async def home(request: Request) -> Response:
    return render(request, "home.html")


@console_view()
async def domain_not_built(request: Request) -> Response:
    segment = request.path_params["domain"]
    domain = next((d for d in DOMAINS if d[0] == segment and d[2]), None)
    if domain is None:
        return render(request, "error.html", {"message": "Not found", "code": "NOT_FOUND"}, status_code=404)
    return render(request, "coming.html", {"domain": domain})
