"""The legacy migration run and carried-over automatic-issue triggers in GraphQL (SPEC 3).
Operators only; starting a run is for OWNERs."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from gql.resolvers import legacy_applications, legacy_run, legacy_triggers
from gql.resolvers.errors import REASONS, Refused
from gql.schema.common import UserError, payload_of, to_pk
from gql.schema.coupons import TriggerEventEnum
from gql.schema.jobs import JobType
from gql.schema.legacy import LegacyEventEnum, MigrationApplicationNode
from gql.schema.permissions import CanChangeShop, IsOperator, IsOwner
from models.coupons import CouponTrigger
from models.legacy import MigrationApplication


def _reason(code: str | None) -> UserError | None:
    return UserError(code=code, message=REASONS[code][0], message_ko=REASONS[code][1]) if code else None


@strawberry.type(name="MigrationRun")
class MigrationRunNode:
    application: MigrationApplicationNode
    job: JobType | None = strawberry.field(description="The run's job (progress, attempts, error), once started.")
    done: int = strawberry.field(description="Records moved so far (also by earlier attempts).")
    total: int = strawberry.field(description="Records with a matched member.")
    percent: int
    blocked_by: UserError | None = strawberry.field(
        description="Why a submitted or scheduled application cannot run now (MIGRATION_SWITCH_ON).")


async def _run_node(actor, application: MigrationApplication) -> MigrationRunNode:
    progress = await legacy_run.run_progress(actor, application.id)
    return MigrationRunNode(application=MigrationApplicationNode.from_model(application),
                            job=JobType.from_model(progress.job) if progress.job else None, done=progress.done,
                            total=progress.total, percent=progress.percent, blocked_by=_reason(progress.blocker))


@strawberry.type
class MigrationRunPayload:
    run: MigrationRunNode | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(name="LegacyAutoIssueTrigger")
class LegacyTriggerNode:
    id: strawberry.ID
    legacy_event: LegacyEventEnum = strawberry.field(description="The old system's event, kept as it was.")
    event: TriggerEventEnum | None = strawberry.field(description="kupon's event; null when kupon has none.")
    legacy_coupon_number: str
    legacy_coupon_name: str
    note: str
    coupon_id: strawberry.ID | None = strawberry.field(description="The smart coupon it issues; null: nothing.")
    is_active: bool
    notice: UserError | None = strawberry.field(description="TRIGGER_NOT_POINTED or TRIGGER_EVENT_NOT_RAISED.")

    @classmethod
    def from_model(cls, t: CouponTrigger) -> LegacyTriggerNode:
        source = t.legacy_trigger
        coupon = source.legacy_coupon if source else None
        return cls(id=strawberry.ID(str(t.id)), legacy_event=t.legacy_event, event=t.event,
                   legacy_coupon_number=coupon.number if coupon else "",
                   legacy_coupon_name=coupon.name if coupon else "", note=source.note if source else "",
                   coupon_id=strawberry.ID(str(t.coupon_id)) if t.coupon_id else None, is_active=t.is_active,
                   notice=_reason(legacy_triggers.trigger_notice(t)))


@strawberry.type
class LegacyTriggerPayload:
    trigger: LegacyTriggerNode | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class LegacyRunQuery:
    @strawberry.field(permission_classes=[IsOperator], description="An application with its run's progress.")
    async def migration_application(self, info: Info, id: strawberry.ID) -> MigrationRunNode | None:
        try:
            application = await legacy_applications.get_application(info.context.actor, to_pk(id, "id"))
        except Refused:
            return None
        return await _run_node(info.context.actor, application)

    @strawberry.field(permission_classes=[IsOperator],
                      description="Automatic-issue settings of migrated legacy coupons not re-pointed yet.")
    async def pending_legacy_triggers(self, info: Info) -> list[LegacyTriggerNode]:
        return [LegacyTriggerNode.from_model(t) for t in await legacy_triggers.pending_triggers(info.context.actor)]


@strawberry.type
class LegacyRunMutation:
    @strawberry.mutation(permission_classes=[IsOwner],
                         description="Run now; refused while coupons are usable in checkout.")
    async def run_legacy_migration(self, info: Info, id: strawberry.ID) -> MigrationRunPayload:
        async def started() -> MigrationRunNode:
            application = await legacy_run.run_migration(info.context.actor, to_pk(id, "id"))
            return await _run_node(info.context.actor, application)

        return await payload_of(MigrationRunPayload, "run", lambda node: node, started())

    @strawberry.mutation(permission_classes=[CanChangeShop])
    async def repoint_legacy_trigger(self, info: Info, trigger_id: strawberry.ID,
                                     coupon_id: strawberry.ID) -> LegacyTriggerPayload:
        async def repointed():
            return await legacy_triggers.repoint_trigger(info.context.actor, to_pk(trigger_id, "triggerId"),
                                                         to_pk(coupon_id, "couponId"))

        return await payload_of(LegacyTriggerPayload, "trigger", LegacyTriggerNode.from_model, repointed())

