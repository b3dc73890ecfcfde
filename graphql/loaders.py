"""Generic request-scoped DataLoaders over plain rows (no ORM entity hydration on read paths).

`columns(Model)` selects a model's mapped columns: the statement stays ORM-enabled, so the tenant
scoping hook applies, while rows come back as light named tuples.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from strawberry.dataloader import DataLoader

from runxin.graphql.connections import Connection, PageArgs, group_rows, make_connection, nested_page_statement
from runxin.graphql.context import Context


def columns(model: type) -> list[Any]:
    """The mapped column attributes of `model`, for a scoped select of plain rows."""
    return [getattr(model, attr.key) for attr in model.__mapper__.column_attrs]  # type: ignore[attr-defined]


def by_key_loader(
    context: Context, statement: Callable[[Sequence[Any]], Select[Any]], key_of: Callable[[Any], Any], node_of: Callable[[Any], Any]
) -> DataLoader[Any, Any]:
    """Load one object per key (None when absent or out of scope) with one statement per batch."""

    async def load(keys: list[Any]) -> list[Any]:
        rows = await context.db.rows(statement(keys))
        found = {key_of(row): node_of(row) for row in rows}
        return [found.get(key) for key in keys]

    return DataLoader(load_fn=load)


def by_id_loader(context: Context, model: type, node_of: Callable[[Any], Any]) -> DataLoader[uuid.UUID, Any]:
    return by_key_loader(
        context, lambda ids: select(*columns(model)).where(model.id.in_(ids)), lambda row: row.id, node_of  # type: ignore[attr-defined]
    )


def many_by_key_loader(
    context: Context, statement: Callable[[Sequence[Any]], Select[Any]], key_of: Callable[[Any], Any], node_of: Callable[[Any], Any]
) -> DataLoader[Any, list[Any]]:
    """Load every object per key (a list, in the statement's order; [] when none) with one statement per batch."""

    async def load(keys: list[Any]) -> list[list[Any]]:
        grouped = group_rows(await context.db.rows(statement(keys)), key_of)
        return [[node_of(row) for row in grouped.get(key, [])] for key in keys]

    return DataLoader(load_fn=load)


def nested_connection_loader(
    context: Context,
    base: Callable[[Sequence[Any]], Select[Any]],
    *,
    key: Any,
    partition: Any,
    args: PageArgs,
    node_of: Callable[[Any], Any],
) -> DataLoader[Any, Connection[Any]]:
    """Pages of children for many parents in one statement (ROW_NUMBER per parent).

    `base(parent_keys)` selects the children of those parents and must include the `partition`
    expression as a column (labelled); `key` is the unique ordering column.
    """
    partition_name = partition.key if hasattr(partition, "key") else partition.name

    async def load(parent_ids: list[Any]) -> list[Connection[Any]]:
        statement = nested_page_statement(base(parent_ids), key, partition, args)
        rows = await context.db.rows(statement)
        grouped = group_rows(rows, lambda row: getattr(row, partition_name))
        return [
            make_connection(grouped.get(pid, []), args, key_of=lambda row: getattr(row, key.key), node_of=node_of)
            for pid in parent_ids
        ]

    return DataLoader(load_fn=load)


def loader_name(*parts: Any) -> str:
    return ":".join(str(p) for p in parts)


def clause_key(clause: ColumnElement[Any] | None) -> str:
    """A loader-name part that tells two where-clauses apart (their SQL and their bound values)."""
    if clause is None:
        return "-"
    compiled = clause.compile()
    return f"{compiled}{sorted(compiled.params.items())}"
