"""The schema: every domain's Query and Mutation merged, with the limits and caches on."""

from __future__ import annotations

import strawberry
from strawberry.extensions import (
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from runxin.graphql.errors import should_mask
from runxin.graphql.stations.mutations import StationMutation
from runxin.graphql.stations.types import StationNode
from runxin.graphql.tenants.queries import TenantQuery
from runxin.platform.config import Settings

Query = merge_types("Query", (TenantQuery,))
Mutation = merge_types("Mutation", (StationMutation,))

MASKED_MESSAGE = "Unexpected error: it has been logged; try again later or report it with the time of the request."

# Types reachable only through the Node/TenantRecord interfaces must be listed explicitly.
EXTRA_TYPES = [StationNode]


def build_schema(settings: Settings) -> strawberry.Schema:
    """The schema with limits from `settings` (introspection and suggestions off in production)."""
    # Factories: Strawberry builds a fresh extension per request; the parser and validation caches
    # are module-level LRUs shared by every instance of the same size.
    extensions: list[object] = [
        lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
        lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: ParserCache(maxsize=512),
        lambda: ValidationCache(maxsize=512),
        lambda: MaskErrors(should_mask_error=should_mask, error_message=MASKED_MESSAGE),
    ]
    if not settings.introspection:
        extensions.append(DisableIntrospection)
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        types=EXTRA_TYPES,
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=settings.production),
    )
