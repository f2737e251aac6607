"""Refunds (SPEC 5): requests by members (own orders only) and operators, the advisory estimate,
completion and rejection with their money rules, the member's messages, filters and the export.
Every database test runs on SQLite and PostgreSQL; the race runs on PostgreSQL only."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from tortoise import connections

from gql.resolvers import refunds
from gql.resolvers.access import Actor, ActorKind, operator_actor
from gql.resolvers.errors import Refused
from gql.resolvers.pagination import PageRequest
from gql.resolvers.refund_export import start_refund_export
from gql.resolvers.refunds import RefundFilter, RefundInput, RefundKind, estimate_refund_deduction
from kupon import jobs
from kupon.timeutil import now_utc, seoul_today
from models.access import Role
from models.audit import AuditEntry
from models.catalog import ProductKind
from models.jobs import JobFile, JobStatus
from models.orders import ItemStatus, Order, OrderItem, OrderStatus
from models.refunds import MemberMessage, RefundRequest, RefundStatus
from tests.conftest import console_login, graphql
from tests.factories import PASSWORD, make_member, make_operator, make_product, make_site, member_token
from tests.refunds.orders import make_paid_order

PAGE = PageRequest(first=50)


def member_actor(member) -> Actor:
    return Actor(ActorKind.MEMBER, id=member.id, label=member.login_id, member_id=member.id)


async def operator(role: Role = Role.OPERATOR) -> Actor:
    return operator_actor(await make_operator(role))


async def refused(awaitable) -> list[str]:
    with pytest.raises(Refused) as info:
        await awaitable
    return info.value.codes


# The estimate (pure) -----------------------------------------------------------------------------------

def test_estimate_matches_the_seed_example_exactly():
    estimate = estimate_refund_deduction(280_000, 464, 2_197)
    # 464 / 2,197 = 21.1197...%: shown rounded down as 21.11%; 280,000 x 464 / 2,197 = 59,135.18 -> 59,135
    # (the amount comes from the exact ratio, not from 21.11%, which would give 59,108).
    assert estimate.by_time.percent_hundredths == 2111 and estimate.by_time.percent_text == "21.11%"
    assert estimate.by_time.amount == 59_135
    assert (estimate.by_progress.percent_text, estimate.by_progress.amount) == ("0.00%", 0)


def test_estimate_by_progress_rounds_down_too():
    estimate = estimate_refund_deduction(100_000, 0, 30, progress_done=1, progress_total=3)
    assert estimate.by_time.amount == 0
    assert estimate.by_progress.amount == 33_333 and estimate.by_progress.percent_text == "33.33%"
    assert estimate_refund_deduction(99_999, 30, 30, 3, 3).by_time.amount == 99_999


def test_estimate_refuses_impossible_inputs():
    for args in [(1000, 5, 0), (1000, 6, 5), (1000, -1, 5)]:
        with pytest.raises(Refused) as info:
            estimate_refund_deduction(*args)
        assert info.value.codes == ["INVALID_DAYS"]
    with pytest.raises(Refused) as info:
        estimate_refund_deduction(1000, 1, 5, progress_done=4, progress_total=3)
    assert info.value.codes == ["INVALID_PROGRESS"]


def test_elapsed_days_count_seoul_days():
    today = seoul_today()
    assert refunds.elapsed_days(now_utc() - timedelta(days=464), today) == 464
    assert refunds.elapsed_days(None, today) == 0


# Requests ----------------------------------------------------------------------------------------------

async def test_member_requests_a_refund_of_their_own_order_only(db):
    member, other = await make_member(), await make_member()
    order = await make_paid_order(member)
    refund = await refunds.request_refund(member_actor(member), RefundInput(order_id=order.id, reason="단순 변심"))
    assert (refund.amount, refund.status, refund.requested_by) == (280_000, RefundStatus.REQUESTED,
                                                                   f"member:{member.login_id}")
    assert await refused(refunds.request_refund(member_actor(other), RefundInput(order_id=order.id))) == ["NOT_FOUND"]
    # Members see their own refunds only.
    assert (await refunds.list_refunds(member_actor(other), RefundFilter(), PAGE)).total_count == 0
    assert (await refunds.list_refunds(member_actor(member), RefundFilter(), PAGE)).total_count == 1
    assert await refused(refunds.get_refund(member_actor(other), refund.id)) == ["NOT_FOUND"]


async def test_operator_requests_on_a_members_behalf_and_viewers_cannot(db):
    order = await make_paid_order()
    viewer = await operator(Role.VIEWER)
    assert await refused(refunds.request_refund(viewer, RefundInput(order_id=order.id))) == ["FORBIDDEN"]
    op = await operator()
    refund = await refunds.request_refund(op, RefundInput(order_id=order.id, amount=100_000, method="BANK_TRANSFER",
                                                          bank="국민은행", account_number="123-456-789012",
                                                          account_holder="홍길동"))
    assert refund.amount == 100_000 and refund.requested_by == f"operator:{op.label}"
    assert await AuditEntry.filter(action="refund.request", entity_id=str(refund.id)).count() == 1


async def test_bank_account_is_required_for_a_transfer_and_stored_encrypted(db):
    order = await make_paid_order()
    op = await operator()
    codes = await refused(refunds.request_refund(op, RefundInput(order_id=order.id, method="BANK_TRANSFER")))
    assert codes == ["REQUIRED", "REQUIRED", "REQUIRED"]
    refund = await refunds.request_refund(op, RefundInput(order_id=order.id, method="BANK_TRANSFER", bank="신한",
                                                          account_number="110-123-456789", account_holder="홍길동"))
    raw = await connections.get("default").execute_query_dict(
        "SELECT account_number FROM refund_request WHERE id = " + str(refund.id))
    assert "110-123-456789" not in raw[0]["account_number"]
    assert (await RefundRequest.get(id=refund.id)).account_number == "110-123-456789"


async def test_requests_never_ask_for_more_than_is_refundable(db):
    member = await make_member()
    order = await make_paid_order(member, [("교재", 10_000, ProductKind.BOOK), ("강의", 20_000)], shipping_fee=3_000)
    book, course = await OrderItem.filter(order_id=order.id).order_by("id")
    me = member_actor(member)
    assert await refused(refunds.request_refund(me, RefundInput(order_id=order.id, item_ids=[book.id],
                                                                amount=10_001))) == ["REFUND_TOO_MUCH"]
    assert await refused(refunds.request_refund(me, RefundInput(order_id=order.id, amount=0))) == ["INVALID_AMOUNT"]
    assert await refused(refunds.request_refund(me, RefundInput(order_id=order.id, item_ids=[999_999]))) == [
        "NOT_FOUND"]
    one = await refunds.request_refund(me, RefundInput(order_id=order.id, item_ids=[book.id]))
    assert one.amount == 10_000  # an item's refund leaves the shipping fee on the order
    assert await refused(refunds.request_refund(me, RefundInput(order_id=order.id, item_ids=[book.id]))) == [
        "REFUND_ALREADY_REQUESTED"]
    assert await refused(refunds.request_refund(me, RefundInput(order_id=order.id))) == ["REFUND_ALREADY_REQUESTED"]
    other_item = await refunds.request_refund(me, RefundInput(order_id=order.id, item_ids=[course.id]))
    assert other_item.amount == 20_000


async def test_only_paid_or_partly_refunded_orders_take_requests(db):
    member = await make_member()
    for status in (OrderStatus.CANCELLED, OrderStatus.AWAITING_DEPOSIT, OrderStatus.FULLY_REFUNDED):
        order = await make_paid_order(member, status=status)
        assert await refused(refunds.request_refund(member_actor(member), RefundInput(order_id=order.id))) == [
            "ORDER_NOT_REFUNDABLE"]
    free = await make_paid_order(member, [("무료 특강", 0)])
    assert await refused(refunds.request_refund(member_actor(member), RefundInput(order_id=free.id))) == [
        "NOTHING_TO_REFUND"]


async def test_gift_card_part_is_refundable_like_the_rest(db):
    order = await make_paid_order(gift_card_amount=30_000)
    op = await operator()
    refund = await refunds.request_refund(op, RefundInput(order_id=order.id))
    assert refund.amount == 280_000 == await refunds.refundable_of(refund)
    await refunds.complete_refund(op, refund.id, 280_000)
    assert (await Order.get(id=order.id)).status == OrderStatus.FULLY_REFUNDED


# Completion and rejection ------------------------------------------------------------------------------

async def test_partial_refunds_add_up_to_a_full_refund(db):
    member = await make_member()
    order = await make_paid_order(member, [("교재 A", 2_000, ProductKind.BOOK), ("교재 B", 1_000, ProductKind.BOOK)])
    a, b = await OrderItem.filter(order_id=order.id).order_by("id")
    op = await operator()
    first = await refunds.request_refund(member_actor(member), RefundInput(order_id=order.id, amount=1_000))
    done = await refunds.complete_refund(op, first.id, 1_000, memo="교재 반품")
    assert (done.status, done.refunded_amount, done.handler_id, done.memo) == (RefundStatus.COMPLETED, 1_000, op.id,
                                                                                "교재 반품")
    assert refunds.refund_kind(done, 3_000) == RefundKind.PARTIAL
    order = await Order.get(id=order.id)
    assert (order.refunded_amount, order.status) == (1_000, OrderStatus.PARTIALLY_REFUNDED)
    a, b = await OrderItem.filter(order_id=order.id).order_by("id")
    # 1,000 spread over 2,000 and 1,000 left: 667 and 333 (the remainder to the larger line).
    assert (a.refunded_amount, b.refunded_amount) == (667, 333)
    assert a.status == b.status == ItemStatus.PARTIALLY_REFUNDED

    second = await refunds.request_refund(member_actor(member), RefundInput(order_id=order.id))
    assert second.amount == 2_000
    assert await refused(refunds.complete_refund(op, second.id, 2_001)) == ["REFUND_TOO_MUCH"]
    await refunds.complete_refund(op, second.id, 2_000)
    order = await Order.get(id=order.id)
    assert (order.refunded_amount, order.status) == (3_000, OrderStatus.FULLY_REFUNDED)
    a, b = await OrderItem.filter(order_id=order.id).order_by("id")
    assert (a.refunded_amount, b.refunded_amount, a.status, b.status) == (2_000, 1_000, ItemStatus.REFUNDED,
                                                                          ItemStatus.REFUNDED)
    assert await refused(refunds.request_refund(member_actor(member), RefundInput(order_id=order.id))) == [
        "ORDER_NOT_REFUNDABLE"]


async def test_a_full_refund_at_once_is_full_and_covers_shipping(db):
    order = await make_paid_order(lines=[("교재", 10_000, ProductKind.BOOK)], shipping_fee=3_000)
    op = await operator()
    refund = await refunds.request_refund(op, RefundInput(order_id=order.id))
    assert refund.amount == 13_000
    done = await refunds.complete_refund(op, refund.id, 13_000)
    assert refunds.refund_kind(done, 13_000) == RefundKind.FULL
    item = await OrderItem.get(order_id=order.id)
    assert (item.refunded_amount, item.status) == (10_000, ItemStatus.REFUNDED)  # the rest was the shipping fee
    assert (await Order.get(id=order.id)).status == OrderStatus.FULLY_REFUNDED


async def test_completing_refuses_bad_amounts_and_closed_requests(db):
    order = await make_paid_order()
    op = await operator()
    refund = await refunds.request_refund(op, RefundInput(order_id=order.id, amount=50_000))
    assert await refused(refunds.complete_refund(op, refund.id, 0)) == ["INVALID_AMOUNT"]
    assert await refused(refunds.complete_refund(op, refund.id, 280_001)) == ["REFUND_TOO_MUCH"]
    assert (await RefundRequest.get(id=refund.id)).status == RefundStatus.REQUESTED  # rolled back
    assert (await Order.get(id=order.id)).refunded_amount == 0
    # The operator decides: more than was asked for is fine while it stays refundable.
    await refunds.complete_refund(op, refund.id, 60_000)
    assert await refused(refunds.complete_refund(op, refund.id, 1)) == ["REFUND_NOT_OPEN"]
    assert await refused(refunds.reject_refund(op, refund.id, "중복")) == ["REFUND_NOT_OPEN"]
    assert await refused(refunds.complete_refund(await operator(Role.VIEWER), refund.id, 1)) == ["FORBIDDEN"]
    assert (await Order.get(id=order.id)).refunded_amount == 60_000


async def test_rejecting_needs_a_reason_and_changes_no_money(db):
    member = await make_member()
    order = await make_paid_order(member)
    op = await operator()
    refund = await refunds.request_refund(member_actor(member), RefundInput(order_id=order.id))
    assert await refused(refunds.reject_refund(op, refund.id, "  ")) == ["REQUIRED"]
    rejected = await refunds.reject_refund(op, refund.id, "수강 기간이 지났습니다")
    assert (rejected.status, rejected.rejected_reason, rejected.refunded_amount) == (
        RefundStatus.REJECTED, "수강 기간이 지났습니다", 0)
    order = await Order.get(id=order.id)
    assert (order.status, order.refunded_amount) == (OrderStatus.PAID, 0)
    message = await MemberMessage.get(member_id=member.id)
    assert message.template == "refund.rejected" and message.payload["reason"] == "수강 기간이 지났습니다"
    assert await AuditEntry.filter(action="refund.reject").count() == 1


async def test_member_is_notified_of_completion_unless_the_operator_says_not_to(db):
    member = await make_member()
    order = await make_paid_order(member, [("강의 A", 100_000), ("강의 B", 100_000)])
    a, b = await OrderItem.filter(order_id=order.id).order_by("id")
    op = await operator()
    one = await refunds.request_refund(op, RefundInput(order_id=order.id, item_ids=[a.id]))
    two = await refunds.request_refund(op, RefundInput(order_id=order.id, item_ids=[b.id]))
    await refunds.complete_refund(op, one.id, 100_000)
    await refunds.complete_refund(op, two.id, 50_000, notify=False)
    messages = await MemberMessage.filter(member_id=member.id)
    assert len(messages) == 1 and messages[0].status == "PENDING"
    assert messages[0].template == "refund.completed"
    assert messages[0].payload == {"refund_id": one.id, "order_number": order.number, "order_name": order.name,
                                   "amount": 100_000, "kind": "PARTIAL"}
    a, b = await OrderItem.filter(order_id=order.id).order_by("id")
    assert (a.refunded_amount, a.status, b.refunded_amount, b.status) == (
        100_000, ItemStatus.REFUNDED, 50_000, ItemStatus.PARTIALLY_REFUNDED)
    assert await AuditEntry.filter(action="refund.complete").count() == 2


async def test_concurrent_completions_never_refund_more_than_was_paid(db):
    """Two requests of one order, each completed with the whole amount at the same time (and one
    request completed twice at once): exactly one payment of each kind goes through."""
    if not db.is_postgres:
        pytest.skip("SQLite serialises one process's writes behind one connection: a race proves nothing there")
    op = await operator()
    for _ in range(5):
        order = await make_paid_order(lines=[("강의 A", 100_000), ("강의 B", 100_000)])
        a, b = await OrderItem.filter(order_id=order.id).order_by("id")
        one = await refunds.request_refund(op, RefundInput(order_id=order.id, item_ids=[a.id]))
        two = await refunds.request_refund(op, RefundInput(order_id=order.id, item_ids=[b.id]))
        # Both fit alone; together they would be 300,000 of 200,000 paid.
        outcomes = await asyncio.wait_for(asyncio.gather(
            refunds.complete_refund(op, one.id, 100_000), refunds.complete_refund(op, one.id, 100_000),
            refunds.complete_refund(op, two.id, 100_000), refunds.complete_refund(op, two.id, 100_000),
            return_exceptions=True), 60)
        codes = sorted(code for o in outcomes if isinstance(o, Refused) for code in o.codes)
        assert not [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, Refused)], outcomes
        assert codes == ["REFUND_NOT_OPEN", "REFUND_NOT_OPEN"]
        order = await Order.get(id=order.id)
        assert (order.refunded_amount, order.status) == (200_000, OrderStatus.FULLY_REFUNDED)
        assert sum(await OrderItem.filter(order_id=order.id).values_list("refunded_amount", flat=True)) == 200_000

    # Overlapping amounts: a whole-order request and an item request (made before the first),
    # each for more than half: only one can be paid.
    order = await make_paid_order(lines=[("강의 A", 100_000), ("강의 B", 100_000)])
    a, _ = await OrderItem.filter(order_id=order.id).order_by("id")
    item_request = await refunds.request_refund(op, RefundInput(order_id=order.id, item_ids=[a.id]))
    whole = await RefundRequest.create(order=order, item_ids=[], requested_at=now_utc(), requested_by="test",
                                       amount=150_000)
    outcomes = await asyncio.gather(refunds.complete_refund(op, whole.id, 150_000),
                                    refunds.complete_refund(op, item_request.id, 100_000), return_exceptions=True)
    order = await Order.get(id=order.id)
    assert order.refunded_amount <= order.paid_amount
    paid = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(paid) >= 1 and sum(r.refunded_amount for r in paid) == order.refunded_amount
    assert all(isinstance(o, RefundRequest) or o.codes == ["REFUND_TOO_MUCH"] for o in outcomes)


# The list and the export -------------------------------------------------------------------------------

async def _seed_list():
    site = await make_site()
    course = await make_product(site, name="한국사능력검정시험")
    member = await make_member(site, login_id="hong040", name="홍길금40")
    op = await operator()
    history = await make_paid_order(member, [("한국사능력검정시험", 280_000, ProductKind.COURSE, course)])
    books = await make_paid_order(await make_member(site), [("건축기사 교재", 2_000, ProductKind.BOOK),
                                                            ("포토샵 교재", 1_000, ProductKind.BOOK)])
    whole = await make_paid_order(lines=[("영화이야기", 200_000)])
    requested = await refunds.request_refund(op, RefundInput(order_id=history.id))
    partial = await refunds.complete_refund(op, (await refunds.request_refund(
        op, RefundInput(order_id=books.id, amount=1_000))).id, 1_000)
    full = await refunds.complete_refund(op, (await refunds.request_refund(op, RefundInput(order_id=whole.id))).id,
                                         200_000)
    await RefundRequest.filter(id=requested.id).update(requested_at=now_utc() - timedelta(days=40))
    return course, requested, partial, full


async def test_list_filters_of_seed_001(db):
    course, requested, partial, full = await _seed_list()
    op = await operator(Role.VIEWER)

    async def ids(**filters) -> list[int]:
        page = await refunds.list_refunds(op, RefundFilter(**filters), PAGE)
        return [r.id for r in page.items]

    assert await ids() == [full.id, partial.id, requested.id]
    assert await ids(product_id=course.id) == [requested.id]
    assert await ids(kind=RefundKind.FULL) == [full.id]
    assert await ids(kind=RefundKind.PARTIAL) == [partial.id]
    assert await ids(product_kind=ProductKind.BOOK) == [partial.id]
    assert await ids(status=RefundStatus.REQUESTED) == [requested.id]
    assert await ids(search="hong040") == [requested.id] == await ids(search="홍길금")
    assert await ids(search="영화") == [full.id]
    today = seoul_today()
    assert await ids(requested_from=today - timedelta(days=1)) == [full.id, partial.id]
    assert await ids(requested_to=today - timedelta(days=30)) == [requested.id]
    anonymous = Actor(ActorKind.ANONYMOUS)
    assert await refused(refunds.list_refunds(anonymous, RefundFilter(), PAGE)) == ["UNAUTHENTICATED"]


async def test_export_writes_the_filtered_list(db):
    await _seed_list()
    jobs.load_job_functions()
    runner = jobs.InProcessRunner()
    jobs.set_runner(runner)
    op = await operator()
    job = await start_refund_export(op, RefundFilter(status=RefundStatus.COMPLETED))
    await runner.run_pending()
    await job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    file = await JobFile.get(job_id=job.id)
    sheet = load_workbook(io.BytesIO(file.data)).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("No", "Order number", "Member") and len(rows) == 3
    assert {row[-4] for row in rows[1:]} == {"PARTIAL", "FULL"}
    assert await refused(start_refund_export(await operator(Role.VIEWER), RefundFilter())) == ["FORBIDDEN"]


# GraphQL -----------------------------------------------------------------------------------------------

REQUEST = """mutation($input: RequestRefundInput!) { requestRefund(input: $input) {
  refund { id status amount refundableAmount kind accountNumber order { id number status } }
  errors { code field messageKo } } }"""
COMPLETE = """mutation($id: ID!, $amount: Int!) { completeRefund(id: $id, amount: $amount) {
  refund { id status refundedAmount kind refundableAmount order { status refundedAmount } } errors { code } } }"""
REJECT = """mutation($id: ID!) { rejectRefund(id: $id, reason: "기간 경과") {
  refund { status rejectedReason } errors { code } } }"""
LIST = """query($filter: RefundFilterInput) { refunds(filter: $filter) { totalCount
  edges { node { id status kind order { number } } } } }"""
ESTIMATE = """{ estimateRefundDeduction(fee: 280000, elapsedDays: 464, totalDays: 2197) {
  byTime { percentHundredths percentText amount } byProgress { percentText amount } } }"""


async def test_refunds_through_graphql(client, db):
    member, other = await make_member(), await make_member()
    order = await make_paid_order(member, [("교재 A", 2_000, ProductKind.BOOK), ("교재 B", 1_000, ProductKind.BOOK)])
    others = await make_paid_order(other)
    token = await member_token(member)
    asked = await graphql(client, REQUEST, {"input": {"orderId": str(order.id), "amount": 1000,
                                                      "method": "BANK_TRANSFER", "bank": "신한",
                                                      "accountNumber": "110-123-456789", "accountHolder": "홍길동"}},
                          token=token)
    refund = asked["data"]["requestRefund"]["refund"]
    assert (refund["status"], refund["amount"], refund["refundableAmount"], refund["kind"]) == (
        "REQUESTED", 1000, 3000, None)
    assert refund["accountNumber"] == "110-123-456789"  # the member's own
    foreign = await graphql(client, REQUEST, {"input": {"orderId": str(others.id)}}, token=token)
    assert foreign["data"]["requestRefund"]["errors"][0]["code"] == "NOT_FOUND"
    mine = await graphql(client, LIST, token=token)
    assert mine["data"]["refunds"]["totalCount"] == 1
    anonymous = await graphql(client, REQUEST, {"input": {"orderId": str(order.id)}})
    assert anonymous["data"]["requestRefund"]["errors"][0]["code"] == "UNAUTHENTICATED"

    op = await make_operator()
    await console_login(client, op.login_id, PASSWORD)
    estimate = (await graphql(client, ESTIMATE))["data"]["estimateRefundDeduction"]
    assert estimate["byTime"] == {"percentHundredths": 2111, "percentText": "21.11%", "amount": 59135}
    assert estimate["byProgress"] == {"percentText": "0.00%", "amount": 0}
    too_much = await graphql(client, COMPLETE, {"id": refund["id"], "amount": 3001})
    assert too_much["data"]["completeRefund"]["errors"] == [{"code": "REFUND_TOO_MUCH"}]
    done = (await graphql(client, COMPLETE, {"id": refund["id"], "amount": 1000}))["data"]["completeRefund"]["refund"]
    assert (done["status"], done["refundedAmount"], done["kind"], done["refundableAmount"]) == (
        "COMPLETED", 1000, "PARTIAL", 0)
    assert done["order"] == {"status": "PARTIALLY_REFUNDED", "refundedAmount": 1000}
    second = await graphql(client, REQUEST, {"input": {"orderId": str(others.id)}})
    rejected = await graphql(client, REJECT, {"id": second["data"]["requestRefund"]["refund"]["id"]})
    assert rejected["data"]["rejectRefund"]["refund"] == {"status": "REJECTED", "rejectedReason": "기간 경과"}
    listed = await graphql(client, LIST, {"filter": {"kind": "PARTIAL"}})
    assert [e["node"]["order"]["number"] for e in listed["data"]["refunds"]["edges"]] == [order.number]
