from models.access import Role
from tests.conftest import graphql
from tests.factories import api_key, make_member, make_operator, make_site, member_token

MEMBERS = """
query($first: Int!, $after: String, $filter: MemberFilterInput) {
  members(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id name loginId phone email grade site { code } } }
  }
}"""


async def test_members_connection_pages_in_order_and_counts(client, db):
    site = await make_site()
    for _ in range(7):
        await make_member(site)
    key = await api_key()
    seen = []
    after = None
    while True:
        data = (await graphql(client, MEMBERS, {"first": 3, "after": after}, token=key))["data"]["members"]
        assert data["totalCount"] == 7
        seen += [edge["node"]["id"] for edge in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert len(seen) == 7 and len(set(seen)) == 7


async def test_members_filter_and_search(client, db):
    site_a, site_b = await make_site(), await make_site()
    await make_member(site_a, name="김민준", grade="VIP")
    await make_member(site_a, name="이서연")
    await make_member(site_b, name="김하은")
    key = await api_key()
    by_name = await graphql(client, MEMBERS, {"first": 10, "filter": {"search": "김"}}, token=key)
    assert {e["node"]["name"] for e in by_name["data"]["members"]["edges"]} == {"김민준", "김하은"}
    by_site = await graphql(client, MEMBERS, {"first": 10, "filter": {"search": "김", "siteId": str(site_a.id)}},
                            token=key)
    assert [e["node"]["name"] for e in by_site["data"]["members"]["edges"]] == ["김민준"]
    by_grade = await graphql(client, MEMBERS, {"first": 10, "filter": {"grade": "VIP"}}, token=key)
    assert by_grade["data"]["members"]["totalCount"] == 1


async def test_api_key_sees_masked_contact_details(client, db):
    await make_member(phone="010-9876-5432", email="gildong@example.com")
    data = await graphql(client, MEMBERS, {"first": 5}, token=await api_key())
    node = data["data"]["members"]["edges"][0]["node"]
    assert node["phone"] == "010-****-5432"
    assert node["email"] == "gi*****@example.com"


async def test_invalid_cursor_is_refused_with_a_code(client, db):
    data = await graphql(client, MEMBERS, {"first": 5, "after": "bm9wZQ=="}, token=await api_key())
    assert data["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"


async def test_page_size_is_bounded(client, db):
    data = await graphql(client, MEMBERS, {"first": 100000}, token=await api_key())
    assert data["errors"][0]["extensions"]["code"] == "INVALID_PAGE_SIZE"


UPDATE = """
mutation($input: UpdateMemberInput!) {
  updateMember(input: $input) { member { id name phone } errors { code field message messageKo } }
}"""


async def operator_session(client, role=Role.OPERATOR):
    from tests.conftest import console_login
    from tests.factories import PASSWORD

    operator = await make_operator(role)
    await console_login(client, operator.login_id, PASSWORD)
    return operator


async def test_update_member_returns_typed_errors_and_changes_nothing(client, db):
    member = await make_member(name="홍길동", phone="010-1111-2222")
    await operator_session(client)
    data = await graphql(client, UPDATE, {"input": {"id": str(member.id), "name": "", "phone": "02-123"}})
    errors = data["data"]["updateMember"]["errors"]
    assert {(e["code"], e["field"]) for e in errors} == {("REQUIRED", "name"), ("INVALID_PHONE", "phone")}
    assert all(e["messageKo"] for e in errors)
    await member.refresh_from_db()
    assert (member.name, member.phone) == ("홍길동", "010-1111-2222")


async def test_update_member_normalises_phone_and_is_audited(client, db):
    from models.audit import AuditEntry

    member = await make_member(phone="010-1111-2222")
    operator = await operator_session(client)
    data = await graphql(client, UPDATE, {"input": {"id": str(member.id), "phone": "01099998888"}})
    assert data["data"]["updateMember"] == {
        "member": {"id": str(member.id), "name": member.name, "phone": "010-9999-8888"}, "errors": []}
    entry = await AuditEntry.get(entity_type="Member", entity_id=str(member.id), action="member.update")
    assert entry.operator_id == operator.id
    assert entry.before == {"phone": "010-1111-2222"} and entry.after == {"phone": "010-9999-8888"}


async def test_member_reads_own_profile_with_full_contact(client, db):
    member = await make_member(phone="010-5555-6666")
    data = await graphql(client, "{ me { id phone } }", token=await member_token(member))
    assert data["data"]["me"] == {"id": str(member.id), "phone": "010-5555-6666"}


CREATE = """
mutation($input: CreateMemberInput!) {
  createMember(input: $input) { member { loginId grade } errors { code field } }
}"""


async def test_create_member_refuses_duplicates_and_bad_fields(client, db):
    site = await make_site()
    await make_member(site, login_id="taken")
    await operator_session(client)
    dup = await graphql(client, CREATE, {"input": {"siteId": str(site.id), "loginId": "taken", "name": "새회원"}})
    assert dup["data"]["createMember"]["errors"] == [{"code": "DUPLICATE", "field": "login_id"}]
    bad = await graphql(client, CREATE, {"input": {"siteId": str(site.id), "loginId": "a b", "name": "x",
                                                   "email": "not-an-email"}})
    assert {e["code"] for e in bad["data"]["createMember"]["errors"]} == {"INVALID_LOGIN_ID", "INVALID_EMAIL"}
    ok = await graphql(client, CREATE, {"input": {"siteId": str(site.id), "loginId": "newbie", "name": "새회원"}})
    assert ok["data"]["createMember"] == {"member": {"loginId": "newbie", "grade": "BASIC"}, "errors": []}
