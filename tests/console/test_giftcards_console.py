"""The gift cards screen over HTTP: campaign list, the form with inline errors, a campaign's card
generation job and balance, adding cards, disabling a campaign or a card, looking a card up,
counter redemptions with their failures, and VIEWERs kept out of every change."""

import re

from models.access import Role
from models.giftcards import GiftCard, GiftCardCampaign, GiftCardRedemption, GiftCardStatus, RedemptionStatus
from tests.conftest import console_login
from tests.factories import PASSWORD, make_giftcard_campaign, make_operator

HTMX = {"HX-Request": "true"}
ENGLISH = {"Accept-Language": "en"}
CARD_CODE = re.compile(r'<tr id="card-\d+">\s*<td><code>([A-Z0-9]+)</code>')


async def signed_in(client, role=Role.OPERATOR) -> str:
    operator = await make_operator(role)
    return await console_login(client, operator.login_id, PASSWORD)


async def post(client, url: str, csrf: str, data: dict | None = None, htmx: bool = True, **headers):
    return await client.post(url, data=data or {}, headers={**(HTMX if htmx else {}), "X-CSRF-Token": csrf,
                                                           **headers})


def campaign_form(**overrides) -> dict:
    """A valid form as the browser posts it: five 50,000 won cards, usable up to 3 times, no expiry."""
    return {"name": "설 선물 카드", "value": "50,000", "count": "5", "code_prefix": "GIFT", "code_length": "12",
            "code_pattern": "", "valid_unlimited": "on", "uses_mode": "MULTI", "max_uses": "3", **overrides}


async def campaign_with_cards(app, **fields) -> tuple[GiftCardCampaign, list[str]]:
    campaign = await make_giftcard_campaign(**fields)
    await app.state.job_runner.run_pending()
    codes = await GiftCard.filter(campaign_id=campaign.id).order_by("id").values_list("code", flat=True)
    return campaign, list(codes)


def table_rows(html: str, table_id: str) -> int:
    table = html[html.index(f'id="{table_id}"'):]
    table = table[:table.index("</table>")]
    return table.count("<tr") - table.count("<thead><tr") - table.count('class="muted"')


async def test_list_and_search_return_matching_rows_as_a_fragment(client, db):
    await make_giftcard_campaign(name="설날 선물", value=30000, count=0)
    await make_giftcard_campaign(name="추석 선물", value=50000, count=0, max_uses=None)
    await signed_in(client)
    listed = await client.get("/admin/giftcards")
    assert "<html" in listed.text and table_rows(listed.text, "giftcard-table") == 2
    assert "30,000원" in listed.text and "1회 사용" in listed.text and "잔액이 남아 있는 동안" in listed.text
    searched = await client.get("/admin/giftcards?q=추석", headers=HTMX)
    assert "<html" not in searched.text and "HX-Request" in searched.headers["vary"]
    assert table_rows(searched.text, "giftcard-table") == 1 and "추석 선물" in searched.text


async def test_bad_input_shows_inline_errors_and_stores_nothing(client, db):
    csrf = await signed_in(client)
    bad = campaign_form(name="", value="오만원", max_uses="", valid_unlimited="", valid_from="2026-05-01T00:00",
                        valid_to="2026-04-01T00:00")
    response = await post(client, "/admin/giftcards/new", csrf, bad, **ENGLISH)
    assert response.status_code == 422 and "<html" not in response.text and 'id="giftcard-form"' in response.text
    assert 'id="value-error"' in response.text and 'id="max_uses-error"' in response.text
    assert 'id="name-error"' in response.text and 'id="valid_to-error"' in response.text
    assert 'value="오만원"' in response.text and 'value="2026-05-01T00:00"' in response.text  # kept as typed

    zero = await post(client, "/admin/giftcards/new", csrf, campaign_form(value="0", code_pattern="G-###"))
    assert zero.status_code == 422 and 'id="value-error"' in zero.text and 'id="code_pattern-error"' in zero.text
    assert "0보다 큰 원 단위 금액" in zero.text
    assert await GiftCardCampaign.all().count() == 0


