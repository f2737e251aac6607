"""Training-card orders (seed 001 근로자카드주문): enrolments with validated, encrypted personal
numbers shown masked; filters by course, cohort, enrolment and order status; approving a selection."""

from __future__ import annotations

import pytest
from tortoise import connections

from gql.resolvers import training
from gql.resolvers.access import operator_actor
from gql.resolvers.errors import Refused
from gql.resolvers.pagination import PageRequest
from gql.resolvers.training import EnrolmentFilter, EnrolmentInput
from models.access import Role
from models.audit import AuditEntry
from models.catalog import ProductKind
from models.orders import OrderItem, OrderStatus
from models.training import EnrolmentStatus, TrainingEnrolment
from tests.conftest import console_login, graphql
from tests.factories import PASSWORD, make_member, make_operator, make_product, make_site
from tests.refunds.orders import make_paid_order

PAGE = PageRequest(first=50)
RESIDENT = "750101-1234567"
CARD = "4111 1111 1111 1111"  # passes the Luhn check


async def training_item(course=None, site=None, **order_fields) -> OrderItem:
    site = site or await make_site()
    course = course or await make_product(site, name="전자상거래 근로자카드", training_card_eligible=True)
    order = await make_paid_order(await make_member(site), [(course.name, 0, ProductKind.COURSE, course, True)],
                                  **order_fields)
    return await OrderItem.get(order_id=order.id)


async def enrol(item, year=2020, round_=1, resident=RESIDENT, card=CARD, name="홍길금7"):
    owner = operator_actor(await make_operator(Role.OWNER))
    return await training.create_enrolment(owner, EnrolmentInput(item.id, year, round_, name, resident, card))


def test_resident_and_card_numbers_are_validated():
    assert training.valid_resident_number("750101-1234567") == "7501011234567"
    assert training.valid_resident_number("7501011234567") == "7501011234567"
    assert training.valid_resident_number("111111-1111127") == "1111111111127"  # seed 001's sample
    for bad in ["750132-1234567", "751301-1234567", "750101-123456", "7501O1-1234567", ""]:
        assert training.valid_resident_number(bad) is None, bad
    assert training.valid_card_number("4111-1111-1111-1111") == "4111111111111111"
    for bad in ["4111 1111 1111 1112", "4111", "4111-1111-1111-111a"]:
        assert training.valid_card_number(bad) is None, bad


async def test_numbers_are_encrypted_at_rest_and_shown_masked(db):
    enrolment = await enrol(await training_item())
    rows = await connections.get("default").execute_query_dict(
        f"SELECT resident_number, card_number, card_last4 FROM training_enrolment WHERE id = {enrolment.id}")
    raw = rows[0]
    assert "1234567" not in raw["resident_number"] and "750101" not in raw["resident_number"]
    assert "4111111111111111" not in raw["card_number"] and "1111" not in raw["card_number"]
    assert raw["resident_number"].startswith("gAAAAA") and raw["card_number"].startswith("gAAAAA")
    assert raw["card_last4"] == "1111"
    stored = await TrainingEnrolment.get(id=enrolment.id)
    assert stored.resident_number == RESIDENT and stored.card_number == "4111111111111111"
    assert training.masked_resident_number(stored) == "750101-1******"
    assert training.masked_card_number(stored) == "************1111"
    audit = await AuditEntry.get(action="enrolment.create")
    assert "1234567" not in str(audit.after) and "4111111111111111" not in str(audit.after)


async def test_enrolment_needs_a_training_card_course_line_once(db):
    item = await training_item()
    owner = operator_actor(await make_operator(Role.OWNER))
    with pytest.raises(Refused) as info:
        await training.create_enrolment(owner, EnrolmentInput(item.id, 1999, 0, "", "750101-12", "1234"))
    assert info.value.codes == ["INVALID_COHORT", "REQUIRED", "INVALID_RESIDENT_NUMBER", "INVALID_CARD_NUMBER"]
    await enrol(item)
    with pytest.raises(Refused) as info:
        await enrol(item)
    assert info.value.codes == ["DUPLICATE"]
    book_order = await make_paid_order(lines=[("교재", 10_000, ProductKind.BOOK)])
    with pytest.raises(Refused) as info:
        await enrol(await OrderItem.get(order_id=book_order.id))
    assert info.value.codes == ["NOT_TRAINING_CARD_ITEM"]
    viewer = operator_actor(await make_operator(Role.VIEWER))
    with pytest.raises(Refused) as info:
        await training.create_enrolment(viewer, EnrolmentInput(item.id, 2020, 1, "홍", RESIDENT, CARD))
    assert info.value.codes == ["FORBIDDEN"]


