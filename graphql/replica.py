"""Which GraphQL requests may read from the streaming replica (platform/db/replica.py).

Only the oversight reads: a query (never a mutation) whose every selected field belongs to one of
the oversight types below — the tenant tree, its indicators, rollups, gaps, targets and report
states. Those carry no personal data. A document that reaches anything else (staff, attendance,
audit, deliveries, the disclosure policy, the viewer) runs on the primary, so personal-data reads
always see the latest disclosure policy and roles, and are audited on the database that is the
truth. The decision is per request and made on the document's types, not its field names, so an
inline fragment on `Staff` under a tenant sends the request to the primary too.
"""

from __future__ import annotations

import functools

from graphql.error import GraphQLError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from graphql import GraphQLSchema, OperationDefinitionNode, OperationType, TypeInfo, TypeInfoVisitor, Visitor, parse, visit
from runxin.platform.db.replica import ReplicaRouter
from runxin.tenants.principal import Principal

# Root fields of Query, and the types whose fields an oversight read may select.
OVERSIGHT_ROOT_FIELDS = frozenset({"tenant", "tenants", "indicatorDefinitions"})
OVERSIGHT_TYPES = frozenset(
    {
        "Tenant",
        "TenantConnection",
        "TenantEdge",
        "PageInfo",
        "IndicatorDefinition",
        "IndicatorValue",
        "IndicatorChange",
        "Gap",
        "StaffCounts",
        "CreditSummary",
        "EffectiveTarget",
        "TargetProgress",
        "Target",
        "TargetConnection",
        "TargetEdge",
        "TargetHistoryPoint",
        "Report",
        "ReportConnection",
        "ReportEdge",
        "ReportSnapshot",
        "ChildBehind",
        # reporting completeness (graphql/completeness): figures' states and rates, no personal data
        "ReportingCompleteness",
        "RequiredFigure",
        "TenantCompleteness",
        "TenantCompletenessConnection",
        "TenantCompletenessEdge",
        "FigureStatus",
        "FigureRates",
        "CompletenessRates",
        "ReportingDeadline",
        "ReportingWindow",
    }
)


def caller_key(principal: Principal | None) -> str | None:
    """Whose writes a read must see: the person or API client, at its tenant."""
    if principal is None:
        return None
    return f"{principal.tenant_id}:{principal.client_id or principal.subject}"


class _Oversight(Visitor):
    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.allowed = True

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args: object) -> None:
        if node.operation != OperationType.QUERY:
            self.allowed = False

    def enter_field(self, node, *_args: object) -> None:  # type: ignore[no-untyped-def]
        name = node.name.value
        if name.startswith("__"):
            return  # __typename; introspection does not touch the database
        parent = self.type_info.get_parent_type()
        parent_name = parent.name if parent is not None else None
        if parent_name == "Query":
            self.allowed = self.allowed and name in OVERSIGHT_ROOT_FIELDS
        elif parent_name not in OVERSIGHT_TYPES:
            self.allowed = False


@functools.lru_cache(maxsize=512)
def _is_oversight(schema: GraphQLSchema, document: str, operation_name: str | None) -> bool:
    try:
        ast = parse(document)
    except GraphQLError:
        return False  # the primary reports the syntax error as usual
    operations = [d for d in ast.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [d for d in operations if d.name is not None and d.name.value == operation_name]
    if len(operations) != 1:
        return False
    # Visit the chosen operation and every fragment (a fragment only the other operations use
    # makes the answer stricter, never looser).
    kept = [d for d in ast.definitions if not isinstance(d, OperationDefinitionNode)] + operations
    type_info = TypeInfo(schema)
    visitor = _Oversight(type_info)
    for definition in kept:
        visit(definition, TypeInfoVisitor(type_info, visitor))
    return visitor.allowed


def is_oversight_read(schema: GraphQLSchema, document: str | None, operation_name: str | None) -> bool:
    """May this request run on the replica?"""
    return isinstance(document, str) and _is_oversight(schema, document, operation_name)


async def sessionmaker_for(
    router: ReplicaRouter | None,
    primary: async_sessionmaker[AsyncSession],
    schema: GraphQLSchema,
    payload: dict[str, object],
    principal: Principal | None,
) -> async_sessionmaker[AsyncSession]:
    """The session factory a request's reads use: the replica's for an oversight read, else the primary's."""
    if router is None:
        return primary
    operation_name = payload.get("operationName")
    if not is_oversight_read(schema, payload.get("query"), operation_name if isinstance(operation_name, str) else None):  # type: ignore[arg-type]
        return primary
    return await router.for_caller(caller_key(principal)) or primary
