"""Who may see and change what: one test per boundary (SPEC section 10)."""

from datetime import timedelta

import pytest

from kupon.timeutil import now_utc
from models.access import ApiKey, Role
from models.members import MemberToken
from tests.conftest import CSRF_RE, console_login, graphql
from tests.factories import PASSWORD, api_key, make_member, make_operator, member_token

MEMBERS = "{ members(first: 5) { totalCount edges { node { id phone } } } }"
UPDATE = """mutation($id: ID!) {
  updateMember(input: {id: $id, name: "바뀐이름"}) { member { name } errors { code } }
}"""


def error_code(result: dict) -> str:
    return result["errors"][0]["extensions"]["code"]


async def signed_in(client, role: Role):
    operator = await make_operator(role)
    return operator, await console_login(client, operator.login_id, PASSWORD)


async def test_anonymous_sees_nothing_private(client, db):
    await make_member()
    members = await graphql(client, MEMBERS)
    assert members["data"] is None and error_code(members) == "UNAUTHENTICATED"
    me = await graphql(client, "{ me { id } }")
    assert error_code(me) == "UNAUTHENTICATED"
    audit = await graphql(client, "{ auditEntries { totalCount } }")
    assert error_code(audit) == "UNAUTHENTICATED"


async def test_member_sees_only_their_own_data(client, db):
    member, other = await make_member(), await make_member()
    token = await member_token(member)
    assert error_code(await graphql(client, MEMBERS, token=token)) == "FORBIDDEN"
    other_member = await graphql(client, f'{{ member(id: "{other.id}") {{ id }} }}', token=token)
    assert error_code(other_member) == "FORBIDDEN"
    me = await graphql(client, "{ me { id loginId } }", token=token)
    assert me["data"]["me"] == {"id": str(member.id), "loginId": member.login_id}
    assert error_code(await graphql(client, UPDATE, {"id": str(member.id)}, token=token)) == "FORBIDDEN"


async def test_api_key_reads_but_cannot_mutate(client, db):
    member = await make_member()
    key = await api_key()
    assert (await graphql(client, MEMBERS, token=key))["data"]["members"]["totalCount"] == 1
    assert error_code(await graphql(client, UPDATE, {"id": str(member.id)}, token=key)) == "FORBIDDEN"
    assert error_code(await graphql(client, 'mutation { createApiKey(name: "x") { secret } }', token=key)) == \
        "FORBIDDEN"
    assert error_code(await graphql(client, "{ auditEntries { totalCount } }", token=key)) == "FORBIDDEN"
    await member.refresh_from_db()
    assert member.name != "바뀐이름"


async def test_viewer_reads_masked_data_and_cannot_mutate(client, db):
    member = await make_member(phone="010-1234-5678")
    await signed_in(client, Role.VIEWER)
    data = await graphql(client, MEMBERS)
    assert data["data"]["members"]["edges"][0]["node"]["phone"] == "010-****-5678"
    assert error_code(await graphql(client, UPDATE, {"id": str(member.id)})) == "FORBIDDEN"


async def test_viewer_is_refused_by_console_edit(client, db):
    member = await make_member(name="원래이름")
    _, csrf = await signed_in(client, Role.VIEWER)
    assert (await client.get(f"/admin/members/{member.id}/edit")).status_code == 403
    response = await client.post(f"/admin/members/{member.id}/edit", data={"csrf_token": csrf, "name": "바뀐이름"})
    assert response.status_code == 403
    await member.refresh_from_db()
    assert member.name == "원래이름"


async def test_operator_sees_full_contact_but_only_owner_manages_keys(client, db):
    await make_member(phone="010-1234-5678")
    await signed_in(client, Role.OPERATOR)
    data = await graphql(client, MEMBERS)
    assert data["data"]["members"]["edges"][0]["node"]["phone"] == "010-1234-5678"
    refused = await graphql(client, 'mutation { createApiKey(name: "dash") { secret } }')
    assert error_code(refused) == "FORBIDDEN"
    assert await ApiKey.all().count() == 0


