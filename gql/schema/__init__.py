"""The GraphQL schema: thin Strawberry types over gql.resolvers, one module per domain.

Built once per process (`get_schema()`), as a second schema in the same
process is both wasteful and, with relay nodes, an error.
"""

from __future__ import annotations

from functools import lru_cache

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule

from gql.schema.access import AccessMutation
from gql.schema.activity import ActivityMutation
from gql.schema.audit import AuditQuery
from gql.schema.campaigns import CampaignMutation, CampaignQuery
from gql.schema.catalog import CatalogQuery
from gql.schema.checkout import CheckoutMutation, CheckoutQuery
from gql.schema.coupons import CouponMutation, CouponQuery
from gql.schema.giftcards import GiftCardMutation, GiftCardQuery
from gql.schema.jobs import JobMutation, JobQuery
from gql.schema.legacy import LegacyMutation, LegacyQuery
from gql.schema.legacy_run import LegacyRunMutation, LegacyRunQuery
from gql.schema.members import MemberMutation, MemberQuery
from gql.schema.messaging import MessagingMutation, MessagingQuery
from gql.schema.orders import OrderMutation, OrderQuery
from gql.schema.refunds import RefundMutation, RefundQuery
from gql.schema.segments import SegmentMutation, SegmentQuery
from gql.schema.serials import SerialMutation, SerialQuery
from gql.schema.shipping import ShippingMutation, ShippingQuery
from gql.schema.stats import StatsMutation, StatsQuery
from gql.schema.training import TrainingMutation, TrainingQuery

QUERY_DEPTH_LIMIT = 10
ALIAS_LIMIT = 30
TOKEN_LIMIT = 3000


@strawberry.type
class Query(MemberQuery, CatalogQuery, AuditQuery, JobQuery, CouponQuery, CheckoutQuery, SerialQuery,
            CampaignQuery, GiftCardQuery, OrderQuery, RefundQuery, TrainingQuery,
            ShippingQuery, StatsQuery, LegacyQuery, LegacyRunQuery, SegmentQuery, MessagingQuery):
    pass


@strawberry.type
class Mutation(MemberMutation, AccessMutation, JobMutation, CouponMutation, CheckoutMutation, SerialMutation,
               ActivityMutation, CampaignMutation, GiftCardMutation, OrderMutation, RefundMutation, TrainingMutation,
               ShippingMutation, StatsMutation, LegacyMutation, LegacyRunMutation, SegmentMutation,
               MessagingMutation):
    pass


def is_unexpected(error: GraphQLError) -> bool:
    """Mask bugs only: errors that carry a code (refusals, permissions) and
    validation errors (no original exception) stay readable."""
    if error.extensions and error.extensions.get("code"):
        return False
    return error.original_error is not None


@lru_cache(maxsize=2)
def get_schema(production: bool = False) -> strawberry.Schema:
    # The validation rules are built once: ValidationCache keys on the rule classes, and
    # QueryDepthLimiter/MaxAliasesLimiter would build new classes per request (no cache hits).
    rules = [depth_rule(max_depth=QUERY_DEPTH_LIMIT, should_ignore=None), alias_rule(ALIAS_LIMIT)]
    extensions = [
        lambda: AddValidationRules(rules),
        lambda: MaxTokensLimiter(max_token_count=TOKEN_LIMIT),
        # Strawberry keeps these caches at module level, so a fresh extension per request still hits.
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
    ]
    if production:
        extensions.append(lambda: MaskErrors(should_mask_error=is_unexpected))
    return strawberry.Schema(query=Query, mutation=Mutation, extensions=extensions)