async def test_new_campaign_shows_its_generation_and_balance(client, db, app):
    csrf = await signed_in(client)
    response = await post(client, "/admin/giftcards/new", csrf, campaign_form())
    campaign = await GiftCardCampaign.get(name="설 선물 카드")
    url = f"/admin/giftcards/{campaign.id}"
    assert response.status_code == 204 and response.headers["HX-Redirect"] == url
    assert (campaign.value, campaign.max_uses, campaign.code_prefix) == (50000, 3, "GIFT")

    queued = await client.get(url)
    assert "기프트카드 캠페인을 저장했습니다" in queued.text and "최대 3회" in queued.text
    job_id = re.search(r'id="job-(\d+)" data-status="QUEUED"', queued.text).group(1)
    await app.state.job_runner.run_pending()
    progress = await client.get(f"/admin/jobs/{job_id}/progress", headers=HTMX)
    assert 'value="100"' in progress.text and "(5 / 5)" in progress.text
    assert progress.headers["HX-Trigger"] == "job-done" and "/download" not in progress.text

    balance = await client.get(f"{url}/balance", headers=HTMX)
    assert "<html" not in balance.text
    assert '<dd id="balance-cards">5</dd>' in balance.text and '<dd id="balance-loaded">250,000원</dd>' in balance.text
    cards = await client.get(f"{url}/cards", headers=HTMX)
    codes = CARD_CODE.findall(cards.text)
    assert len(codes) == 5 and all(re.fullmatch(r"GIFT[A-Z0-9]{12}", c) for c in codes)
    one = await client.get(f"{url}/cards?card_q={codes[2].lower()}", headers=HTMX)
    assert CARD_CODE.findall(one.text) == [codes[2]]

    added = await post(client, f"{url}/cards/add", csrf, {"count": "3"}, **ENGLISH)
    assert added.status_code == 200 and "3 more cards are being made." in added.text
    await app.state.job_runner.run_pending()
    assert await GiftCard.filter(campaign_id=campaign.id).count() == 8
    detail = await client.get(url)
    assert '<dd id="balance-cards">8</dd>' in detail.text and "(8 / 8)" in detail.text
    refused = await post(client, f"{url}/cards/add", csrf, {"count": "lots"})
    assert refused.status_code == 422 and 'role="alert"' in refused.text

    plain = await post(client, "/admin/giftcards/new", csrf, {**campaign_form(name="빈 캠페인", count="0"),
                                                              "csrf_token": csrf}, htmx=False)
    assert plain.status_code == 303
    empty = await client.get(plain.headers["location"])
    assert "아직 생성 작업이 없습니다." in empty.text and '<dd id="balance-cards">0</dd>' in empty.text


