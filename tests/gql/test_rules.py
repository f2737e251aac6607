"""GraphQL rules every domain follows: batched loading, query limits, masked bugs."""

import logging
from contextlib import contextmanager

import httpx

from gql.schema import ALIAS_LIMIT, QUERY_DEPTH_LIMIT
from tests.conftest import graphql
from tests.factories import api_key, make_category, make_member, make_product, make_site

NESTED = """query($first: Int!) { members(first: $first) { totalCount edges { node {
  id name site { name products { name category { name } } } } } } }"""


class _Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")):
            self.statements.append(message)


@contextmanager
def count_sql():
    """Every statement Tortoise sends (its db_client logger logs each at DEBUG)."""
    logger = logging.getLogger("tortoise.db_client")
    counter, old_level = _Counter(), logger.level
    logger.addHandler(counter)
    logger.setLevel(logging.DEBUG)
    try:
        yield counter.statements
    finally:
        logger.removeHandler(counter)
        logger.setLevel(old_level)


async def test_nested_query_statement_count_does_not_grow_with_rows(client, db):
    sites = [await make_site(), await make_site(), await make_site()]
    for site in sites:
        category = await make_category(site)
        for _ in range(3):
            await make_product(site, category)
    for n in range(100):
        await make_member(sites[n % 3])
    key = await api_key()
    counts = {}
    for first in (10, 100):
        with count_sql() as statements:
            result = await graphql(client, NESTED, {"first": first}, token=key)
        assert "errors" not in result
        edges = result["data"]["members"]["edges"]
        assert len(edges) == first and all(len(e["node"]["site"]["products"]) == 3 for e in edges)
        counts[first] = len(statements)
    # key lookup, count, page, sites, products of sites, categories
    assert counts[10] == counts[100] <= 6, counts


async def test_query_depth_is_limited(client, db):
    """site -> products -> site -> ... can nest without end; the limit stops it."""
    key = await api_key()

    def query(levels: int) -> str:
        return "{ sites { " + "products { site { " * levels + "name" + " } }" * levels + " } }"

    within = query((QUERY_DEPTH_LIMIT - 2) // 2)
    assert "errors" not in await graphql(client, within, token=key)
    result = await graphql(client, query(QUERY_DEPTH_LIMIT), token=key)
    assert "exceeds maximum operation depth" in result["errors"][0]["message"]


async def test_too_many_aliases_are_refused(client, db):
    aliases = " ".join(f"a{i}: __typename" for i in range(ALIAS_LIMIT + 1))
    result = await graphql(client, "{ " + aliases + " }")
    assert result["data"] is None and "alias" in result["errors"][0]["message"].lower()


async def test_unexpected_errors_are_masked_in_production(db, monkeypatch):
    from gql.resolvers import catalog
    from kupon.app import create_app
    from kupon.settings import Settings
    from tests.conftest import TEST_SECRET

    async def broken(actor):
        raise RuntimeError("secret internals: password=hunter2")

    monkeypatch.setattr(catalog, "list_sites", broken)
    key = await api_key()
    for production in (True, False):
        app = create_app(Settings(database_url=db.url, env="production" if production else "development",
                                  secret_key=TEST_SECRET))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://k.test") as c:
            result = await graphql(c, "{ sites { id } }", token=key)
            refused = await graphql(c, "{ sites { id } }")
        message = result["errors"][0]["message"]
        assert ("hunter2" in message) is not production
        # Permission refusals keep their code in production too.
        assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_graphiql_only_outside_production(db):
    from kupon.app import create_app
    from kupon.settings import Settings
    from tests.conftest import TEST_SECRET

    for production in (False, True):
        app = create_app(Settings(database_url=db.url, env="production" if production else "development",
                                  secret_key=TEST_SECRET))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://k.test") as c:
            page = await c.get("/graphql", headers={"Accept": "text/html"})
        assert ("graphiql" in page.text.lower()) is not production