async def test_owner_creates_a_key_that_works_until_revoked(client, db):
    await make_member()
    await signed_in(client, Role.OWNER)
    created = (await graphql(client, 'mutation { createApiKey(name: "dash") { id secret errors { code } } }'))
    secret, key_id = created["data"]["createApiKey"]["secret"], created["data"]["createApiKey"]["id"]
    assert secret.startswith("kpk_")
    stored = await ApiKey.get(id=key_id)
    assert secret not in (stored.key_hash, stored.prefix)  # only a digest is stored
    assert "data" in await graphql(client, MEMBERS, token=secret)
    revoked = await graphql(client, f'mutation {{ revokeApiKey(id: "{key_id}") {{ ok }} }}')
    assert revoked["data"]["revokeApiKey"]["ok"] is True
    client.cookies.clear()
    assert error_code(await graphql(client, MEMBERS, token=secret)) == "UNAUTHENTICATED"


async def test_expired_or_wrong_member_token_is_anonymous(client, db):
    member = await make_member()
    token = await member_token(member)
    assert error_code(await graphql(client, "{ me { id } }", token=token + "x")) == "UNAUTHENTICATED"
    await MemberToken.filter(member_id=member.id).update(expires_at=now_utc() - timedelta(seconds=1))
    assert error_code(await graphql(client, "{ me { id } }", token=token)) == "UNAUTHENTICATED"


async def test_console_requires_sign_in(client, db):
    response = await client.get("/admin/members")
    assert response.status_code == 303 and response.headers["location"].startswith("/admin/login")


async def test_state_changing_console_request_without_csrf_is_refused(client, db):
    member = await make_member(name="원래이름")
    csrf = (await signed_in(client, Role.OPERATOR))[1]
    without = await client.post(f"/admin/members/{member.id}/edit", data={"name": "바뀐이름"})
    assert without.status_code == 403
    wrong = await client.post(f"/admin/members/{member.id}/edit", data={"name": "바뀐이름"},
                              headers={"X-CSRF-Token": "forged"})
    assert wrong.status_code == 403
    await member.refresh_from_db()
    assert member.name == "원래이름"
    ok = await client.post(f"/admin/members/{member.id}/edit", data={"name": "바뀐이름", "grade": "BASIC"},
                           headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 303
    await member.refresh_from_db()
    assert member.name == "바뀐이름"


async def test_login_form_without_csrf_is_refused(client, db):
    operator = await make_operator()
    response = await client.post("/admin/login", data={"login_id": operator.login_id, "password": PASSWORD})
    assert response.status_code == 403
    assert "kupon_session" not in response.cookies or "operator_id" not in response.text


async def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, db):
    operator = await make_operator()
    page = await client.get("/admin/login")
    token = CSRF_RE.search(page.text).group(1)
    wrong_password = await client.post("/admin/login", data={"csrf_token": token, "login_id": operator.login_id,
                                                             "password": "nope"})
    unknown_login = await client.post("/admin/login", data={"csrf_token": token, "login_id": "ghost",
                                                            "password": "nope"})
    assert wrong_password.status_code == unknown_login.status_code == 401
    assert (await client.get("/admin/members")).status_code == 303


def test_every_console_route_that_accepts_post_is_protected():
    """A new POST route without `console_view` (which checks CSRF) fails this test."""
    from web import auth
    from web.routes import console_routes

    for route in console_routes():
        if "POST" in (route.methods or set()) and route.endpoint is not auth.login:
            assert getattr(route.endpoint, "console_protected", False), route.path


@pytest.mark.parametrize("production", [False, True])
async def test_session_cookie_flags(db, production):
    import httpx

    from kupon.app import create_app
    from kupon.settings import Settings
    from tests.conftest import TEST_SECRET

    app = create_app(Settings(database_url=db.url, env="production" if production else "development",
                              secret_key=TEST_SECRET))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://kupon.test") as c:
        # The first page sets the session (it holds the CSRF token).
        headers = (await c.get("/admin/login")).headers.get_list("set-cookie")
    assert headers, "the session cookie is set"
    header = headers[-1].lower()
    assert "httponly" in header and "samesite=lax" in header
    assert ("secure" in header) is production
