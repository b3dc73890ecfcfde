"""homeVisitCreate, homeVisitUpdate and homeVisitDelete."""

from __future__ import annotations

from typing import Any

import strawberry

from runxin.graphql.context import Info
from runxin.graphql.errors import UserError
from runxin.graphql.homeschool.inputs import HomeVisitCreateInput, HomeVisitDeleteInput, HomeVisitUpdateInput
from runxin.graphql.homeschool.types import HomeVisitNode
from runxin.graphql.ids import encode_id
from runxin.graphql.mutations import id_arg, input_values, run_mutation
from runxin.graphql.permissions import can_write
from runxin.platform.homeschool.services import create_home_visit, delete_home_visit, update_home_visit


@strawberry.type
class HomeVisitPayload:
    home_visit: HomeVisitNode | None
    user_errors: list[UserError]


@strawberry.type
class HomeVisitDeletePayload:
    deleted_id: strawberry.ID | None
    user_errors: list[UserError]


def _values(input: Any, exclude: tuple[str, ...]) -> dict[str, Any]:
    values = input_values(input, exclude=exclude)
    if values.get("staff_id") is not None:
        values["staff_id"] = id_arg(values["staff_id"], "Staff", "staff_id")
    return values


@strawberry.type
class HomeschoolMutation:
    @strawberry.mutation(
        permission_classes=[can_write("homeschool")],
        description="Record a home visit (IN_PERSON) or a contact (PHONE, ONLINE) with a student's family, at your own school.",
    )
    async def home_visit_create(self, info: Info, input: HomeVisitCreateInput) -> HomeVisitPayload:
        async def action(session):  # type: ignore[no-untyped-def]
            student_file_id = id_arg(input.student_file_id, "StudentFile", "student_file_id")
            return await create_home_visit(session, student_file_id=student_file_id, values=_values(input, ("student_file_id",)))

        visit, errors = await run_mutation(info, action, HomeVisitNode.from_row)
        return HomeVisitPayload(home_visit=visit, user_errors=errors)

    @strawberry.mutation(permission_classes=[can_write("homeschool")], description="Change a visit; only the fields given change.")
    async def home_visit_update(self, info: Info, input: HomeVisitUpdateInput) -> HomeVisitPayload:
        async def action(session):  # type: ignore[no-untyped-def]
            return await update_home_visit(session, id_arg(input.id, "HomeVisit", "id"), _values(input, ("id",)))

        visit, errors = await run_mutation(info, action, HomeVisitNode.from_row)
        return HomeVisitPayload(home_visit=visit, user_errors=errors)

    @strawberry.mutation(permission_classes=[can_write("homeschool")], description="Remove a visit recorded by mistake.")
    async def home_visit_delete(self, info: Info, input: HomeVisitDeleteInput) -> HomeVisitDeletePayload:
        async def action(session):  # type: ignore[no-untyped-def]
            return await delete_home_visit(session, id_arg(input.id, "HomeVisit", "id"))

        deleted, errors = await run_mutation(info, action, lambda row: strawberry.ID(encode_id("HomeVisit", row.id)))
        return HomeVisitDeletePayload(deleted_id=deleted, user_errors=errors)
