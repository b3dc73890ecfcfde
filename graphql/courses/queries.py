"""Reading courses: Tenant.classes, Tenant.schoolActivities, SchoolClass.termHours and node(id:)."""

from __future__ import annotations

import uuid
from typing import Any

from runxin.graphql.connections import Connection, PageArgs
from runxin.graphql.context import Info
from runxin.graphql.courses.types import ClassTermHoursType, SchoolActivityNode, SchoolClassNode
from runxin.graphql.loaders import by_id_loader
from runxin.graphql.node import register_node
from runxin.graphql.periods import periods_where
from runxin.graphql.records import children_of, records_of
from runxin.platform.courses.models import ClassTermHours, SchoolActivity, SchoolClass


async def classes_of(info: Info, tenant: Any, args: PageArgs, scope: Any, school_year: int | None) -> Connection[SchoolClassNode]:
    where = None if school_year is None else SchoolClass.school_year == school_year
    return await records_of(info, tenant, args, scope, SchoolClass, SchoolClassNode.from_row, where=where)


async def activities_of(
    info: Info, tenant: Any, args: PageArgs, scope: Any, school_year: int | None
) -> Connection[SchoolActivityNode]:
    where = None if school_year is None else SchoolActivity.school_year == school_year
    return await records_of(info, tenant, args, scope, SchoolActivity, SchoolActivityNode.from_row, where=where)


async def term_hours_of(info: Info, class_id: uuid.UUID, terms: list[str] | None) -> list[ClassTermHoursType]:
    standard = info.context.standard
    return await children_of(
        info,
        ClassTermHours,
        ClassTermHours.class_id,
        class_id,
        lambda row: ClassTermHoursType.from_row(row, standard),
        order_by=ClassTermHours.term,
        where=periods_where(ClassTermHours.term, terms),
    )


async def _class_by_id(context: Any, class_id: Any) -> SchoolClassNode | None:
    return await context.loader(
        "SchoolClassByIdLoader", lambda ctx: by_id_loader(ctx, SchoolClass, SchoolClassNode.from_row)
    ).load(class_id)


async def _activity_by_id(context: Any, activity_id: Any) -> SchoolActivityNode | None:
    return await context.loader(
        "SchoolActivityByIdLoader", lambda ctx: by_id_loader(ctx, SchoolActivity, SchoolActivityNode.from_row)
    ).load(activity_id)


register_node("SchoolClass", _class_by_id, resource="courses")
register_node("SchoolActivity", _activity_by_id, resource="courses")
