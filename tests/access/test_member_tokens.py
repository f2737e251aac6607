"""Member bearer tokens resolve to the member, or to nobody (the lookup is raw SQL: benchmark `wallet`)."""

from datetime import timedelta

from gql.resolvers.access import ANONYMOUS, ActorKind
from gql.resolvers.auth import actor_from_bearer
from kupon.timeutil import now_utc
from models.members import Member, MemberToken
from tests.factories import make_member, member_token


async def test_a_member_token_is_its_member_until_expired_revoked_or_deactivated(db):
    member = await make_member()
    token = await member_token(member)
    actor = await actor_from_bearer(token)
    assert (actor.kind, actor.id, actor.member_id, actor.label) == (ActorKind.MEMBER, member.id, member.id,
                                                                   member.login_id)
    await MemberToken.filter(member_id=member.id).update(expires_at=now_utc() + timedelta(minutes=1))
    assert (await actor_from_bearer(token)).member_id == member.id
    await MemberToken.filter(member_id=member.id).update(expires_at=None)
    assert (await actor_from_bearer(token)).member_id == member.id
    await Member.filter(id=member.id).update(is_active=False)
    assert await actor_from_bearer(token) == ANONYMOUS
    await Member.filter(id=member.id).update(is_active=True)
    await MemberToken.filter(member_id=member.id).update(revoked_at=now_utc())
    assert await actor_from_bearer(token) == ANONYMOUS
    assert await actor_from_bearer("kmt_unknown") == ANONYMOUS
