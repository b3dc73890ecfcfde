"""Cursor connections (Relay): `first`/`after` or `last`/`before`, at most 100 a page.

Every connection is ordered by one unique key column, so a cursor is that key and a page is one
range scan. Nested connections (a page of stations for each of 100 schools) are fetched for all
parents in one statement with ROW_NUMBER() per parent.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import strawberry
from sqlalchemy import Select, Uuid, func, select

from runxin.platform.errors import Invalid

MAX_PAGE = 100
T = TypeVar("T")
K = TypeVar("K")


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo

    @strawberry.field(description="The nodes of the edges, for clients that need no cursors.")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]


# Cursors carry a marker so that text which merely happens to decode is refused, not taken as a key.
_CURSOR_MARK = "cursor:"


def encode_cursor(key: Any) -> str:
    text = key.hex if isinstance(key, uuid.UUID) else str(key)
    return base64.urlsafe_b64encode((_CURSOR_MARK + text).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, field: str, as_uuid: bool) -> Any:
    try:
        text = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()).decode()
        if not text.startswith(_CURSOR_MARK):
            raise ValueError("not a cursor")
        text = text[len(_CURSOR_MARK) :]
        return uuid.UUID(hex=text) if as_uuid else text
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise Invalid(field, "CURSOR_INVALID", f"{field} is not a cursor from this connection; use pageInfo.endCursor.") from exc


@dataclass(frozen=True, slots=True)
class PageArgs:
    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    def check(self) -> "PageArgs":
        if (self.first is None) == (self.last is None):
            raise Invalid("first", "PAGE_SIZE_REQUIRED", f"Give exactly one of first or last (1 to {MAX_PAGE}).")
        size, name = (self.first, "first") if self.first is not None else (self.last, "last")
        if not 1 <= size <= MAX_PAGE:  # type: ignore[operator]
            raise Invalid(name, "PAGE_SIZE", f"{name} is {size}; ask for 1 to {MAX_PAGE} and page with cursors.")
        if self.first is not None and self.before is not None or self.last is not None and self.after is not None:
            raise Invalid("before", "PAGE_DIRECTION", "Use first with after, or last with before.")
        return self

    @property
    def forward(self) -> bool:
        return self.first is not None

    @property
    def size(self) -> int:
        return self.first if self.first is not None else self.last  # type: ignore[return-value]

    def bound(self, as_uuid: bool) -> Any:
        cursor = self.after if self.forward else self.before
        return None if cursor is None else decode_cursor(cursor, "after" if self.forward else "before", as_uuid)


def _restrict(statement: Select[Any], key: Any, args: PageArgs) -> Select[Any]:
    bound = args.bound(isinstance(key.type, Uuid))
    if bound is not None:
        statement = statement.where(key > bound if args.forward else key < bound)
    return statement


def page_statement(statement: Select[Any], key: Any, args: PageArgs) -> Select[Any]:
    """Restrict `statement` to one page (plus one row to learn whether there is more)."""
    statement = _restrict(statement, key, args)
    return statement.order_by(key if args.forward else key.desc()).limit(args.size + 1)


def nested_page_statement(statement: Select[Any], key: Any, partition: Any, args: PageArgs) -> Select[Any]:
    """One page per value of `partition`, all in one statement."""
    statement = _restrict(statement, key, args)
    order = key if args.forward else key.desc()
    numbered = statement.add_columns(func.row_number().over(partition_by=partition, order_by=order).label("_rn")).subquery()
    return select(numbered).where(numbered.c._rn <= args.size + 1).order_by(numbered.c._rn)


def make_connection(rows: Sequence[Any], args: PageArgs, *, key_of: Callable[[Any], Any], node_of: Callable[[Any], T]) -> Connection[T]:
    """Build the Connection from a page's rows (as returned in page order)."""
    more = len(rows) > args.size
    rows = list(rows[: args.size])
    if not args.forward:
        rows.reverse()
    edges = [Edge(cursor=encode_cursor(key_of(row)), node=node_of(row)) for row in rows]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=more if args.forward else args.before is not None,
            has_previous_page=more if not args.forward else args.after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )


def group_rows(rows: Sequence[Any], partition_of: Callable[[Any], Hashable]) -> dict[Hashable, list[Any]]:
    grouped: dict[Hashable, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[partition_of(row)].append(row)
    return grouped