async def test_lookup_redeem_and_failed_redemptions(client, db, app):
    campaign, codes = await campaign_with_cards(app, value=10000, count=2, max_uses=1)
    csrf = await signed_in(client)
    found = await client.get(f"/admin/giftcards/lookup?code={codes[0].lower()}", headers=HTMX)
    assert "<html" not in found.text and f"기프트카드 {codes[0]}" in found.text
    assert '<dd id="card-balance">10,000원 / 10,000원</dd>' in found.text and "사용 내역이 없습니다." in found.text
    page = await client.get(f"/admin/giftcards/lookup?code={codes[0]}")
    assert "<html" in page.text and 'id="card-panel"' in page.text

    taken = await post(client, "/admin/giftcards/redeem", csrf, {"code": codes[0], "amount": "3,000"})
    assert taken.status_code == 200 and "3,000원을 차감했습니다" in taken.text
    assert '<dd id="card-balance">7,000원 / 10,000원</dd>' in taken.text
    assert taken.headers["HX-Trigger"] == "cards-changed"
    again = await post(client, "/admin/giftcards/redeem", csrf, {"code": codes[0], "amount": "1000"}, **ENGLISH)
    assert again.status_code == 422 and "This gift card has been used as often as allowed." in again.text
    assert table_rows(again.text, "card-history") == 2 and "Succeeded" in again.text and "Failed" in again.text
    unknown = await post(client, "/admin/giftcards/redeem", csrf, {"code": "NOPE-0000", "amount": "1000"})
    assert unknown.status_code == 422 and "존재하지 않는 기프트카드입니다." in unknown.text
    missing = await client.get("/admin/giftcards/lookup?code=NOPE-0000", headers=HTMX)
    assert "존재하지 않는 기프트카드입니다." in missing.text and 'id="card-panel"' not in missing.text

    failed = await client.get(f"/admin/giftcards/{campaign.id}/redemptions", headers=HTMX)
    assert table_rows(failed.text, "redemption-table") == 1 and "사용 횟수를 모두 쓴 기프트카드입니다." in failed.text
    every = await client.get(f"/admin/giftcards/{campaign.id}/redemptions?show=all", headers=HTMX)
    assert table_rows(every.text, "redemption-table") == 2
    shop = await client.get("/admin/giftcards/redemptions")
    assert table_rows(shop.text, "redemption-table") == 2 and "NOPE-0000" in shop.text  # the unknown code too
    detail = await client.get(f"/admin/giftcards/{campaign.id}")
    assert '<dd id="balance-spent">3,000원</dd>' in detail.text
    assert '<dd id="balance-remaining">17,000원</dd>' in detail.text


async def test_disable_a_card_and_the_campaign(client, db, app):
    campaign, codes = await campaign_with_cards(app, count=2, max_uses=None)
    card = await GiftCard.get(code=codes[0])
    csrf = await signed_in(client)
    detail = await client.get(f"/admin/giftcards/{campaign.id}")
    assert 'id="disable-campaign"' in detail.text and "hx-confirm=" in detail.text

    row = await post(client, f"/admin/giftcards/{campaign.id}/cards/{card.id}/status", csrf, {"status": "DISABLED"})
    assert row.status_code == 200 and row.text.strip().startswith(f'<tr id="card-{card.id}">')
    assert "사용 중지" in row.text and 'value="ACTIVE"' in row.text
    assert (await GiftCard.get(id=card.id)).status == GiftCardStatus.DISABLED
    refused = await post(client, "/admin/giftcards/redeem", csrf, {"code": codes[0], "amount": "100"})
    assert refused.status_code == 422 and "사용이 중지된 기프트카드입니다." in refused.text

    disabled = await post(client, f"/admin/giftcards/{campaign.id}/status", csrf, {"status": "DISABLED"})
    assert disabled.status_code == 204 and disabled.headers["HX-Redirect"] == f"/admin/giftcards/{campaign.id}"
    assert (await GiftCardCampaign.get(id=campaign.id)).status == GiftCardStatus.DISABLED
    page = await client.get(f"/admin/giftcards/{campaign.id}")
    assert "캠페인을 사용 중지했습니다." in page.text and 'id="enable-campaign"' in page.text
    other = await post(client, "/admin/giftcards/redeem", csrf, {"code": codes[1], "amount": "100"})
    assert other.status_code == 422
    assert await GiftCardRedemption.filter(status=RedemptionStatus.FAILED, reason="GIFT_CARD_DISABLED").count() == 2


async def test_sending_without_a_mail_server_is_refused_inline(client, db, app, monkeypatch):
    monkeypatch.delenv("KUPON_SMTP_HOST", raising=False)
    _, codes = await campaign_with_cards(app, count=1)
    card = await GiftCard.get(code=codes[0])
    csrf = await signed_in(client)
    response = await post(client, f"/admin/giftcards/cards/{card.id}/send", csrf,
                          {"code": card.code, "email": "buyer@example.com", "message": "축하해요"})
    assert response.status_code == 422 and 'role="alert"' in response.text
    assert 'value="buyer@example.com"' in response.text and 'id="card-panel"' in response.text


