"""Demo training-card enrolments (seed 001 근로자카드주문), called by `kupon.demo.load_demo_data`.

One enrolment per training-card course line of the demo orders, with made-up resident and card
numbers that pass validation (stored encrypted like real ones); the cohort is the order's Seoul
year and month; older paid ones are approved. Loading twice changes nothing (one enrolment per item).
"""

from __future__ import annotations

from datetime import timedelta

from gql.resolvers import training
from gql.resolvers.access import Actor, ActorKind
from kupon.timeutil import now_utc, to_seoul
from models.access import Role
from models.orders import OrderItem, OrderStatus
from models.training import TrainingEnrolment

DEMO_OPERATOR = Actor(ActorKind.OPERATOR, id=None, label="demo-data", role=Role.OWNER)
APPROVE_OLDER_THAN = timedelta(days=14)


def _card_number(n: int) -> str:
    """A 16-digit number starting 9410 (no real issuer) with its Luhn check digit."""
    body = f"9410{n:011d}"
    total = 0
    for index, char in enumerate(reversed(body)):
        value = int(char) * (1 if index % 2 else 2)
        total += value - 9 if value > 9 else value
    return body + str((10 - total % 10) % 10)


async def load_demo_enrolments() -> int:
    """Returns how many enrolments were made now."""
    enrolled = set(await TrainingEnrolment.all().values_list("item_id", flat=True))
    items = await OrderItem.filter(training_card=True, product_id__not_isnull=True).select_related(
        "order", "order__member").order_by("id")
    made, approve = 0, []
    for item in items:
        if item.id in enrolled:
            continue
        local = to_seoul(item.order.ordered_at)
        enrolment = await training.create_enrolment(DEMO_OPERATOR, training.EnrolmentInput(
            item_id=item.id, cohort_year=local.year, cohort_round=local.month, trainee_name=item.order.member.name,
            resident_number=f"{80 + item.id % 20:02d}{1 + item.id % 12:02d}{1 + item.id % 28:02d}-"
                            f"{1 + item.id % 2}{item.id:06d}",
            card_number=_card_number(item.id)))
        made += 1
        if item.order.status == OrderStatus.PAID and item.order.ordered_at < now_utc() - APPROVE_OLDER_THAN:
            approve.append(enrolment.id)
    if approve:
        await training.approve_enrolments(DEMO_OPERATOR, approve[:training.MAX_APPROVE])
    return made
