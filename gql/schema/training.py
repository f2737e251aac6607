"""Training-card orders in GraphQL: the enrolments connection (personal numbers always masked),
enrolling a training-card course line, approving a selection."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from gql.resolvers import training
from gql.schema.common import (
    Connection,
    UserError,
    connection_from_page,
    page_request,
    payload_of,
    query_or_error,
    to_pk,
)
from gql.schema.orders import OrderStatusEnum
from gql.schema.permissions import CanChangeShop, CanReadShop
from models.training import EnrolmentStatus, TrainingEnrolment

EnrolmentStatusEnum = strawberry.enum(EnrolmentStatus, name="EnrolmentStatus")


@strawberry.type(name="TrainingEnrolment")
class EnrolmentNode:
    id: strawberry.ID
    item_id: strawberry.ID
    order_id: strawberry.ID
    order_number: str
    order_status: OrderStatusEnum
    order_paid_amount: int
    member_login_id: str
    course_id: strawberry.ID
    course_name: str
    cohort_year: int
    cohort_round: int
    status: EnrolmentStatusEnum
    trainee_name: str
    resident_number: str = strawberry.field(description="Always masked: 750101-1******.")
    card_number: str = strawberry.field(description="Always masked: the last 4 digits only.")
    card_last4: str
    approved_at: datetime | None

    @classmethod
    def from_model(cls, e: TrainingEnrolment) -> EnrolmentNode:
        order = e.item.order
        return cls(id=strawberry.ID(str(e.id)), item_id=strawberry.ID(str(e.item_id)),
                   order_id=strawberry.ID(str(order.id)), order_number=order.number, order_status=order.status,
                   order_paid_amount=order.paid_amount, member_login_id=order.member.login_id,
                   course_id=strawberry.ID(str(e.course_id)), course_name=e.course.name, cohort_year=e.cohort_year,
                   cohort_round=e.cohort_round, status=e.status, trainee_name=e.trainee_name,
                   resident_number=training.masked_resident_number(e), card_number=training.masked_card_number(e),
                   card_last4=e.card_last4, approved_at=e.approved_at)


@strawberry.input
class EnrolmentFilterInput:
    course_id: strawberry.ID | None = None
    cohort_year: int | None = None
    cohort_round: int | None = None
    status: EnrolmentStatusEnum | None = None
    order_status: OrderStatusEnum | None = None
    search: str = strawberry.field(default="", description="Trainee, order number, member id, course, card's last 4.")
    awaiting_approval: bool = strawberry.field(default=False, description="Paid orders waiting for approval.")


def enrolment_filter(f: EnrolmentFilterInput | None) -> training.EnrolmentFilter:
    f = f or EnrolmentFilterInput()
    return training.EnrolmentFilter(course_id=to_pk(f.course_id, "courseId"), cohort_year=f.cohort_year,
                                    cohort_round=f.cohort_round, status=f.status, order_status=f.order_status,
                                    search=f.search, awaiting_approval=f.awaiting_approval)


@strawberry.input
class CreateEnrolmentInput:
    item_id: strawberry.ID
    cohort_year: int
    cohort_round: int
    trainee_name: str
    resident_number: str
    card_number: str


@strawberry.type
class EnrolmentPayload:
    enrolment: EnrolmentNode | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ApproveEnrolmentsPayload:
    approved: list[EnrolmentNode] | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _loaded(ids: list[int]):
    return training.enrolment_query(training.EnrolmentFilter()).filter(id__in=ids).order_by("id")


@strawberry.type
class TrainingQuery:
    @strawberry.field(permission_classes=[CanReadShop], description="Seed 001 근로자카드주문, newest first.")
    async def enrolments(self, info: Info, first: int = 20, after: str | None = None,
                         filter: EnrolmentFilterInput | None = None) -> Connection[EnrolmentNode]:
        page = await query_or_error(training.list_enrolments(info.context.actor, enrolment_filter(filter),
                                                             page_request(first, after)))
        return connection_from_page(page, EnrolmentNode.from_model)


@strawberry.type
class TrainingMutation:
    @strawberry.mutation(permission_classes=[CanChangeShop],
                         description="Enrol the buyer of a training-card course line (numbers stored encrypted).")
    async def create_enrolment(self, info: Info, input: CreateEnrolmentInput) -> EnrolmentPayload:
        data = training.EnrolmentInput(item_id=to_pk(input.item_id, "itemId"), cohort_year=input.cohort_year,
                                       cohort_round=input.cohort_round, trainee_name=input.trainee_name,
                                       resident_number=input.resident_number, card_number=input.card_number)

        async def created():
            enrolment = await training.create_enrolment(info.context.actor, data)
            return await _loaded([enrolment.id]).first()

        return await payload_of(EnrolmentPayload, "enrolment", EnrolmentNode.from_model, created())

    @strawberry.mutation(permission_classes=[CanChangeShop],
                         description="Approve the chosen enrolments that wait; returns those approved now.")
    async def approve_enrolments(self, info: Info, ids: list[strawberry.ID]) -> ApproveEnrolmentsPayload:
        async def approved():
            done = await training.approve_enrolments(info.context.actor, [to_pk(i, "ids") for i in ids])
            return list(await _loaded([e.id for e in done]))

        return await payload_of(ApproveEnrolmentsPayload, "approved",
                                lambda rows: [EnrolmentNode.from_model(e) for e in rows], approved())