async def test_filters_and_approving_a_selection(db):
    site = await make_site()
    course = await make_product(site, name="전자상거래 근로자카드 2", training_card_eligible=True)
    other = await make_product(site, name="영화이야기", training_card_eligible=True)
    a = await enrol(await training_item(course, site), 2019, 7)
    b = await enrol(await training_item(course, site), 2019, 9)
    c = await enrol(await training_item(other, site, status=OrderStatus.CANCELLED), 2018, 1)
    viewer = operator_actor(await make_operator(Role.VIEWER))

    async def ids(**filters) -> list[int]:
        return [e.id for e in (await training.list_enrolments(viewer, EnrolmentFilter(**filters), PAGE)).items]

    assert await ids() == [c.id, b.id, a.id]
    assert await ids(course_id=course.id) == [b.id, a.id]
    assert await ids(cohort_year=2019, cohort_round=7) == [a.id]
    assert await ids(order_status=OrderStatus.CANCELLED) == [c.id]
    assert await ids(search="1111") == [c.id, b.id, a.id]  # the card's last four digits
    assert await ids(search="영화") == [c.id]
    assert await training.cohorts(viewer, course.id) == [(2019, 9), (2019, 7)]
    assert await ids(awaiting_approval=True) == [b.id, a.id]  # the cancelled order's does not wait

    owner = operator_actor(await make_operator(Role.OWNER))
    with pytest.raises(Refused):
        await training.approve_enrolments(viewer, [a.id])
    approved = await training.approve_enrolments(owner, [a.id, b.id])
    assert [e.id for e in approved] == [a.id, b.id]
    assert await ids(status=EnrolmentStatus.APPROVED) == [b.id, a.id]
    assert (await TrainingEnrolment.get(id=a.id)).approved_by_id == owner.id
    assert await training.approve_enrolments(owner, [a.id]) == []  # already approved: nothing to do
    assert await AuditEntry.filter(action="enrolment.approve").count() == 2


ENROLMENTS = """{ enrolments(filter: {awaitingApproval: true}) { totalCount edges { node {
  id residentNumber cardNumber cardLast4 cohortYear cohortRound status orderStatus courseName } } } }"""
APPROVE = """mutation($ids: [ID!]!) { approveEnrolments(ids: $ids) { approved { id status } errors { code } } }"""
CREATE = """mutation($input: CreateEnrolmentInput!) { createEnrolment(input: $input) {
  enrolment { id residentNumber cardNumber } errors { code field } } }"""


async def test_enrolments_through_graphql_are_masked(client, db):
    item = await training_item()
    op = await make_operator()
    await console_login(client, op.login_id, PASSWORD)
    created = await graphql(client, CREATE, {"input": {"itemId": str(item.id), "cohortYear": 2020, "cohortRound": 1,
                                                       "traineeName": "홍길금7", "residentNumber": RESIDENT,
                                                       "cardNumber": CARD}})
    assert created["data"]["createEnrolment"]["enrolment"]["residentNumber"] == "750101-1******"
    listed = await graphql(client, ENROLMENTS)
    node = listed["data"]["enrolments"]["edges"][0]["node"]
    assert (node["residentNumber"], node["cardNumber"], node["cardLast4"]) == ("750101-1******",
                                                                              "************1111", "1111")
    assert "1234567" not in str(listed) and "4111111111111111" not in str(listed)
    approved = await graphql(client, APPROVE, {"ids": [node["id"]]})
    assert approved["data"]["approveEnrolments"]["approved"] == [{"id": node["id"], "status": "APPROVED"}]
    assert (await graphql(client, ENROLMENTS))["data"]["enrolments"]["totalCount"] == 0


async def test_demo_enrolments_load_once_with_valid_numbers(db):
    from kupon.demo import load_demo_data

    await load_demo_data(member_count=12)
    count = await TrainingEnrolment.all().count()
    await load_demo_data(member_count=12)
    assert count == await TrainingEnrolment.all().count() > 0
    assert count == await OrderItem.filter(training_card=True, product_id__not_isnull=True).count()
    for e in await TrainingEnrolment.all():
        assert training.valid_resident_number(e.resident_number) and training.valid_card_number(e.card_number)
        assert e.card_last4 == e.card_number[-4:]
    assert await TrainingEnrolment.filter(status=EnrolmentStatus.APPROVED).exists()
