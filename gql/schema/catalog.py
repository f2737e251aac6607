"""Sites, categories and products."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from gql.resolvers import catalog
from gql.schema.common import Connection, connection_from_page, page_request, query_or_error, to_pk
from gql.schema.permissions import CanReadShop
from models.catalog import Category, Product, ProductKind
from models.sites import Site

ProductKindEnum = strawberry.enum(ProductKind, name="ProductKind")


@strawberry.type(name="Category")
class CategoryType:
    id: strawberry.ID
    name: str
    site_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, category: Category) -> CategoryType:
        return cls(id=strawberry.ID(str(category.id)), name=category.name, site_id=category.site_id)


@strawberry.type(name="Product")
class ProductType:
    id: strawberry.ID
    code: str
    name: str
    kind: ProductKindEnum
    price: int = strawberry.field(description="List price in won.")
    training_card_eligible: bool
    is_active: bool
    category_id: strawberry.Private[int | None]
    site_id: strawberry.Private[int]

    @strawberry.field
    async def site(self, info: Info) -> SiteType:
        return SiteType.from_model(await info.context.loaders.site.load(self.site_id))

    @strawberry.field
    async def category(self, info: Info) -> CategoryType | None:
        if self.category_id is None:
            return None
        found = await info.context.loaders.category.load(self.category_id)
        return CategoryType.from_model(found) if found else None

    @classmethod
    def from_model(cls, product: Product) -> ProductType:
        return cls(
            id=strawberry.ID(str(product.id)), code=product.code, name=product.name, kind=product.kind,
            price=product.price, training_card_eligible=product.training_card_eligible,
            is_active=product.is_active, category_id=product.category_id,
            site_id=product.site_id,
        )


@strawberry.type(name="Site")
class SiteType:
    id: strawberry.ID
    code: str
    name: str
    domain: str
    created_at: datetime

    @strawberry.field(description="Active products of this site.")
    async def products(self, info: Info) -> list[ProductType]:
        products = await info.context.loaders.products_of_site.load(int(self.id))
        return [ProductType.from_model(p) for p in products]

    @classmethod
    def from_model(cls, site: Site) -> SiteType:
        return cls(id=strawberry.ID(str(site.id)), code=site.code, name=site.name, domain=site.domain,
                   created_at=site.created_at)


@strawberry.input
class ProductFilterInput:
    search: str = ""
    site_id: strawberry.ID | None = None
    category_id: strawberry.ID | None = None
    kind: ProductKindEnum | None = None
    is_active: bool | None = None


@strawberry.type
class CatalogQuery:
    @strawberry.field(permission_classes=[CanReadShop])
    async def sites(self, info: Info) -> list[SiteType]:
        sites = await query_or_error(catalog.list_sites(info.context.actor))
        return [SiteType.from_model(s) for s in sites]

    @strawberry.field(permission_classes=[CanReadShop])
    async def categories(self, info: Info, site_id: strawberry.ID | None = None) -> list[CategoryType]:
        found = await query_or_error(
            catalog.list_categories(info.context.actor, to_pk(site_id, "siteId"))
        )
        return [CategoryType.from_model(c) for c in found]

    @strawberry.field(permission_classes=[CanReadShop])
    async def products(
        self, info: Info, first: int = 20, after: str | None = None, filter: ProductFilterInput | None = None
    ) -> Connection[ProductType]:
        f = filter or ProductFilterInput()
        flt = catalog.ProductFilter(
            search=f.search, site_id=to_pk(f.site_id, "siteId"),
            category_id=to_pk(f.category_id, "categoryId"), kind=f.kind, is_active=f.is_active,
        )
        page = await query_or_error(catalog.list_products(info.context.actor, flt, page_request(first, after)))
        return connection_from_page(page, ProductType.from_model)
