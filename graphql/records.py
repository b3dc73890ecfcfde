"""How any domain's records hang off a Tenant: `tenant.<records>(first:, after:, scope:)`, and
counts of a tenant's subtree.

One mechanism for every domain: the records of many tenants come in one statement, either the
tenants' own (partitioned by tenant_id) or their whole subtrees (partitioned by the owner's path
prefix at the asking tenant's depth, which is fixed-width).
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import strawberry
from sqlalchemy import ColumnElement, func, literal_column, or_, select
from strawberry.dataloader import DataLoader

from runxin.graphql.connections import Connection, PageArgs
from runxin.graphql.context import Context, Info
from runxin.graphql.loaders import clause_key, columns, loader_name, many_by_key_loader, nested_connection_loader
from runxin.platform.errors import Invalid
from runxin.platform.tree.models import Tenant
from runxin.platform.tree.paths import depth_of, prefix_length, upper_bound
from runxin.tenants.disclosure import require_detail


def _subtree_prefix(depth: int) -> Any:
    """The owner's path cut to the length of a path at `depth`: the subtree a row falls in.

    The bounds are inlined rather than bound: PostgreSQL only accepts a GROUP BY expression that
    repeats the selected one exactly, and two bound parameters are two different expressions.
    """
    return func.substr(Tenant.path, literal_column("1"), literal_column(str(prefix_length(depth)))).label("_scope")


def _in_subtrees(paths: Any) -> Any:
    return or_(*(Tenant.path.between(p, upper_bound(p)) for p in paths))


@strawberry.enum(description="Whose records a list holds: the tenant's own, or its whole subtree's.")
class RecordScope(enum.Enum):
    OWN = "OWN"
    SUBTREE = "SUBTREE"


# The API resource each listed table belongs to (scopes and the city's disclosure policy use it).
RESOURCE_OF_TABLE = {
    "station": "stations",
    "counselling_centre": "centres",
    "hotline": "hotlines",
    "staff": "staff",
    "training_programme": "training",
    "training_session": "training",
    "target": "targets",
    "model_school_recognition": "recognitions",
    "screening_round": "schools",
    "crisis_plan": "schools",
    # Student-level tables: only ever listed for the school itself (tenants.disclosure.require_own_school).
    "student_file": "students",
    "referral": "students",
    "school_class": "courses",
    "school_activity": "courses",
}


def require_subtree(info: Info, tenant: Any) -> None:
    """Refuse figures over an ancestor's subtree: the caller sees only part of it, so a count or an
    indicator there would look complete and be wrong (and published ancestor aggregates are the
    reporting chain's business)."""
    principal = info.context.principal
    if principal is not None and not principal.covers(tenant.path):
        raise Invalid(
            "scope",
            "ANCESTOR_SUBTREE",
            f"{tenant.name} is above you in the tree: its subtree reaches beyond what you may see. "
            "Ask for your own tenant's figures or records instead.",
        )


async def records_of(
    info: Info,
    tenant: Any,
    args: PageArgs,
    scope: Any,
    model: type,
    node_of: Callable[[Any], Any],
    *,
    where: ColumnElement[bool] | None = None,
) -> Connection[Any]:
    """A page of `model` records of `tenant` (a TenantNode), its own or its subtree's.

    `where` narrows the records further (e.g. `Staff.kind == "FULL_TIME"`); it is part of the
    loader's name, so differently filtered lists in one request are batched separately.
    """
    principal = info.context.principal
    if principal is not None:
        beyond_own = tenant.uuid != principal.tenant_id or (scope.value == "SUBTREE" and tenant.kind.value != "SCHOOL")
        require_detail(principal, RESOURCE_OF_TABLE[model.__tablename__], beyond_own=beyond_own)  # type: ignore[attr-defined]
    context = info.context
    name = model.__name__
    narrow = clause_key(where)

    def filtered(statement: Any) -> Any:
        return statement if where is None else statement.where(where)

    if scope.value == "OWN":
        return await context.loader(
            loader_name(name, "ByTenantLoader", args, narrow),
            lambda ctx: nested_connection_loader(
                ctx,
                lambda ids: filtered(select(*columns(model)).where(model.tenant_id.in_(ids))),  # type: ignore[attr-defined]
                key=model.id,  # type: ignore[attr-defined]
                partition=model.tenant_id,  # type: ignore[attr-defined]
                args=args,
                node_of=node_of,
            ),
        ).load(tenant.uuid)

    require_subtree(info, tenant)
    length = prefix_length(tenant.depth)
    scope_prefix = func.substr(Tenant.path, 1, length).label("_scope")

    def base(paths: Any) -> Any:
        return filtered(
            select(*columns(model), scope_prefix)
            .join(Tenant, Tenant.id == model.tenant_id)  # type: ignore[attr-defined]
            .where(_in_subtrees(paths))
        )

    return await context.loader(
        loader_name(name, "BySubtreeLoader", args, tenant.depth, narrow),
        lambda ctx: nested_connection_loader(ctx, base, key=model.id, partition=scope_prefix, args=args, node_of=node_of),  # type: ignore[attr-defined]
    ).load(tenant.path)


async def subtree_counts(
    info: Info, tenant: Any, model: type, by: Any, *, where: ColumnElement[bool] | None = None
) -> dict[Any, int]:
    """How many `model` records `tenant`'s subtree (itself and every descendant) holds, per value of `by`."""
    require_subtree(info, tenant)
    return await info.context.loader(
        loader_name(model.__name__, "CountsBySubtreeLoader", by.key, clause_key(where)),
        lambda ctx: _counts_loader(ctx, model, by, where),
    ).load(tenant.path)


def _counts_loader(context: Context, model: type, by: Any, where: ColumnElement[bool] | None) -> DataLoader[str, dict[Any, int]]:
    async def load(paths: list[str]) -> list[dict[Any, int]]:
        # The prefix length depends on the depth, so a batch that mixes depths (a city's counties
        # and schools in one list) takes one statement per distinct depth, never one per tenant.
        by_depth: dict[int, list[str]] = defaultdict(list)
        for path in paths:
            by_depth[depth_of(path)].append(path)
        counts: dict[str, dict[Any, int]] = {path: {} for path in paths}
        for depth, group in sorted(by_depth.items()):
            scope = _subtree_prefix(depth)
            statement = (
                select(scope, by, func.count().label("_n"))
                .select_from(model)
                .join(Tenant, Tenant.id == model.tenant_id)  # type: ignore[attr-defined]
                .where(_in_subtrees(group))
                .group_by(scope, by)
            )
            if where is not None:
                statement = statement.where(where)
            for row in await context.db.rows(statement):
                counts[row._scope][row[1]] = row._n
        return [counts[path] for path in paths]

    return DataLoader(load_fn=load)


async def children_of(
    info: Info,
    model: type,
    parent: Any,
    parent_id: Any,
    node_of: Callable[[Any], Any],
    *,
    order_by: Any,
    where: ColumnElement[bool] | None = None,
) -> list[Any]:
    """Every `model` record whose `parent` column is `parent_id` (per-period counts of a hotline,
    activity of a centre), for all parents of a request in one statement per batch."""

    def statement(ids: Any) -> Any:
        selected = select(*columns(model)).where(parent.in_(ids)).order_by(parent, order_by)
        return selected if where is None else selected.where(where)

    return await info.context.loader(
        loader_name(f"{model.__name__}By{''.join(p.title() for p in parent.key.split('_'))}Loader", clause_key(where)),
        lambda ctx: many_by_key_loader(ctx, statement, lambda row: getattr(row, parent.key), node_of),
    ).load(parent_id)
