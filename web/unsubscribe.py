"""The unsubscribe link of e-mails (`/unsubscribe/{token}`), public and in Korean.

GET asks for a confirmation (mail scanners open links; they do not post forms); POST withdraws
the consent at once (also the one-click List-Unsubscribe-Post of RFC 8058) and shows the result.
The signed token names the member and channel; nothing else about the member is shown.
"""

from __future__ import annotations

from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse

from gql.resolvers.errors import Refused
from gql.resolvers.message_render import read_unsubscribe_token
from gql.resolvers.opt_out import CHANNEL_KO, opt_out_by_token
from kupon.timeutil import to_seoul
from models.activity import ConsentChannel

INVALID = "올바른 수신거부 링크가 아닙니다. 받으신 메시지의 링크를 다시 확인해 주세요."
PAGE = """<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>body{{font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;
line-height:1.6}}button{{font-size:1rem;padding:.5rem 1.25rem}}</style></head>
<body><h1>{title}</h1>{body}</body></html>"""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(PAGE.format(title=escape(title), body=body), status_code=status)


async def unsubscribe_page(request: Request) -> HTMLResponse:
    secret_key = request.app.state.settings.secret_key
    token = request.path_params["token"]
    found = read_unsubscribe_token(secret_key, token)
    if found is None:
        return _page("수신거부 링크 오류", f"<p>{INVALID}</p>", 404)
    channel = CHANNEL_KO.get(ConsentChannel(found[1]), found[1])
    if request.method == "GET":
        return _page("광고성 정보 수신거부", f"<p>{escape(channel)} 광고성 정보 수신을 거부하시겠습니까?</p>"
                     f'<form method="post" action="/unsubscribe/{escape(token)}">'
                     '<button type="submit">수신거부</button></form>')
    try:
        opt_out = await opt_out_by_token(secret_key, token)
    except Refused:
        return _page("수신거부 링크 오류", f"<p>{INVALID}</p>", 404)
    when = to_seoul(opt_out.at)
    return _page("수신거부가 처리되었습니다",
                 f"<p>{when:%Y년 %m월 %d일 %H:%M}에 {escape(channel)} 광고성 정보 수신거부가 처리되었습니다. "
                 "앞으로 광고성 정보를 보내드리지 않습니다. 처리 결과는 메시지로도 안내해 드립니다.</p>")
