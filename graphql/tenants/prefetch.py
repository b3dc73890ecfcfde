"""Figures that come in the same statement as a page of tenants, when the query asks for them.

A county listing its first 100 schools with their staff counts is one statement: the page of
tenants with correlated count subqueries (LATERAL-style, one index range per row), not a page plus
a GROUP BY over the staff table. The query's selection is looked at once per connection field
(`wants`); the counts ride along as extra columns and `TenantNode.from_row` keeps them, so the
nested field resolves from memory. Without a selection the DataLoader path still answers.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import aliased

from runxin.platform.staffing.models import STAFF_KINDS, Staff
from runxin.platform.tree.models import Tenant, TenantKind

STAFF_COUNT_LABELS = {kind: f"_staff_{kind.lower()}" for kind in STAFF_KINDS}


def wants(info: Any, field: str) -> bool:
    """Does the selection of this connection ask for `field` on its nodes (nodes or edges.node)?"""
    for selection in info.selected_fields:
        for item in _children(selection):
            if item.name == "nodes" and _has(item, field):
                return True
            if item.name == "edges" and any(sub.name == "node" and _has(sub, field) for sub in _children(item)):
                return True
    return False


def _children(selection: Any) -> Iterable[Any]:
    """Fields under `selection`, looking through fragments."""
    for item in getattr(selection, "selections", ()):
        if hasattr(item, "type_condition"):  # an inline fragment or a fragment spread
            yield from _children(item)
        else:
            yield item


def _has(selection: Any, field: str) -> bool:
    return any(item.name == field for item in _children(selection))


@functools.cache
def staff_count_columns() -> tuple[Any, ...]:
    """Active staff per kind of each tenant row's subtree, as correlated scalar subqueries.

    A school's subtree is itself, counted on the (tenant_id, kind) index; a bureau's is the range
    of paths under its own.
    """
    owner = aliased(Tenant)
    upper = func.substr(Tenant.path, 1, func.length(Tenant.path) - 1) + literal("0")
    counted = []
    for kind, label in STAFF_COUNT_LABELS.items():
        own = (
            select(func.count())
            .select_from(Staff)
            .where(Staff.tenant_id == Tenant.id, Staff.kind == kind, Staff.active.is_(True))
            .correlate(Tenant)
            .scalar_subquery()
        )
        subtree = (
            select(func.count())
            .select_from(Staff)
            .join(owner, owner.id == Staff.tenant_id)
            .where(and_(owner.path >= Tenant.path, owner.path < upper), Staff.kind == kind, Staff.active.is_(True))
            .correlate(Tenant)
            .scalar_subquery()
        )
        counted.append(case((Tenant.kind == TenantKind.SCHOOL.value, own), else_=subtree).label(label))
    # Built once: the expressions hold no request state, and building them costs more than running them.
    return tuple(counted)


def staff_counts_of_row(row: Any) -> dict[str, int] | None:
    """The prefetched counts of a row, or None when the statement did not carry them."""
    mapping = row._mapping if hasattr(row, "_mapping") else {}
    if STAFF_COUNT_LABELS["FULL_TIME"] not in mapping:
        return None
    return {kind: mapping[label] for kind, label in STAFF_COUNT_LABELS.items()}
