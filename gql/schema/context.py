"""Per-request GraphQL context: who is calling, and DataLoaders that live for one request."""

from __future__ import annotations

from dataclasses import dataclass, field

from strawberry.dataloader import DataLoader

from gql.resolvers import catalog, wallet
from gql.resolvers.access import Actor


@dataclass
class Loaders:
    site: DataLoader = field(default_factory=lambda: DataLoader(load_fn=catalog.sites_by_ids))
    category: DataLoader = field(default_factory=lambda: DataLoader(load_fn=catalog.categories_by_ids))
    products_of_site: DataLoader = field(
        default_factory=lambda: DataLoader(load_fn=catalog.products_by_site_ids)
    )
    coupon_stats: DataLoader = field(default_factory=lambda: DataLoader(load_fn=wallet.status_counts_by_coupon))


@dataclass
class Context:
    actor: Actor
    loaders: Loaders = field(default_factory=Loaders)
    request: object | None = None
    response: object | None = None
