"""The members screen over HTTP: fragments for htmx, inline errors, the audit trail."""

from models.access import Role
from models.audit import AuditEntry
from tests.conftest import console_login
from tests.factories import PASSWORD, make_member, make_operator, make_site

HTMX = {"HX-Request": "true"}


async def signed_in(client, role=Role.OPERATOR) -> str:
    operator = await make_operator(role)
    return await console_login(client, operator.login_id, PASSWORD)


async def test_list_renders_a_fragment_for_htmx_and_a_page_otherwise(client, db):
    site = await make_site()
    await make_member(site, name="김민준")
    await make_member(site, name="이서연")
    await signed_in(client)
    page = await client.get("/admin/members?q=김")
    assert "<html" in page.text and "김민준" in page.text and "이서연" not in page.text
    fragment = await client.get("/admin/members?q=김", headers=HTMX)
    assert "<html" not in fragment.text and 'id="member-table"' in fragment.text and "김민준" in fragment.text
    assert "HX-Request" in fragment.headers["vary"]
    restore = await client.get("/admin/members?q=김", headers={**HTMX, "HX-History-Restore-Request": "true"})
    assert "<html" in restore.text


async def test_list_masks_contact_details_and_pages(client, db):
    site = await make_site()
    for n in range(25):
        await make_member(site, phone=f"010-5555-{n:04d}")
    await signed_in(client)
    first = await client.get("/admin/members")
    assert "010-5555-" not in first.text and "010-****-" in first.text
    assert first.text.count("<tr>") - 1 == 20  # header row excluded
    second = await client.get("/admin/members?page=2", headers=HTMX)
    assert second.text.count("<tr>") - 1 == 5


async def test_bad_filter_value_is_shown_not_crashing(client, db):
    await signed_in(client)
    response = await client.get("/admin/members?from=2026-13-45&grade=NOPE")
    assert response.status_code == 200 and 'aria-invalid="true"' in response.text


async def test_edit_with_bad_phone_shows_inline_error_and_keeps_input(client, db):
    member = await make_member(phone="010-1111-2222")
    csrf = await signed_in(client)
    response = await client.post(f"/admin/members/{member.id}/edit", headers={**HTMX, "X-CSRF-Token": csrf,
                                                                                 "Accept-Language": "en"},
                                 data={"name": member.name, "phone": "02-12", "email": member.email,
                                       "grade": "BASIC"})
    assert response.status_code == 422
    assert 'id="phone-error"' in response.text and "010-1234-5678" in response.text
    assert 'value="02-12"' in response.text and "<html" not in response.text
    await member.refresh_from_db()
    assert member.phone == "010-1111-2222"


async def test_edit_is_audited_and_browsable(client, db):
    member = await make_member(name="원래이름")
    csrf = await signed_in(client)
    response = await client.post(f"/admin/members/{member.id}/edit", headers={**HTMX, "X-CSRF-Token": csrf},
                                 data={"name": "바뀐이름", "phone": member.phone, "email": member.email,
                                       "grade": "GOLD", "is_active": "on"})
    assert response.status_code == 204 and response.headers["HX-Redirect"] == f"/admin/members/{member.id}"
    entry = await AuditEntry.get(action="member.update")
    assert entry.before == {"name": "원래이름", "grade": "BASIC"}
    assert entry.after == {"name": "바뀐이름", "grade": "GOLD"}
    audit_page = await client.get("/admin/audit?action=member.update")
    assert "바뀐이름" in audit_page.text
    none = await client.get("/admin/audit?action=member.delete", headers=HTMX)
    assert "바뀐이름" not in none.text
    detail = await client.get(f"/admin/members/{member.id}")
    assert "바뀐이름" in detail.text and "member.update" in detail.text


async def test_unknown_member_is_a_404_page(client, db):
    await signed_in(client)
    assert (await client.get("/admin/members/999999")).status_code == 404
