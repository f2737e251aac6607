"""The Strawberry ASGI view: works out who is calling and builds the per-request context."""

from __future__ import annotations

from strawberry.asgi import GraphQL

from gql.resolvers.access import ANONYMOUS, Actor, operator_actor
from gql.resolvers.auth import active_operator, actor_from_bearer
from gql.schema.context import Context

SESSION_OPERATOR_KEY = "operator_id"


async def actor_for_request(request) -> Actor:
    """Bearer token (member or API key) first, then a console session cookie."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return await actor_from_bearer(header[7:].strip())
    operator_id = request.session.get(SESSION_OPERATOR_KEY) if "session" in request.scope else None
    operator = await active_operator(operator_id)
    return operator_actor(operator) if operator else ANONYMOUS


class KuponGraphQL(GraphQL):
    async def get_context(self, request, response) -> Context:
        return Context(actor=await actor_for_request(request), request=request, response=response)
