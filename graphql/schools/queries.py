"""Reading school profiles and enrolment: Tenant.schoolProfile, Tenant.enrolment and node(id:)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from strawberry.dataloader import DataLoader

from runxin.graphql.context import Context, Info
from runxin.graphql.loaders import by_id_loader, by_key_loader, columns
from runxin.graphql.node import register_node
from runxin.graphql.schools.types import EnrolmentNode, SchoolProfileNode
from runxin.platform.schools.models import SchoolEnrolment, SchoolProfile


def profile_by_tenant(context: Context) -> DataLoader[uuid.UUID, SchoolProfileNode | None]:
    return context.loader(
        "SchoolProfileByTenantLoader",
        lambda ctx: by_key_loader(
            ctx,
            lambda ids: select(*columns(SchoolProfile)).where(SchoolProfile.tenant_id.in_(ids)),
            lambda row: row.tenant_id,
            SchoolProfileNode.from_row,
        ),
    )


def students_by_tenant_year(context: Context) -> DataLoader[tuple[uuid.UUID, int], int | None]:
    # One statement per batch: the cross product of the batch's tenants and years is fetched, and
    # the rows for pairs nobody asked for are simply not looked up.
    def statement(keys: Any) -> Any:
        return select(SchoolEnrolment.tenant_id, SchoolEnrolment.school_year, SchoolEnrolment.students).where(
            SchoolEnrolment.tenant_id.in_({tenant_id for tenant_id, _ in keys}),
            SchoolEnrolment.school_year.in_({year for _, year in keys}),
        )

    return context.loader(
        "EnrolmentByTenantYearLoader",
        lambda ctx: by_key_loader(ctx, statement, lambda row: (row.tenant_id, row.school_year), lambda row: row.students),
    )


async def school_profile_of(info: Info, tenant: Any) -> SchoolProfileNode | None:
    return await profile_by_tenant(info.context).load(tenant.uuid)


async def enrolment_of(info: Info, tenant: Any, school_year: int) -> int | None:
    return await students_by_tenant_year(info.context).load((tenant.uuid, school_year))


async def _profile_by_id(context: Any, profile_id: Any) -> SchoolProfileNode | None:
    return await context.loader(
        "SchoolProfileByIdLoader", lambda ctx: by_id_loader(ctx, SchoolProfile, SchoolProfileNode.from_row)
    ).load(profile_id)


async def _enrolment_by_id(context: Any, enrolment_id: Any) -> EnrolmentNode | None:
    return await context.loader(
        "EnrolmentByIdLoader", lambda ctx: by_id_loader(ctx, SchoolEnrolment, EnrolmentNode.from_row)
    ).load(enrolment_id)


register_node("SchoolProfile", _profile_by_id, resource="schools")
register_node("Enrolment", _enrolment_by_id, resource="schools")
