"""The API keys screen: OWNER only, the secret shown once, revocation asks first and takes effect."""

from models.access import ApiKey, Role
from tests.conftest import console_login, graphql
from tests.factories import PASSWORD, make_operator


async def sign_in(client, role):
    operator = await make_operator(role)
    return await console_login(client, operator.login_id, PASSWORD)


async def test_only_owner_sees_the_screen(client, db):
    await sign_in(client, Role.OPERATOR)
    assert (await client.get("/admin/settings/api-keys")).status_code == 403
    assert "/admin/settings/api-keys" not in (await client.get("/admin/")).text


async def test_owner_creates_and_revokes_a_key(client, db):
    csrf = await sign_in(client, Role.OWNER)
    empty_name = await client.post("/admin/settings/api-keys/new", data={"name": " "},
                                   headers={"X-CSRF-Token": csrf})
    assert empty_name.status_code == 422 and await ApiKey.all().count() == 0
    created = await client.post("/admin/settings/api-keys/new", data={"name": "매출 대시보드"},
                                headers={"X-CSRF-Token": csrf})
    secret = created.text.split('<code id="new-secret">')[1].split("</code>")[0]
    assert secret.startswith("kpk_")
    assert secret not in (await client.get("/admin/settings/api-keys")).text  # shown once
    key = await ApiKey.get(name="매출 대시보드")
    page = await client.get("/admin/settings/api-keys")
    assert "hx-confirm" in page.text
    revoked = await client.post(f"/admin/settings/api-keys/{key.id}/revoke", headers={"X-CSRF-Token": csrf,
                                                                                      "HX-Request": "true"})
    assert revoked.status_code == 204
    client.cookies.clear()
    assert (await graphql(client, "{ sites { id } }", token=secret))["errors"][0]["extensions"]["code"] == \
        "UNAUTHENTICATED"
