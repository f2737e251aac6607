"""The baseline for any GraphQL query: kupon's own answer, replayed by a real Strawberry schema.

Given kupon's schema (its SDL), a query and kupon's answer to it, `build()`
makes the smallest Strawberry schema that answers that query the way kupon's
schema does, and the objects that hold the answer:

- the object types the query reaches, under kupon's names, with the fields
  it selects and their types: the same scalars (`ID`, `DateTime`, ...), enums
  and nullability, so Strawberry and graphql-core serialise and check every
  value exactly as they do for kupon;
- on every selected field that takes arguments, the arguments kupon declares,
  with its defaults, so they are parsed, validated and coerced alike;
- the root fields resolved by `async` resolvers, as kupon's are (any resolver
  that reads a database must be), everything below them plain attributes of
  objects built once at start-up from the recorded JSON.

What the baseline then costs per request is Starlette, Strawberry and
graphql-core executing that query over in-memory objects: what kupon would
cost if its database, permissions, loaders and model conversions were free.
Served with `uvicorn bench.baseline:create_app --factory`, reading
`{"sdl", "query", "response"}` from the JSON file named by BENCH_BASELINE_SPEC.

Interfaces, unions, mutations and subscriptions are not supported (no
benchmark needs them yet); `build()` says so rather than answer differently.
"""

from __future__ import annotations

import inspect
import json
import keyword
import os
from collections.abc import Callable, Iterator
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any, Optional

import strawberry
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    build_schema,
    get_named_type,
    parse,
    value_from_ast,
)
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.scalars import JSON

SPEC_ENV = "BENCH_BASELINE_SPEC"

# GraphQL scalar -> (the Python type Strawberry maps to it, how to read it back from JSON).
SCALARS: dict[str, tuple[Any, Callable[[Any], Any]]] = {
    "ID": (strawberry.ID, strawberry.ID),
    "String": (str, str),
    "Int": (int, int),
    "Float": (float, float),
    "Boolean": (bool, bool),
    "DateTime": (datetime, datetime.fromisoformat),
    "Date": (date, date.fromisoformat),
    "JSON": (JSON, lambda value: value),
}
RECORDED = "_recorded_"


class UnsupportedQuery(ValueError):
    """The query needs something the baseline cannot replay faithfully."""


def build(sdl: str, query: str, data: dict) -> tuple[strawberry.Schema, object]:
    """The baseline's schema and its root value, which answers `query` with `data`."""
    replay = _Replay(sdl, query)
    return replay.schema, replay.root(data)


