"""Per-request GraphQL context: who is calling, and DataLoaders that live for one request."""

from __future__ import annotations

from dataclasses import dataclass, field

from strawberry.dataloader import DataLoader

from gql.resolvers import catalog, member_activity, orders, wallet
from gql.resolvers.access import Actor


@dataclass
class Loaders:
    site: DataLoader = field(default_factory=lambda: DataLoader(load_fn=catalog.sites_by_ids))
    category: DataLoader = field(default_factory=lambda: DataLoader(load_fn=catalog.categories_by_ids))
    products_of_site: DataLoader = field(
        default_factory=lambda: DataLoader(load_fn=catalog.products_by_site_ids)
    )
    coupon_stats: DataLoader = field(default_factory=lambda: DataLoader(load_fn=wallet.status_counts_by_coupon))
    # Orders and their parts, by order id (gql/schema/orders.py).
    member: DataLoader = field(default_factory=lambda: DataLoader(load_fn=orders.members_by_ids))
    order_items: DataLoader = field(default_factory=lambda: DataLoader(load_fn=orders.items_by_order_ids))
    order_coupons: DataLoader = field(default_factory=lambda: DataLoader(load_fn=orders.coupons_by_order_ids))
    order_gift_cards: DataLoader = field(
        default_factory=lambda: DataLoader(load_fn=orders.gift_card_payments_by_order_ids))
    order_payments: DataLoader = field(default_factory=lambda: DataLoader(load_fn=orders.payments_by_order_ids))
    order_refunds: DataLoader = field(default_factory=lambda: DataLoader(load_fn=orders.refunds_by_order_ids))
    order_shipments: DataLoader = field(default_factory=lambda: DataLoader(load_fn=orders.shipments_by_order_ids))
    # Member activity, by member id (gql/schema/members.py).
    points_held: DataLoader = field(
        default_factory=lambda: DataLoader(load_fn=member_activity.points_held_by_members))
    tags: DataLoader = field(default_factory=lambda: DataLoader(load_fn=member_activity.tags_by_members))
    consents: DataLoader = field(default_factory=lambda: DataLoader(load_fn=member_activity.consents_by_members))
    visit_count: DataLoader = field(default_factory=lambda: DataLoader(load_fn=member_activity.visit_counts))
    grade_history: DataLoader = field(
        default_factory=lambda: DataLoader(load_fn=member_activity.grade_history_by_members))


@dataclass
class Context:
    actor: Actor
    loaders: Loaders = field(default_factory=Loaders)
    request: object | None = None
    response: object | None = None
