"""The audience multi-select of the coupon and serial forms, and the audience on their pages."""

from models.coupons import Coupon
from models.segments import CouponAudience, Segment, SerialAudience
from models.serials import SerialCampaign
from tests.console.test_coupons_console import coupon_form, post, signed_in
from tests.console.test_serials_console import serial_form
from tests.factories import make_coupon

ENGLISH = {"Accept-Language": "en"}


async def test_coupon_form_sets_and_shows_its_audience(client, db):
    csrf = await signed_in(client)
    form_page = await client.get("/admin/coupons/new")
    assert 'name="audience_segment_ids"' in form_page.text and "단골" in form_page.text  # built-in groups listed
    regulars = await Segment.get(builtin_key="REGULARS")
    first = await Segment.get(builtin_key="FIRST_EARNING")

    bad = await post(client, "/admin/coupons/new", csrf, coupon_form(audience_segment_ids=["999999"]), **ENGLISH)
    assert bad.status_code == 422 and 'id="audience_segment_ids-error"' in bad.text
    assert await Coupon.all().count() == 0

    made = await post(client, "/admin/coupons/new", csrf,
                      coupon_form(audience_segment_ids=[str(regulars.id), str(first.id)]))
    coupon = await Coupon.get(name="봄맞이 할인")
    assert made.status_code == 204
    assert list(await CouponAudience.filter(coupon_id=coupon.id).order_by("id").values_list(
        "segment_id", flat=True)) == [regulars.id, first.id]
    detail = await client.get(f"/admin/coupons/{coupon.id}")
    assert f'<a href="/admin/segments/{regulars.id}">단골</a>' in detail.text and "대상 회원" in detail.text
    edit = await client.get(f"/admin/coupons/{coupon.id}/edit")
    assert f'<option value="{regulars.id}" selected>' in edit.text

    await post(client, f"/admin/coupons/{coupon.id}/edit", csrf, coupon_form())  # none chosen: everyone
    assert not await CouponAudience.filter(coupon_id=coupon.id).exists()
    assert '<dd id="coupon-audience">전체 회원</dd>' in (await client.get(f"/admin/coupons/{coupon.id}")).text


async def test_serial_form_sets_and_shows_its_audience(client, db):
    coupon = await make_coupon(name="만원 할인")
    csrf = await signed_in(client)
    await client.get("/admin/serials/new")  # lists (and so creates) the built-in groups
    regulars = await Segment.get(builtin_key="REGULARS")
    made = await post(client, "/admin/serials/new", csrf,
                      serial_form([coupon.id], audience_segment_ids=[str(regulars.id)]))
    campaign = await SerialCampaign.get(name="종이쿠폰 전환")
    assert made.status_code == 204
    assert await SerialAudience.filter(campaign_id=campaign.id, segment_id=regulars.id).exists()
    detail = await client.get(f"/admin/serials/{campaign.id}")
    assert f'<a href="/admin/segments/{regulars.id}">단골</a>' in detail.text
    edit = await client.get(f"/admin/serials/{campaign.id}/edit")
    assert f'<option value="{regulars.id}" selected>' in edit.text
