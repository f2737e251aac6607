"""Sites, categories and products: reads, and batch loaders for nested queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from tortoise.expressions import Q

from gql.resolvers.access import Actor, require_read_shop
from gql.resolvers.pagination import Page, PageRequest, paginate
from models.catalog import Category, Product, ProductKind
from models.sites import Site


async def list_sites(actor: Actor) -> list[Site]:
    require_read_shop(actor)
    return list(await Site.all().order_by("id"))


@dataclass(frozen=True)
class ProductFilter:
    search: str = ""
    site_id: int | None = None
    category_id: int | None = None
    kind: ProductKind | None = None
    is_active: bool | None = None


async def list_products(actor: Actor, flt: ProductFilter, page: PageRequest) -> Page[Product]:
    require_read_shop(actor)
    query = Product.all()
    if flt.search.strip():
        term = flt.search.strip()
        query = query.filter(Q(name__icontains=term) | Q(code__icontains=term))
    if flt.site_id:
        query = query.filter(site_id=flt.site_id)
    if flt.category_id:
        query = query.filter(category_id=flt.category_id)
    if flt.kind:
        query = query.filter(kind=flt.kind)
    if flt.is_active is not None:
        query = query.filter(is_active=flt.is_active)
    return await paginate(query.order_by("id"), page)


async def list_categories(actor: Actor, site_id: int | None = None) -> list[Category]:
    require_read_shop(actor)
    query = Category.all()
    if site_id:
        query = query.filter(site_id=site_id)
    return list(await query)


# Batch loaders: one query for many keys, results in the order of the keys.

async def sites_by_ids(ids: list[int]) -> list[Site | None]:
    found = {site.id: site for site in await Site.filter(id__in=set(ids))}
    return [found.get(i) for i in ids]


async def categories_by_ids(ids: list[int]) -> list[Category | None]:
    found = {c.id: c for c in await Category.filter(id__in=set(ids))}
    return [found.get(i) for i in ids]


async def products_by_site_ids(site_ids: list[int]) -> list[list[Product]]:
    grouped: dict[int, list[Product]] = defaultdict(list)
    for product in await Product.filter(site_id__in=set(site_ids), is_active=True).order_by("id"):
        grouped[product.site_id].append(product)
    return [grouped.get(i, []) for i in site_ids]
