"""The replaying baseline answers a query with the recorded JSON, through a real Strawberry schema."""

from __future__ import annotations

import pytest

from bench.baseline import UnsupportedQuery, build

SDL = '''
scalar DateTime
enum Grade { BASIC GOLD }
input Filter { grade: Grade = null, search: String! = "" }
type Site { id: ID! name: String! }
type Member { id: ID! name: String grade: Grade! joinedAt: DateTime! site: Site tags(first: Int! = 2): [String!]! }
type MemberEdge { node: Member! }
type MemberConnection { totalCount: Int! edges: [MemberEdge!]! }
type Query {
  members(first: Int! = 20, after: String = null, filter: Filter = null): MemberConnection!
  hello: String!
  from: Int
}
'''

DATA = {
    "members": {
        "totalCount": 7,
        "edges": [
            {"node": {"id": "1", "name": "김민준", "grade": "GOLD", "joinedAt": "2026-01-02T03:04:05.123456+00:00",
                      "site": {"id": "9", "name": "케이북스"}, "tags": ["a", "b"]}},
            {"node": {"id": "2", "name": None, "grade": "BASIC", "joinedAt": "2026-01-03T00:00:00+00:00",
                      "site": None, "tags": []}},
        ],
    },
    "hello": "world",
}
QUERY = """query { members(first: 2, filter: {grade: GOLD}) { totalCount edges { node { ...M site { id name } } } }
                   hello }
fragment M on Member { id name grade joinedAt tags(first: 5) }"""


async def test_the_baseline_answers_the_recorded_json():
    schema, root = build(SDL, QUERY, DATA)

    result = await schema.execute(QUERY, root_value=root)

    assert result.errors is None
    assert result.data == DATA


async def test_aliases_typename_and_keywords_are_replayed():
    query = "{ m: members { __typename total: totalCount edges { node { id } } } from }"
    data = {"m": {"__typename": "MemberConnection", "total": 1, "edges": [{"node": {"id": "5"}}]}, "from": 3}
    schema, root = build(SDL, query, data)

    result = await schema.execute(query, root_value=root)

    assert result.errors is None
    assert result.data == data


async def test_arguments_are_declared_as_kupon_declares_them():
    schema, root = build(SDL, QUERY, DATA)

    wrong = await schema.execute("{ members(first: \"x\") { totalCount } }", root_value=root)

    assert wrong.errors and "Int" in wrong.errors[0].message


def test_what_cannot_be_replayed_is_refused():
    with pytest.raises(UnsupportedQuery):
        build(SDL, "mutation { hello }", {"hello": "x"})
    with pytest.raises(UnsupportedQuery):
        build(SDL, "{ hello @skip(if: true) }", {})
    with pytest.raises(UnsupportedQuery):
        build(SDL, "{ a: members(first: 1) { totalCount } b: members(first: 1) { totalCount } }",
              {"a": {"totalCount": 1}, "b": {"totalCount": 2}})  # one resolver cannot give both
