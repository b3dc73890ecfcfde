"""modelSchoolRecognitionCreate, ...Update and ...Revoke. The writer is always the caller's own tenant."""

from __future__ import annotations

import strawberry

from runxin.graphql.context import Info
from runxin.graphql.errors import UserError
from runxin.graphql.mutations import id_arg, input_values, run_mutation
from runxin.graphql.permissions import can_write
from runxin.graphql.recognitions.inputs import (
    ModelSchoolRecognitionCreateInput,
    ModelSchoolRecognitionRevokeInput,
    ModelSchoolRecognitionUpdateInput,
)
from runxin.graphql.recognitions.types import ModelSchoolRecognitionNode
from runxin.platform.recognitions.services import create_recognition, revoke_recognition, update_recognition

RESOURCE = "recognitions"


def _writer(info: Info):  # type: ignore[no-untyped-def]
    return info.context.principal.tenant_id  # type: ignore[union-attr]


@strawberry.type
class ModelSchoolRecognitionPayload:
    model_school_recognition: ModelSchoolRecognitionNode | None
    user_errors: list[UserError]


@strawberry.type
class RecognitionMutation:
    @strawberry.mutation(
        permission_classes=[can_write(RESOURCE)],
        description="Record a school's model-school recognition; a county bureau records county level, a city bureau "
        "city level and above.",
    )
    async def model_school_recognition_create(
        self, info: Info, input: ModelSchoolRecognitionCreateInput
    ) -> ModelSchoolRecognitionPayload:
        async def action(session):  # type: ignore[no-untyped-def]
            return await create_recognition(
                session,
                writer_tenant_id=_writer(info),
                tenant_id=id_arg(input.tenant_id, "Tenant", "tenant_id"),
                values=input_values(input, exclude=("tenant_id",)),
            )

        node, errors = await run_mutation(info, action, ModelSchoolRecognitionNode.from_row)
        return ModelSchoolRecognitionPayload(model_school_recognition=node, user_errors=errors)

    @strawberry.mutation(
        permission_classes=[can_write(RESOURCE)],
        description="Change a recognition; only the fields given change, and only a bureau entitled to its level may.",
    )
    async def model_school_recognition_update(
        self, info: Info, input: ModelSchoolRecognitionUpdateInput
    ) -> ModelSchoolRecognitionPayload:
        async def action(session):  # type: ignore[no-untyped-def]
            return await update_recognition(
                session,
                id_arg(input.id, "ModelSchoolRecognition", "id"),
                input_values(input, exclude=("id",)),
                writer_tenant_id=_writer(info),
            )

        node, errors = await run_mutation(info, action, ModelSchoolRecognitionNode.from_row)
        return ModelSchoolRecognitionPayload(model_school_recognition=node, user_errors=errors)

    @strawberry.mutation(
        permission_classes=[can_write(RESOURCE)],
        description="Withdraw a recognition (摘牌) from a day on; it stays on record, counted for the years it was in force.",
    )
    async def model_school_recognition_revoke(
        self, info: Info, input: ModelSchoolRecognitionRevokeInput
    ) -> ModelSchoolRecognitionPayload:
        async def action(session):  # type: ignore[no-untyped-def]
            return await revoke_recognition(
                session, id_arg(input.id, "ModelSchoolRecognition", "id"), input.revoked_on, writer_tenant_id=_writer(info)
            )

        node, errors = await run_mutation(info, action, ModelSchoolRecognitionNode.from_row)
        return ModelSchoolRecognitionPayload(model_school_recognition=node, user_errors=errors)
