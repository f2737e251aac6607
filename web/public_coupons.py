"""The public download URL of a DOWNLOAD coupon: `GET /coupons/{token}` describes it to anyone
while it is on display; `POST` with a member's bearer token puts it in their wallet."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from gql.resolvers.coupon_issuing import coupon_by_download_token, download_coupon, public_coupon_refusal
from gql.resolvers.errors import Refused
from gql.schema.view import actor_for_request

STATUS_OF = {"NOT_FOUND": 404, "UNAUTHENTICATED": 401, "FORBIDDEN": 403}


def _refusal(refused: Refused) -> JSONResponse:
    problem = refused.problems[0]
    return JSONResponse({"code": problem.code, "message": problem.message, "messageKo": problem.message_ko},
                        status_code=STATUS_OF.get(problem.code, 409))


async def coupon_page(request: Request) -> JSONResponse:
    token = request.path_params["token"]
    try:
        coupon = await coupon_by_download_token(token)
        if request.method == "POST":
            issued = await download_coupon(await actor_for_request(request), token)
            return JSONResponse({"memberCouponId": issued.id, "expiresAt": issued.expires_at.isoformat()
                                 if issued.expires_at else None}, status_code=201)
        hidden = public_coupon_refusal(coupon)
        if hidden:
            raise Refused.because(hidden)
    except Refused as refused:
        return _refusal(refused)
    return JSONResponse({"name": coupon.name, "type": coupon.type.value, "benefit": coupon.benefit.value,
                         "amount": coupon.amount, "percent": coupon.percent, "maxDiscount": coupon.max_discount,
                         "giftName": coupon.gift_name, "minAmount": coupon.min_amount,
                         "issueTo": coupon.issue_to.isoformat() if coupon.issue_to else None})
