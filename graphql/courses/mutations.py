"""schoolClassCreate/Update, classTermHoursRecord and schoolActivityCreate/Update."""

from __future__ import annotations

from typing import Any

import strawberry

from runxin.graphql.context import Info
from runxin.graphql.courses.inputs import (
    ClassTermHoursRecordInput,
    SchoolActivityCreateInput,
    SchoolActivityUpdateInput,
    SchoolClassCreateInput,
    SchoolClassFields,
    SchoolClassUpdateInput,
)
from runxin.graphql.courses.types import ClassTermHoursType, SchoolActivityNode, SchoolClassNode
from runxin.graphql.errors import UserError
from runxin.graphql.mutations import creating, id_arg, input_values, run_mutation, updating
from runxin.graphql.permissions import can_write
from runxin.platform.courses.services import create_activity, create_class, record_term_hours, update_activity, update_class


@strawberry.type
class SchoolClassPayload:
    school_class: SchoolClassNode | None
    user_errors: list[UserError]


@strawberry.type
class ClassTermHoursPayload:
    term_hours: ClassTermHoursType | None
    user_errors: list[UserError]


@strawberry.type
class SchoolActivityPayload:
    school_activity: SchoolActivityNode | None
    user_errors: list[UserError]


def _class_values(input: SchoolClassFields, exclude: tuple[str, ...]) -> dict[str, Any]:
    """The given fields, with the homeroom teacher's global id decoded (null clears it)."""
    values = input_values(input, exclude=exclude)
    if values.get("homeroom_staff_id") is not None:
        values["homeroom_staff_id"] = id_arg(values["homeroom_staff_id"], "Staff", "homeroom_staff_id")
    return values


@strawberry.type
class CourseMutation:
    @strawberry.mutation(permission_classes=[can_write("courses")], description="Record a class of a school in a school year.")
    async def school_class_create(self, info: Info, input: SchoolClassCreateInput) -> SchoolClassPayload:
        async def action(session):  # type: ignore[no-untyped-def]
            tenant_id = id_arg(input.tenant_id, "Tenant", "tenant_id")
            return await create_class(session, tenant_id=tenant_id, values=_class_values(input, ("tenant_id",)))

        school_class, errors = await run_mutation(info, action, SchoolClassNode.from_row)
        return SchoolClassPayload(school_class=school_class, user_errors=errors)

    @strawberry.mutation(permission_classes=[can_write("courses")], description="Change a class; only the fields given change.")
    async def school_class_update(self, info: Info, input: SchoolClassUpdateInput) -> SchoolClassPayload:
        async def action(session):  # type: ignore[no-untyped-def]
            return await update_class(session, id_arg(input.id, "SchoolClass", "id"), _class_values(input, ("id",)))

        school_class, errors = await run_mutation(info, action, SchoolClassNode.from_row)
        return SchoolClassPayload(school_class=school_class, user_errors=errors)

    @strawberry.mutation(
        permission_classes=[can_write("courses")], description="Set a class's hours for one term (idempotent)."
    )
    async def class_term_hours_record(self, info: Info, input: ClassTermHoursRecordInput) -> ClassTermHoursPayload:
        async def action(session):  # type: ignore[no-untyped-def]
            class_id = id_arg(input.class_id, "SchoolClass", "class_id")
            return await record_term_hours(
                session, class_id, input.term, input.teaching_weeks, input.mental_health_hours, input.class_meeting_hours
            )

        standard = info.context.standard
        term_hours, errors = await run_mutation(info, action, lambda row: ClassTermHoursType.from_row(row, standard))
        return ClassTermHoursPayload(term_hours=term_hours, user_errors=errors)

    @strawberry.mutation(permission_classes=[can_write("courses")], description="Record an activity a school held.")
    async def school_activity_create(self, info: Info, input: SchoolActivityCreateInput) -> SchoolActivityPayload:
        activity, errors = await run_mutation(info, creating(input, create_activity), SchoolActivityNode.from_row)
        return SchoolActivityPayload(school_activity=activity, user_errors=errors)

    @strawberry.mutation(
        permission_classes=[can_write("courses")], description="Change an activity; only the fields given change."
    )
    async def school_activity_update(self, info: Info, input: SchoolActivityUpdateInput) -> SchoolActivityPayload:
        action = updating(input, "SchoolActivity", update_activity)
        activity, errors = await run_mutation(info, action, SchoolActivityNode.from_row)
        return SchoolActivityPayload(school_activity=activity, user_errors=errors)
