"""QR images of gift card and serial codes, as PNG or SVG, for operators to print or show.

A code is a bearer secret: the resolver lets only operators who may change the shop see it,
and the image is never cached."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from gql.resolvers import code_exports
from gql.resolvers.errors import Refused
from kupon.qr import qr_png, qr_svg
from web.console import actor_of, console_view, refuse

IMAGE_KINDS = ("png", "svg")
NO_STORE = {"Cache-Control": "no-store"}


def _image(code: str, kind: str) -> Response:
    if kind == "svg":
        return Response(qr_svg(code), media_type="image/svg+xml", headers=NO_STORE)
    return Response(qr_png(code), media_type="image/png", headers=NO_STORE)


def _refused(request: Request, refused: Refused) -> Response:
    code = refused.codes[0]
    return refuse(request, code, 403 if code == "FORBIDDEN" else 404)


@console_view()
async def gift_card_qr(request: Request) -> Response:
    """/giftcards/cards/{card_id}/qr.png or qr.svg"""
    kind = request.path_params["image"]
    if kind not in IMAGE_KINDS:
        return refuse(request, "NOT_FOUND", 404)
    try:
        code = await code_exports.gift_card_code(actor_of(request), request.path_params["card_id"])
    except Refused as refused:
        return _refused(request, refused)
    return _image(code, kind)


@console_view()
async def serial_code_qr(request: Request) -> Response:
    """/serials/codes/{code}/qr.png or qr.svg"""
    kind = request.path_params["image"]
    if kind not in IMAGE_KINDS:
        return refuse(request, "NOT_FOUND", 404)
    try:
        code = await code_exports.serial_code(actor_of(request), request.path_params["code"])
    except Refused as refused:
        return _refused(request, refused)
    return _image(code, kind)