async def test_viewer_sees_but_cannot_change(client, db, app):
    campaign, codes = await campaign_with_cards(app, count=1)
    card = await GiftCard.get(code=codes[0])
    csrf = await signed_in(client, Role.VIEWER)
    listed = await client.get("/admin/giftcards")
    assert listed.status_code == 200 and "/admin/giftcards/new" not in listed.text
    detail = await client.get(f"/admin/giftcards/{campaign.id}")
    assert detail.status_code == 200 and 'id="disable-campaign"' not in detail.text and "/cards/add" not in detail.text
    assert card.code not in detail.text and f"{'*' * 12}{card.code[-4:]}" in detail.text  # masked, as in GraphQL
    lookup = await client.get(f"/admin/giftcards/lookup?code={card.code}", headers=HTMX)
    assert lookup.status_code == 200 and "/admin/giftcards/redeem" not in lookup.text
    assert (await client.get("/admin/giftcards/new")).status_code == 403
    for url, data in [(f"/admin/giftcards/{campaign.id}/cards/add", {"count": "1"}),
                      (f"/admin/giftcards/{campaign.id}/status", {"status": "DISABLED"}),
                      (f"/admin/giftcards/{campaign.id}/cards/{card.id}/status", {"status": "DISABLED"}),
                      ("/admin/giftcards/redeem", {"code": card.code, "amount": "100"}),
                      ("/admin/giftcards/new", campaign_form())]:
        assert (await post(client, url, csrf, data)).status_code == 403, url
    assert (await GiftCard.get(id=card.id)).balance == 10000 and await GiftCardCampaign.all().count() == 1


async def test_import_export_and_qr_of_cards(client, db, app):
    campaign, codes = await campaign_with_cards(app, count=1, value=10000)
    csrf = await signed_in(client)
    url = f"/admin/giftcards/{campaign.id}"
    csv = "상품권코드,금액\nIMPORT-0001,5000\nIMPORT-0002,\n".encode("cp949")
    imported = await client.post(f"{url}/cards/import", files={"file": ("cards.csv", csv, "text/csv")},
                                 headers={**HTMX, **ENGLISH, "X-CSRF-Token": csrf})
    assert imported.status_code == 200 and imported.headers["HX-Trigger"] == "codes-changed"
    assert "2 of 2 rows imported." in imported.text and 'id="import-rejected"' not in imported.text
    balance = await client.get(f"{url}/balance", headers=HTMX)
    assert '<dd id="balance-cards">3</dd>' in balance.text and '<dd id="balance-loaded">25,000원</dd>' in balance.text
    again = await client.post(f"{url}/cards/import", files={"file": ("cards.csv", csv, "text/csv")},
                              headers={**HTMX, "X-CSRF-Token": csrf})
    assert again.status_code == 422 and again.text.count("<tr><td>") == 2  # both codes are taken now

    started = await post(client, f"{url}/cards/export", csrf, {"format": "XLSX"})
    job_id = re.search(r'id="job-(\d+)"', started.text).group(1)
    await app.state.job_runner.run_pending()
    progress = await client.get(f"/admin/jobs/{job_id}/progress", headers=HTMX)
    assert f'href="/admin/jobs/{job_id}/download"' in progress.text
    download = await client.get(f"/admin/jobs/{job_id}/download")
    assert download.status_code == 200 and download.content[:2] == b"PK"  # a zip: the XLSX
    bad_format = await post(client, f"{url}/cards/export", csrf, {"format": "PDF"})
    assert bad_format.status_code == 422

    card = await GiftCard.get(code="IMPORT0001")
    panel = await client.get("/admin/giftcards/lookup?code=import-0001", headers=HTMX)
    assert f'src="/admin/giftcards/cards/{card.id}/qr.svg"' in panel.text and "5,000원 / 5,000원" in panel.text
    qr = await client.get(f"/admin/giftcards/cards/{card.id}/qr.svg")
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
