"""trainingProgrammeCreate/Update, trainingSessionCreate/Update and trainingAttendanceRegister."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from runxin.graphql.context import Info
from runxin.graphql.errors import UserError
from runxin.graphql.mutations import creating, id_arg, input_values, run_mutation, updating
from runxin.graphql.permissions import can_write
from runxin.graphql.training.inputs import (
    TrainingAttendanceRegisterInput,
    TrainingProgrammeCreateInput,
    TrainingProgrammeUpdateInput,
    TrainingSessionCreateInput,
    TrainingSessionUpdateInput,
)
from runxin.graphql.training.types import TrainingAttendanceNode, TrainingProgrammeNode, TrainingSessionNode
from runxin.platform.training.services import (
    create_programme,
    create_training_session,
    register_attendance,
    update_programme,
    update_training_session,
)


@strawberry.type
class TrainingProgrammePayload:
    training_programme: TrainingProgrammeNode | None
    user_errors: list[UserError]


@strawberry.type
class TrainingSessionPayload:
    training_session: TrainingSessionNode | None
    user_errors: list[UserError]


@strawberry.type
class TrainingAttendancePayload:
    training_attendance: TrainingAttendanceNode | None
    user_errors: list[UserError]


@strawberry.type
class TrainingMutation:
    @strawberry.mutation(permission_classes=[can_write("training")], description="Record a training programme a tenant runs or attends.")
    async def training_programme_create(self, info: Info, input: TrainingProgrammeCreateInput) -> TrainingProgrammePayload:
        programme, errors = await run_mutation(info, creating(input, create_programme), TrainingProgrammeNode.from_row)
        return TrainingProgrammePayload(training_programme=programme, user_errors=errors)

    @strawberry.mutation(permission_classes=[can_write("training")], description="Change a programme; only the fields given change.")
    async def training_programme_update(self, info: Info, input: TrainingProgrammeUpdateInput) -> TrainingProgrammePayload:
        programme, errors = await run_mutation(info, updating(input, "TrainingProgramme", update_programme), TrainingProgrammeNode.from_row)
        return TrainingProgrammePayload(training_programme=programme, user_errors=errors)

    @strawberry.mutation(permission_classes=[can_write("training")], description="Add a session to a programme.")
    async def training_session_create(self, info: Info, input: TrainingSessionCreateInput) -> TrainingSessionPayload:
        async def action(session):  # type: ignore[no-untyped-def]
            programme_id = id_arg(input.programme_id, "TrainingProgramme", "programme_id")
            return await create_training_session(
                session, programme_id=programme_id, values=input_values(input, exclude=("programme_id",))
            )

        training_session, errors = await run_mutation(info, action, TrainingSessionNode.from_row)
        return TrainingSessionPayload(training_session=training_session, user_errors=errors)

    @strawberry.mutation(permission_classes=[can_write("training")], description="Change a session; only the fields given change.")
    async def training_session_update(self, info: Info, input: TrainingSessionUpdateInput) -> TrainingSessionPayload:
        training_session, errors = await run_mutation(info, updating(input, "TrainingSession", update_training_session), TrainingSessionNode.from_row)
        return TrainingSessionPayload(training_session=training_session, user_errors=errors)

    @strawberry.mutation(
        permission_classes=[can_write("training")],
        description="Register a teacher at a session with the credits earned, replacing any earlier registration.",
    )
    async def training_attendance_register(
        self, info: Info, input: TrainingAttendanceRegisterInput
    ) -> TrainingAttendancePayload:
        async def action(session):  # type: ignore[no-untyped-def]
            return await register_attendance(
                session,
                session_id=id_arg(input.session_id, "TrainingSession", "session_id"),
                staff_id=id_arg(input.staff_id, "Staff", "staff_id"),
                completed=input.completed,
                # Via str: 1.1 is the decimal 1.1 the client wrote, not the nearest binary float.
                credits_awarded=Decimal(str(input.credits_awarded)),
            )

        attendance, errors = await run_mutation(info, action, TrainingAttendanceNode.from_row)
        return TrainingAttendancePayload(training_attendance=attendance, user_errors=errors)
