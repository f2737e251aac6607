"""The run and carried-over triggers through GraphQL: OWNER runs, switch refusal as a typed error,
progress and counts, pending triggers re-pointed; other operators cannot run."""

from gql.resolvers.access import operator_actor
from models.access import Role
from models.legacy import LegacyCoupon
from tests.conftest import console_login, graphql
from tests.factories import PASSWORD, make_operator
from tests.legacy.test_run import submitted

RUN = """mutation($id: ID!) { runLegacyMigration(id: $id) {
  run { application { status } job { status } } errors { code messageKo } } }"""
PROGRESS = """query($id: ID!) { migrationApplication(id: $id) {
  application { status movedCount alreadyCount unmatchedCount applicantName }
  job { status progress total } done total percent blockedBy { code } } }"""
SWITCH = """mutation { setCouponsEnabled(enabled: false) { enabled errors { code } } }"""
PENDING = """{ pendingLegacyTriggers { id legacyEvent event legacyCouponNumber couponId notice { code } } }"""
REPOINT = """mutation($trigger: ID!, $coupon: ID!) { repointLegacyTrigger(triggerId: $trigger, couponId: $coupon) {
  trigger { couponId isActive notice { code } } errors { code } } }"""


async def test_owner_runs_and_repoints_through_graphql(app, client, imported):
    owner = await make_operator(Role.OWNER)
    actor = operator_actor(owner)
    application = await submitted(actor, imported, ("19171914", "12171514"))
    await console_login(client, owner.login_id, PASSWORD)
    variables = {"id": str(application.id)}

    blocked = (await graphql(client, PROGRESS, variables))["data"]["migrationApplication"]
    assert blocked["blockedBy"] == {"code": "MIGRATION_SWITCH_ON"} and blocked["job"] is None
    refused = (await graphql(client, RUN, variables))["data"]["runLegacyMigration"]
    assert refused["run"] is None and refused["errors"][0]["code"] == "MIGRATION_SWITCH_ON"

    switched = await graphql(client, SWITCH)
    assert "errors" not in switched, switched
    started = (await graphql(client, RUN, variables))["data"]["runLegacyMigration"]
    assert started == {"run": {"application": {"status": "RUNNING"}, "job": {"status": "QUEUED"}}, "errors": []}
    await app.state.job_runner.run_pending()
    done = (await graphql(client, PROGRESS, variables))["data"]["migrationApplication"]
    assert done["application"] == {"status": "COMPLETED", "movedCount": 9, "alreadyCount": 0, "unmatchedCount": 1,
                                   "applicantName": ""}
    assert done["job"] == {"status": "SUCCEEDED", "progress": 9, "total": 9} and done["percent"] == 100

    pending = (await graphql(client, PENDING))["data"]["pendingLegacyTriggers"]
    assert [(t["legacyEvent"], t["event"], t["legacyCouponNumber"], t["notice"]["code"]) for t in pending] == [
        ("BIRTHDAY_ANNIVERSARY", "BIRTHDAY", "19171914", "TRIGGER_NOT_POINTED"),
        ("REFERRAL", None, "12171514", "TRIGGER_NOT_POINTED")]
    target = (await LegacyCoupon.get(number="12171514")).target_coupon_id
    repointed = (await graphql(client, REPOINT, {"trigger": pending[1]["id"], "coupon": str(target)}))
    assert repointed["data"]["repointLegacyTrigger"] == {
        "trigger": {"couponId": str(target), "isActive": True, "notice": {"code": "TRIGGER_EVENT_NOT_RAISED"}},
        "errors": []}
    assert len((await graphql(client, PENDING))["data"]["pendingLegacyTriggers"]) == 1


async def test_only_an_owner_runs(client, imported, owner):
    application = await submitted(owner, imported, ("19171914",))
    staff = await make_operator(Role.OPERATOR)
    await console_login(client, staff.login_id, PASSWORD)
    answer = await graphql(client, RUN, {"id": str(application.id)})
    assert answer["data"] is None and answer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
