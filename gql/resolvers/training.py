"""Training-card orders (seed 001 근로자카드주문): enrolments of courses paid with a government
training card, filtered by course, cohort, enrolment and order status, and approved in batches.

Resident registration and card numbers are validated, stored encrypted (models.fields.EncryptedTextField)
and only ever shown masked (`masked_resident_number`, `masked_card_number`): 750101-1******, last four
digits of the card. The card's last four digits are also kept in clear (`card_last4`) for search.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from gql.resolvers.access import Actor, require_change_shop, require_read_shop
from gql.resolvers.audit import record_change
from gql.resolvers.errors import Problem, Refused
from gql.resolvers.pagination import Page, PageRequest, paginate
from kupon.privacy import mask_card_number, mask_resident_number
from kupon.timeutil import now_utc
from models.catalog import ProductKind
from models.orders import OrderItem, OrderStatus
from models.training import EnrolmentStatus, TrainingEnrolment

_NOT_DIGITS = re.compile(r"\D")
_RESIDENT = re.compile(r"^\d{6}-?\d{7}$")
_CARD = re.compile(r"^[\d -]+$")
# The 7th digit: 1-4 for Koreans (born 1900s/2000s, men/women), 5-8 for registered foreigners, 9/0 for 1800s.
_CENTURY = {"1": 1900, "2": 1900, "3": 2000, "4": 2000, "5": 1900, "6": 1900, "7": 2000, "8": 2000,
            "9": 1800, "0": 1800}
MAX_APPROVE = 500


def valid_resident_number(text: str) -> str | None:
    """The 13 digits when `text` is a resident registration number with a real birth date, else None.
    The check digit is not verified: numbers issued since October 2020 need not satisfy it."""
    text = (text or "").strip()
    if not _RESIDENT.match(text):
        return None
    digits = _NOT_DIGITS.sub("", text)
    try:
        date(_CENTURY[digits[6]] + int(digits[:2]), int(digits[2:4]), int(digits[4:6]))
    except ValueError:
        return None
    return digits


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def valid_card_number(text: str) -> str | None:
    """The digits of a 14-19 digit card number passing the Luhn check (spaces and hyphens allowed), else None."""
    text = (text or "").strip()
    if not _CARD.match(text):
        return None
    digits = _NOT_DIGITS.sub("", text)
    return digits if 14 <= len(digits) <= 19 and luhn_ok(digits) else None


def masked_resident_number(enrolment: TrainingEnrolment) -> str:
    return mask_resident_number(enrolment.resident_number)


def masked_card_number(enrolment: TrainingEnrolment) -> str:
    return mask_card_number(enrolment.card_number)


@dataclass(frozen=True)
class EnrolmentInput:
    item_id: int
    cohort_year: int
    cohort_round: int
    trainee_name: str
    resident_number: str
    card_number: str


async def create_enrolment(actor: Actor, data: EnrolmentInput) -> TrainingEnrolment:
    """Enrol the buyer of a training-card course line; one enrolment per order item."""
    require_change_shop(actor)
    item = await OrderItem.get_or_none(id=data.item_id)
    problems: list[Problem] = []
    if item is None:
        raise Refused.because("NOT_FOUND", "item_id")
    if not item.training_card or item.kind != ProductKind.COURSE or item.product_id is None:
        problems.append(Problem("NOT_TRAINING_CARD_ITEM", "item_id"))
    if not (2000 <= data.cohort_year <= 2100 and 1 <= data.cohort_round <= 99):
        problems.append(Problem("INVALID_COHORT", "cohort_round"))
    name = (data.trainee_name or "").strip()
    if not name:
        problems.append(Problem("REQUIRED", "trainee_name"))
    elif len(name) > 50:
        problems.append(Problem("TOO_LONG", "trainee_name"))
    resident = valid_resident_number(data.resident_number)
    if resident is None:
        problems.append(Problem("INVALID_RESIDENT_NUMBER", "resident_number"))
    card = valid_card_number(data.card_number)
    if card is None:
        problems.append(Problem("INVALID_CARD_NUMBER", "card_number"))
    if problems:
        raise Refused(*problems)
    try:
        async with in_transaction():
            enrolment = await TrainingEnrolment.create(
                item=item, course_id=item.product_id, cohort_year=data.cohort_year, cohort_round=data.cohort_round,
                trainee_name=name, resident_number=f"{resident[:6]}-{resident[6:]}", card_number=card,
                card_last4=card[-4:])
            # Personal numbers stay out of the audit log: masked there too.
            await record_change(actor, "enrolment.create", enrolment, after={
                "item_id": item.id, "cohort": f"{data.cohort_year}/{data.cohort_round:02d}", "trainee_name": name,
                "resident_number": mask_resident_number(resident), "card_number": mask_card_number(card)})
    except IntegrityError:
        raise Refused.because("DUPLICATE", "item_id") from None
    return enrolment


@dataclass(frozen=True)
class EnrolmentFilter:
    course_id: int | None = None
    cohort_year: int | None = None
    cohort_round: int | None = None
    status: EnrolmentStatus | None = None
    order_status: OrderStatus | None = None
    search: str = ""
    # Seed 001 "결제완료/수강대기 검색": paid orders whose enrolment waits for approval.
    awaiting_approval: bool = False


def enrolment_query(flt: EnrolmentFilter) -> QuerySet:
    query = TrainingEnrolment.all().select_related("item", "item__order", "item__order__member", "course")
    if flt.course_id:
        query = query.filter(course_id=flt.course_id)
    if flt.cohort_year:
        query = query.filter(cohort_year=flt.cohort_year)
    if flt.cohort_round:
        query = query.filter(cohort_round=flt.cohort_round)
    if flt.status:
        query = query.filter(status=flt.status)
    if flt.order_status:
        query = query.filter(item__order__status=flt.order_status)
    if flt.awaiting_approval:
        query = query.filter(status=EnrolmentStatus.APPLIED, item__order__status=OrderStatus.PAID)
    if flt.search.strip():
        term = flt.search.strip()
        condition = (Q(trainee_name__icontains=term) | Q(item__order__number__icontains=term)
                     | Q(item__order__member__login_id__icontains=term) | Q(course__name__icontains=term))
        if term.isdigit() and len(term) == 4:
            condition |= Q(card_last4=term)
        query = query.filter(condition)
    return query.order_by("-id")


async def list_enrolments(actor: Actor, flt: EnrolmentFilter, page: PageRequest) -> Page[TrainingEnrolment]:
    require_read_shop(actor)
    return await paginate(enrolment_query(flt), page)


async def cohorts(actor: Actor, course_id: int | None = None) -> list[tuple[int, int]]:
    """The (year, round) pairs that have enrolments, newest first, for the cohort filter."""
    require_read_shop(actor)
    query = TrainingEnrolment.all()
    if course_id:
        query = query.filter(course_id=course_id)
    pairs = await query.order_by("cohort_year", "cohort_round").distinct().values_list("cohort_year", "cohort_round")
    return sorted({(year, round_) for year, round_ in pairs}, reverse=True)


async def approve_enrolments(actor: Actor, enrolment_ids: list[int]) -> list[TrainingEnrolment]:
    """Approve the chosen enrolments that wait (APPLIED); others are left as they are. Each
    approval is one conditional UPDATE, audited; returns the enrolments approved now."""
    require_change_shop(actor)
    ids = sorted(set(enrolment_ids))
    if len(ids) > MAX_APPROVE:
        raise Refused.because("TOO_MANY", "ids")
    if not ids:
        raise Refused.because("REQUIRED", "ids")
    approved = []
    now = now_utc()
    async with in_transaction():
        for enrolment_id in ids:
            if await TrainingEnrolment.filter(id=enrolment_id, status=EnrolmentStatus.APPLIED).update(
                    status=EnrolmentStatus.APPROVED, approved_at=now, approved_by_id=actor.id):
                await record_change(actor, "enrolment.approve", ("TrainingEnrolment", enrolment_id),
                                    {"status": EnrolmentStatus.APPLIED.value},
                                    {"status": EnrolmentStatus.APPROVED.value})
                approved.append(enrolment_id)
    return list(await TrainingEnrolment.filter(id__in=approved).order_by("id"))