class _Replay:
    def __init__(self, sdl: str, query: str):
        self.source = build_schema(sdl)
        document = parse(query)
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if len(operations) != 1 or operations[0].operation != OperationType.QUERY:
            raise UnsupportedQuery("the baseline replays exactly one query operation")
        self.operation = operations[0]
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.root_type = self.source.query_type
        # Object type name -> the fields the query selects on it, wherever it meets the type.
        self.selected: dict[str, dict[str, GraphQLField]] = {}
        self._collect(self.root_type, [self.operation.selection_set])
        self.classes = {name: type(name, (), {"__module__": __name__}) for name in self.selected}
        self.enums: dict[str, type[Enum]] = {}
        self.inputs: dict[str, type] = {}
        for name, fields in self.selected.items():
            self._define(self.classes[name], name, fields, root=name == self.root_type.name)
        # The caches kupon's schema uses, of the same size. Strawberry keeps their LRU
        # caches at module level, so a fresh extension per request still hits them.
        self.schema = strawberry.Schema(
            query=self.classes[self.root_type.name],
            extensions=[lambda: ParserCache(maxsize=256), lambda: ValidationCache(maxsize=256)],
        )

    # -- what the query selects -------------------------------------------------

    def _fields(self, parent: GraphQLObjectType,
                selection_sets: list[SelectionSetNode]) -> Iterator[tuple[str, list[FieldNode]]]:
        """(response key, field nodes) in order, fragments expanded, as graphql-core merges them."""
        grouped: dict[str, list[FieldNode]] = {}
        for selection_set in selection_sets:
            self._group(parent, selection_set, grouped)
        yield from grouped.items()

    def _group(self, parent: GraphQLObjectType, selection_set: SelectionSetNode,
               grouped: dict[str, list[FieldNode]]) -> None:
        for selection in selection_set.selections:
            if selection.directives:
                raise UnsupportedQuery("directives (@skip, @include) are not replayed")
            if isinstance(selection, FieldNode):
                key = (selection.alias or selection.name).value
                grouped.setdefault(key, []).append(selection)
                continue
            if isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments[selection.name.value]
                condition, inner = fragment.type_condition, fragment.selection_set
            elif isinstance(selection, InlineFragmentNode):
                condition, inner = selection.type_condition, selection.selection_set
            else:  # pragma: no cover - graphql-core has no other selection
                raise UnsupportedQuery(f"unknown selection {selection!r}")
            if condition is not None and condition.name.value != parent.name:
                raise UnsupportedQuery("fragments on other types (interfaces, unions) are not replayed")
            self._group(parent, inner, grouped)

    def _collect(self, parent: GraphQLObjectType, selection_sets: list[SelectionSetNode]) -> None:
        fields = self.selected.setdefault(parent.name, {})
        for _, nodes in self._fields(parent, selection_sets):
            name = nodes[0].name.value
            if name == "__typename":  # graphql-core answers it from the type's name
                continue
            if name not in parent.fields:
                raise UnsupportedQuery(f"{parent.name} has no field {name!r}")
            field = parent.fields[name]
            fields[name] = field
            named = get_named_type(field.type)
            if isinstance(named, GraphQLObjectType):
                self._collect(named, [n.selection_set for n in nodes if n.selection_set])
            elif not isinstance(named, GraphQLScalarType | GraphQLEnumType):
                raise UnsupportedQuery(f"{parent.name}.{name} returns {named}: interfaces and unions are not replayed")

    # -- the Strawberry types -----------------------------------------------------

    def _define(self, cls: type, type_name: str, fields: dict[str, GraphQLField], root: bool) -> None:
        annotations = {}
        for name, field in fields.items():
            attribute = python_name(name)
            returns = self.python_type(field.type)
            if root or field.args:
                resolver = self._resolver(attribute, field, returns, is_async=root)
                setattr(cls, attribute, strawberry.field(resolver=resolver, name=name))
            else:
                annotations[attribute] = returns
                setattr(cls, attribute, strawberry.field(name=name, default=None))
        cls.__annotations__ = annotations
        strawberry.type(cls, name=type_name)

    def _resolver(self, attribute: str, field: GraphQLField, returns: Any, *, is_async: bool) -> Callable:
        """Takes the arguments kupon's field takes, returns the recorded value."""
        key = RECORDED + attribute
        if is_async:
            async def resolve(self, **arguments):
                return getattr(self, key)
        else:
            def resolve(self, **arguments):
                return getattr(self, key)
        parameters = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        for name, argument in field.args.items():
            annotation = Annotated[self.python_type(argument.type), strawberry.argument(name=name)]
            parameters.append(inspect.Parameter(python_name(name), inspect.Parameter.KEYWORD_ONLY,
                                                annotation=annotation, default=self._default(argument)))
        resolve.__name__ = attribute
        resolve.__signature__ = inspect.Signature(parameters, return_annotation=returns)
        resolve.__annotations__ = {p.name: p.annotation for p in parameters[1:]} | {"return": returns}
        return resolve

    def _default(self, argument) -> Any:
        node = argument.ast_node.default_value if argument.ast_node else None
        if node is not None:
            return self.python_value(argument.type, value_from_ast(node, argument.type))
        if isinstance(argument.type, GraphQLNonNull):
            return inspect.Parameter.empty
        return strawberry.UNSET

    def python_type(self, gql_type) -> Any:
        if isinstance(gql_type, GraphQLNonNull):
            return self._inner_type(gql_type.of_type)
        return Optional[self._inner_type(gql_type)]  # noqa: UP045 - not every scalar supports `|`

    def _inner_type(self, gql_type) -> Any:
        if isinstance(gql_type, GraphQLList):
            return list[self.python_type(gql_type.of_type)]
        if isinstance(gql_type, GraphQLScalarType):
            if gql_type.name not in SCALARS:
                raise UnsupportedQuery(f"scalar {gql_type.name} has no baseline mapping: add it to SCALARS")
            return SCALARS[gql_type.name][0]
        if isinstance(gql_type, GraphQLEnumType):
            return self._enum(gql_type)
        if isinstance(gql_type, GraphQLInputObjectType):
            return self._input(gql_type)
        if isinstance(gql_type, GraphQLObjectType):
            return self.classes[gql_type.name]
        raise UnsupportedQuery(f"{gql_type} is not replayed (interfaces and unions are not supported)")

    def _enum(self, gql_type: GraphQLEnumType) -> type[Enum]:
        if gql_type.name not in self.enums:
            members = Enum(gql_type.name, {name: name for name in gql_type.values})
            self.enums[gql_type.name] = strawberry.enum(members, name=gql_type.name)
        return self.enums[gql_type.name]

    def _input(self, gql_type: GraphQLInputObjectType) -> type:
        if gql_type.name in self.inputs:
            return self.inputs[gql_type.name]
        cls = self.inputs[gql_type.name] = type(gql_type.name, (), {"__module__": __name__})
        annotations = {}
        for name, field in gql_type.fields.items():
            attribute = python_name(name)
            annotations[attribute] = self.python_type(field.type)
            default = self._default(field)
            if default is inspect.Parameter.empty:
                setattr(cls, attribute, strawberry.field(name=name))
            else:
                setattr(cls, attribute, strawberry.field(name=name, default_factory=lambda d=default: d))
        cls.__annotations__ = annotations
        return strawberry.input(cls, name=gql_type.name)

    # -- the recorded answer as objects ---------------------------------------------

    def root(self, data: dict) -> object:
        return self._object(self.root_type, [self.operation.selection_set], data)

    def _object(self, gql_type: GraphQLObjectType, selection_sets: list[SelectionSetNode], data: dict) -> object:
        values, recorded = {}, {}
        for key, nodes in self._fields(gql_type, selection_sets):
            name = nodes[0].name.value
            if name == "__typename":
                continue
            field = gql_type.fields[name]
            value = self.python_value(field.type, data[key], [n.selection_set for n in nodes if n.selection_set])
            attribute = python_name(name)
            into = recorded if gql_type is self.root_type or field.args else values
            slot = RECORDED + attribute if into is recorded else attribute
            if slot in into and into[slot] != value:
                raise UnsupportedQuery(f"{gql_type.name}.{name} is selected twice with different answers")
            into[slot] = value
        instance = self.classes[gql_type.name](**values)
        for slot, value in recorded.items():
            setattr(instance, slot, value)
        return instance

    def python_value(self, gql_type, value: Any, selection_sets: list[SelectionSetNode] | None = None) -> Any:
        """A JSON value (an answer, or an argument's default) as the Python value Strawberry serialises."""
        if value is None:
            return None
        if isinstance(gql_type, GraphQLNonNull):
            return self.python_value(gql_type.of_type, value, selection_sets)
        if isinstance(gql_type, GraphQLList):
            return [self.python_value(gql_type.of_type, item, selection_sets) for item in value]
        if isinstance(gql_type, GraphQLScalarType):
            return SCALARS[gql_type.name][1](value)
        if isinstance(gql_type, GraphQLEnumType):
            return self._enum(gql_type)[value]
        if isinstance(gql_type, GraphQLInputObjectType):
            cls = self._input(gql_type)
            return cls(**{python_name(name): self.python_value(gql_type.fields[name].type, item)
                          for name, item in value.items()})
        return self._object(gql_type, selection_sets or [], value)


def python_name(graphql_name: str) -> str:
    """An attribute name for a GraphQL name (which Strawberry is told explicitly, so it stays as it is)."""
    return graphql_name + "_" if keyword.iskeyword(graphql_name) else graphql_name


class ReplayGraphQL(GraphQL):
    def __init__(self, schema: strawberry.Schema, root: object):
        super().__init__(schema, graphql_ide=None)
        self.root = root

    async def get_root_value(self, request) -> object:
        return self.root


def write_spec(path: str, sdl: str, query: str, response: dict) -> None:
    """What `create_app` reads: kupon's schema, the query and kupon's answer (`{"data": ...}`)."""
    with open(path, "w", encoding="utf-8") as spec:
        json.dump({"sdl": sdl, "query": query, "response": response}, spec, ensure_ascii=False)


def create_app() -> Starlette:
    with open(os.environ[SPEC_ENV], encoding="utf-8") as file:
        spec = json.load(file)
    schema, root = build(spec["sdl"], spec["query"], spec["response"]["data"])
    return Starlette(routes=[Route("/graphql", ReplayGraphQL(schema, root), methods=["GET", "POST"])])
