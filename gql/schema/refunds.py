"""Refunds in GraphQL: a member's request for their own order (or an operator's on their behalf),
the refunds connection, the advisory deduction estimate, completing and rejecting, the export."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from gql.resolvers import refunds
from gql.resolvers.errors import Refused
from gql.resolvers.refund_export import start_refund_export
from gql.schema.catalog import ProductKindEnum
from gql.schema.common import (
    Connection,
    UserError,
    connection_from_page,
    page_request,
    payload_of,
    query_or_error,
    to_pk,
)
from gql.schema.jobs import JobPayload, JobType
from gql.schema.orders import OrderNode
from gql.schema.permissions import CanChangeShop, CanReadShop
from kupon.privacy import mask_card_number
from models.refunds import RefundMethod, RefundRequest, RefundStatus

RefundStatusEnum = strawberry.enum(RefundStatus, name="RefundStatus")
RefundMethodEnum = strawberry.enum(RefundMethod, name="RefundMethod")
RefundKindEnum = strawberry.enum(refunds.RefundKind, name="RefundKind",
                                 description="FULL: the order's whole paid amount at once; PARTIAL: less.")


@strawberry.type(name="Refund")
class RefundNode:
    id: strawberry.ID
    order: OrderNode
    item_ids: list[strawberry.ID]
    requested_at: datetime
    requested_by: str
    status: RefundStatusEnum
    amount: int = strawberry.field(description="What was asked for.")
    refunded_amount: int = strawberry.field(description="What was paid back on completion.")
    kind: RefundKindEnum | None
    reason: str
    method: RefundMethodEnum
    bank: str
    account_holder: str
    memo: str
    rejected_reason: str
    handler_name: str | None
    completed_at: datetime | None
    raw_account: strawberry.Private[str | None]
    member_id: strawberry.Private[int]

    @strawberry.field(description="Last 4 digits only, unless the caller may change shop data or is the member.")
    def account_number(self, info: Info) -> str | None:
        if self.raw_account is None:
            return None
        return self.raw_account if info.context.actor.sees_personal_data_of(self.member_id) else mask_card_number(
            self.raw_account)

    @strawberry.field(description="What this request may still pay back now (0 once closed).")
    async def refundable_amount(self) -> int:
        if self.status != RefundStatus.REQUESTED:
            return 0
        return await refunds.refundable_of(await RefundRequest.get(id=int(self.id)))

    @classmethod
    def from_model(cls, r: RefundRequest) -> RefundNode:
        order = r.order
        return cls(id=strawberry.ID(str(r.id)), order=OrderNode.from_model(order),
                   item_ids=[strawberry.ID(str(i)) for i in r.item_ids or []], requested_at=r.requested_at,
                   requested_by=r.requested_by, status=r.status, amount=r.amount, refunded_amount=r.refunded_amount,
                   kind=refunds.refund_kind(r, order.paid_amount), reason=r.reason, method=r.method, bank=r.bank,
                   account_holder=r.account_holder, memo=r.memo, rejected_reason=r.rejected_reason,
                   handler_name=r.handler.name if r.handler_id and r.handler else None, completed_at=r.completed_at,
                   raw_account=r.account_number, member_id=order.member_id)


@strawberry.type(name="DeductionPart")
class DeductionPartNode:
    done: int
    total: int
    percent_hundredths: int = strawberry.field(description="Rounded down: 2111 is 21.11%.")
    percent_text: str
    amount: int = strawberry.field(description="fee x done / total, rounded down to the won.")


@strawberry.type(name="DeductionEstimate")
class DeductionEstimateNode:
    fee: int
    by_time: DeductionPartNode
    by_progress: DeductionPartNode


def _part(p: refunds.DeductionPart) -> DeductionPartNode:
    return DeductionPartNode(done=p.done, total=p.total, percent_hundredths=p.percent_hundredths,
                             percent_text=p.percent_text, amount=p.amount)


@strawberry.input
class RefundFilterInput:
    product_id: strawberry.ID | None = None
    requested_from: date | None = strawberry.field(default=None, description="Asia/Seoul date, inclusive.")
    requested_to: date | None = strawberry.field(default=None, description="Asia/Seoul date, inclusive.")
    kind: RefundKindEnum | None = None
    product_kind: ProductKindEnum | None = None
    status: RefundStatusEnum | None = None
    search: str = strawberry.field(default="", description="Order number or name, member login id or name.")


def refund_filter(f: RefundFilterInput | None) -> refunds.RefundFilter:
    f = f or RefundFilterInput()
    return refunds.RefundFilter(product_id=to_pk(f.product_id, "productId"), requested_from=f.requested_from,
                                requested_to=f.requested_to, kind=f.kind, product_kind=f.product_kind,
                                status=f.status, search=f.search)


@strawberry.input
class RequestRefundInput:
    order_id: strawberry.ID
    item_ids: list[strawberry.ID] = strawberry.field(default_factory=list,
                                                     description="Empty: the whole order (shipping included).")
    amount: int | None = strawberry.field(default=None, description="Empty: everything refundable.")
    reason: str = ""
    method: RefundMethodEnum = RefundMethod.CARD_CANCEL
    bank: str = ""
    account_number: str = ""
    account_holder: str = ""


@strawberry.type
class RefundPayload:
    refund: RefundNode | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


async def _refund_payload(actor, awaitable) -> RefundPayload:
    """The payload with the refund re-read with its order and handler (what `from_model` reads)."""

    async def loaded():
        return await refunds.get_refund(actor, (await awaitable).id)

    return await payload_of(RefundPayload, "refund", RefundNode.from_model, loaded())


@strawberry.type
class RefundQuery:
    @strawberry.field(description="Operators and API keys: every refund; a member: their own. Newest first.")
    async def refunds(self, info: Info, first: int = 20, after: str | None = None,
                      filter: RefundFilterInput | None = None) -> Connection[RefundNode]:
        page = await query_or_error(refunds.list_refunds(info.context.actor, refund_filter(filter),
                                                         page_request(first, after)))
        return connection_from_page(page, RefundNode.from_model)

    @strawberry.field(description="One refund (a member's own only); null when unknown.")
    async def refund(self, info: Info, id: strawberry.ID) -> RefundNode | None:
        try:
            return RefundNode.from_model(await refunds.get_refund(info.context.actor, to_pk(id, "id")))
        except Refused:
            return None

    @strawberry.field(permission_classes=[CanReadShop],
                      description="Advisory (seed 001 예상차감 금액): fee x elapsed days / total days and fee x "
                                  "progress, each rounded down to the won.")
    async def estimate_refund_deduction(self, fee: int, elapsed_days: int, total_days: int, progress_done: int = 0,
                                        progress_total: int = 0) -> DeductionEstimateNode:
        async def estimate():
            return refunds.estimate_refund_deduction(fee, elapsed_days, total_days, progress_done, progress_total)

        e = await query_or_error(estimate())
        return DeductionEstimateNode(fee=e.fee, by_time=_part(e.by_time), by_progress=_part(e.by_progress))


@strawberry.type
class RefundMutation:
    @strawberry.mutation(description="A member for their own order, or an operator on the member's behalf.")
    async def request_refund(self, info: Info, input: RequestRefundInput) -> RefundPayload:
        actor = info.context.actor
        data = refunds.RefundInput(
            order_id=to_pk(input.order_id, "orderId"), item_ids=[to_pk(i, "itemIds") for i in input.item_ids],
            amount=input.amount, reason=input.reason, method=input.method.value, bank=input.bank,
            account_number=input.account_number, account_holder=input.account_holder)
        return await _refund_payload(actor, refunds.request_refund(actor, data))

    @strawberry.mutation(permission_classes=[CanChangeShop],
                         description="Pay back an amount up to what is refundable; updates the order.")
    async def complete_refund(self, info: Info, id: strawberry.ID, amount: int, memo: str = "",
                              notify: bool = True) -> RefundPayload:
        actor = info.context.actor
        return await _refund_payload(actor, refunds.complete_refund(actor, to_pk(id, "id"), amount, memo, notify))

    @strawberry.mutation(permission_classes=[CanChangeShop], description="Close a request without paying back.")
    async def reject_refund(self, info: Info, id: strawberry.ID, reason: str, memo: str = "",
                            notify: bool = True) -> RefundPayload:
        actor = info.context.actor
        return await _refund_payload(actor, refunds.reject_refund(actor, to_pk(id, "id"), reason, memo, notify))

    @strawberry.mutation(permission_classes=[CanChangeShop], description="An XLSX of the filtered refunds (a job).")
    async def start_refund_export(self, info: Info, filter: RefundFilterInput | None = None) -> JobPayload:
        return await payload_of(JobPayload, "job", JobType.from_model,
                                start_refund_export(info.context.actor, refund_filter(filter)))
