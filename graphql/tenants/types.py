"""The Tenant type: a node of the tree and the entry to everything recorded under it.

Domain fields (stations, staff, indicators, ...) are declared here but resolved by each domain's
own module, so this file stays a table of contents.
"""

from __future__ import annotations

import enum
import uuid
from typing import Any

import strawberry

from runxin.graphql.connections import Connection, PageArgs
from runxin.graphql.context import Info
from runxin.graphql.node import Node
from runxin.graphql.tenants import loaders
from runxin.platform.tree.paths import ancestor_ids

from runxin.graphql.stations.types import StationNode


@strawberry.enum(name="TenantKind")
class TenantKindEnum(enum.Enum):
    PROVINCE = "PROVINCE"
    CITY = "CITY"
    COUNTY = "COUNTY"
    SCHOOL = "SCHOOL"


@strawberry.enum(description="Whose records a list holds: the tenant's own, or its whole subtree's.")
class RecordScope(enum.Enum):
    OWN = "OWN"
    SUBTREE = "SUBTREE"


@strawberry.type(name="Tenant", description="A city, county or school bureau: a node of the tenant tree.")
class TenantNode(Node):
    code: str = strawberry.field(description="GB/T 2260 division code (city, county) or 10-digit school code.")
    name: str
    kind: TenantKindEnum
    depth: int = strawberry.field(description="0 for a root (city or province), +1 per level.")
    parent_uuid: strawberry.Private[uuid.UUID | None]
    path: strawberry.Private[str]

    @classmethod
    def from_row(cls, row: Any) -> "TenantNode":
        return cls(
            uuid=row.id,
            code=row.code,
            name=row.name,
            kind=TenantKindEnum(row.kind),
            depth=row.depth,
            parent_uuid=row.parent_id,
            path=row.path,
        )

    @strawberry.field(description="The tenant above this one (null for a root).")
    async def parent(self, info: Info) -> "TenantNode | None":
        if self.parent_uuid is None:
            return None
        return await loaders.tenant_by_id(info.context).load(self.parent_uuid)

    @strawberry.field(description="From the root down to the parent.")
    async def ancestors(self, info: Info) -> list["TenantNode"]:
        found = await loaders.tenant_by_id(info.context).load_many(ancestor_ids(self.path)[:-1])
        return [t for t in found if t is not None]

    @strawberry.field(description="The tenants directly under this one, ordered by code.")
    async def children(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        kind: TenantKindEnum | None = None,
    ) -> Connection["TenantNode"]:
        args = PageArgs(first, after, last, before).check()
        return await loaders.children_by_parent(info.context, args, kind.value if kind else None).load(self.uuid)

    @strawberry.field(description="Sunshine counselling stations and counselling rooms.")
    async def stations(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        scope: RecordScope = RecordScope.OWN,
    ) -> Connection[StationNode]:
        from runxin.graphql.stations.queries import stations_of

        return await stations_of(info, self, PageArgs(first, after, last, before).check(), scope)
