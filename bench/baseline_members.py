"""The `members` baseline: the same query and JSON as kupon's, answered from memory.

What is left when the database, permissions, DataLoaders and kupon's own
code are taken away: Strawberry over Starlette under uvicorn, with the same
parser and validation caches kupon's schema uses. The data is the JSON kupon
served, read from the file named by BENCH_MEMBERS_DATA, so both answers are
byte-for-byte the same size.

Served with `uvicorn bench.baseline_members:create_app --factory`.
"""

from __future__ import annotations

import json
import os
from enum import Enum

import strawberry
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache

DATA_ENV = "BENCH_MEMBERS_DATA"


@strawberry.enum
class Grade(Enum):
    BASIC = "BASIC"
    SILVER = "SILVER"
    GOLD = "GOLD"
    VIP = "VIP"


@strawberry.type
class Site:
    id: strawberry.ID
    name: str
    code: str


@strawberry.type
class Member:
    id: strawberry.ID
    name: str
    login_id: str
    phone: str
    email: str
    grade: Grade
    site: Site


@strawberry.type
class MemberEdge:
    node: Member


@strawberry.type
class MemberConnection:
    total_count: int
    edges: list[MemberEdge]


@strawberry.type
class Query:
    total_count: strawberry.Private[int]
    all_members: strawberry.Private[list[Member]]

    @strawberry.field
    def members(self, first: int = 20) -> MemberConnection:
        return MemberConnection(
            total_count=self.total_count, edges=[MemberEdge(node=m) for m in self.all_members[:first]]
        )


# The caches kupon's schema uses, of the same size. Strawberry keeps their LRU
# caches at module level, so a fresh extension per request still hits them.
schema = strawberry.Schema(
    query=Query, extensions=[lambda: ParserCache(maxsize=256), lambda: ValidationCache(maxsize=256)]
)


def query_from_kupon_json(connection: dict) -> Query:
    """Rebuild the objects behind kupon's `members` answer (its `data.members`)."""
    sites: dict[str, Site] = {}
    members = []
    for edge in connection["edges"]:
        node = edge["node"]
        site = sites.setdefault(node["site"]["id"], Site(**node["site"]))
        members.append(Member(
            id=strawberry.ID(node["id"]), name=node["name"], login_id=node["loginId"], phone=node["phone"],
            email=node["email"], grade=Grade(node["grade"]), site=site,
        ))
    return Query(total_count=connection["totalCount"], all_members=members)


class InMemoryGraphQL(GraphQL):
    def __init__(self, root: Query):
        super().__init__(schema, graphql_ide=None)
        self.root = root

    async def get_root_value(self, request) -> Query:
        return self.root


def create_app() -> Starlette:
    with open(os.environ[DATA_ENV], encoding="utf-8") as data:
        root = query_from_kupon_json(json.load(data))
    return Starlette(routes=[Route("/graphql", InMemoryGraphQL(root), methods=["GET", "POST"])])
