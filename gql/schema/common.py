"""Types every domain uses: typed errors, connections, payloads."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import strawberry
from graphql import GraphQLError

from gql.resolvers.errors import Refused
from gql.resolvers.pagination import Page, PageRequest

T = TypeVar("T")


@strawberry.type(description="An expected failure: nothing was changed.")
class UserError:
    code: str
    message: str
    message_ko: str
    field: str | None = None


def user_errors(refused: Refused) -> list[UserError]:
    return [UserError(code=p.code, message=p.message, message_ko=p.message_ko, field=p.field)
            for p in refused.problems]


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    """Relay-style connection, paged and counted in SQL."""

    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int


def connection_from_page(page: Page, wrap: Callable) -> Connection:
    edges = [Edge(cursor=page.cursor_at(i), node=wrap(item)) for i, item in enumerate(page.items)]
    return Connection(
        edges=edges,
        total_count=page.total_count,
        page_info=PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )


def page_request(first: int, after: str | None) -> PageRequest:
    return PageRequest(first=first, after=after)


def as_graphql_error(refused: Refused) -> GraphQLError:
    first = refused.problems[0]
    return GraphQLError(
        first.message,
        extensions={"code": first.code, "messageKo": first.message_ko, "field": first.field,
                    "codes": refused.codes},
    )


async def query_or_error(awaitable: Awaitable[T]) -> T:
    """Queries have no payload to carry typed errors: a refusal becomes a GraphQL error with its code."""
    try:
        return await awaitable
    except Refused as refused:
        raise as_graphql_error(refused) from None


def to_pk(value: str | None, field: str) -> int | None:
    """A GraphQL ID to a primary key; a malformed one is refused like an unknown one."""
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise as_graphql_error(Refused.because("NOT_FOUND", field)) from None


async def payload_of(payload_type: type, field: str, wrap: Callable, awaitable: Awaitable):
    """A mutation's payload: `field` set to the wrapped result, or typed errors for a refusal."""
    try:
        value = await awaitable
    except Refused as refused:
        return payload_type(errors=user_errors(refused))
    return payload_type(**{field: wrap(value)})
