"""Target selection: segments (latest snapshot), groups, filters and members picked by hand, united
without duplicates; exclusions by reason; send settings that do not apply to members picked by hand;
selecting again adds nothing."""

from __future__ import annotations

from datetime import timedelta

from gql.resolvers.campaign_targets import select_targets
from gql.resolvers.segments import recompute
from kupon.timeutil import clock_at
from models.activity import PointEntry, Visit
from models.campaigns import CampaignMessage, CampaignRun
from models.segments import Segment
from tests.campaigns.dispatch_support import consenting_member, make_campaign, seoul


async def select(campaign, at):
    run = await CampaignRun.create(campaign=campaign, scheduled_for=at)
    with clock_at(at):
        counts = await select_targets(run, campaign, at)
    rows = await CampaignMessage.filter(run=run).values_list("member_id", "status", "reason")
    return run, counts, {member: (status, reason) for member, status, reason in rows}


async def test_union_of_every_kind_of_target_without_duplicates(db):
    at = seoul(10, 10)
    gold = await consenting_member(grade="GOLD")
    regular = await consenting_member()
    for days in (1, 2, 3):
        await PointEntry.create(member=regular, kind="EARN", amount=100, at=at - timedelta(days=days))
    picked = await consenting_member()
    inactive = await consenting_member(grade="GOLD", is_active=False)
    segment = await Segment.create(name="골드", tree={"field": "GRADE", "grades": ["GOLD"]})
    with clock_at(at):
        await recompute(segment, at.date() - timedelta(days=1))
    campaign = await make_campaign(targets={"segment_ids": [segment.id], "groups": ["REGULARS"],
                                            "filters": {"field": "GRADE", "grades": ["GOLD"]},
                                            "member_ids": [picked.id, gold.id]})
    run, counts, found = await select(campaign, at)
    assert set(found) == {gold.id, regular.id, picked.id} and inactive.id not in found
    assert counts == {"targets": 3, "excluded": {}}
    with clock_at(at):
        assert await select_targets(run, campaign, at) == counts  # again: nothing added twice
    assert await CampaignMessage.filter(run=run).count() == 3


async def test_send_settings_exclude_with_their_reason_but_not_members_picked_by_hand(db):
    at = seoul(10, 10)
    quiet = await consenting_member()  # no visit
    visitor = await consenting_member()
    await Visit.create(member=visitor, site_id=visitor.site_id, channel="APP", at=at - timedelta(days=2))
    messaged = await consenting_member()
    await Visit.create(member=messaged, site_id=messaged.site_id, channel="APP", at=at - timedelta(days=1))
    earlier = await make_campaign([messaged.id], name="지난 캠페인")
    earlier_run = await CampaignRun.create(campaign=earlier, scheduled_for=at - timedelta(days=2))
    await CampaignMessage.create(run=earlier_run, campaign=earlier, member=messaged, status="SENT",
                                 queued_at=at - timedelta(days=2), sent_at=at - timedelta(days=2))
    picked = await consenting_member()  # no visit, but picked by hand
    members = [quiet, visitor, messaged]
    campaign = await make_campaign(targets={"filters": {"field": "GRADE", "grades": ["BASIC"]},
                                            "member_ids": [picked.id]},
                                   visited_within_days=7, skip_messaged_within_days=3)
    _, counts, found = await select(campaign, at)
    assert {m.id: found[m.id] for m in members} == {
        quiet.id: ("EXCLUDED", "NOT_VISITED"), visitor.id: ("QUEUED", ""),
        messaged.id: ("EXCLUDED", "RECENTLY_MESSAGED")}
    assert found[picked.id] == ("QUEUED", "")
    assert counts["excluded"] == {"NOT_VISITED": 1, "RECENTLY_MESSAGED": 1}
