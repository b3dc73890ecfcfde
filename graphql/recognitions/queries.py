"""Reading recognitions: Tenant.modelSchoolRecognitions, node(id:), and a school's derived level."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from strawberry.dataloader import DataLoader

from runxin.graphql.connections import Connection, PageArgs
from runxin.graphql.context import Context, Info
from runxin.graphql.loaders import by_id_loader, columns, many_by_key_loader
from runxin.graphql.node import register_node
from runxin.graphql.recognitions.types import ModelSchoolRecognitionNode
from runxin.graphql.records import records_of
from runxin.platform.recognitions.models import ModelSchoolRecognition, highest_level


async def recognitions_of(info: Info, tenant: Any, args: PageArgs, scope: Any) -> Connection[ModelSchoolRecognitionNode]:
    return await records_of(info, tenant, args, scope, ModelSchoolRecognition, ModelSchoolRecognitionNode.from_row)


def _by_tenant(context: Context) -> DataLoader[uuid.UUID, list[Any]]:
    return context.loader(
        "ModelSchoolRecognitionByTenantLoader",
        lambda ctx: many_by_key_loader(
            ctx,
            lambda ids: select(*columns(ModelSchoolRecognition)).where(ModelSchoolRecognition.tenant_id.in_(ids)),
            lambda row: row.tenant_id,
            lambda row: row,
        ),
    )


async def model_school_level_of(context: Context, school_id: uuid.UUID) -> str:
    """The school's highest recognition level in force today (NONE without one), as the caller sees it."""
    return highest_level(await _by_tenant(context).load(school_id), dt.date.today())


async def _recognition_by_id(context: Any, recognition_id: Any) -> ModelSchoolRecognitionNode | None:
    return await context.loader(
        "ModelSchoolRecognitionByIdLoader",
        lambda ctx: by_id_loader(ctx, ModelSchoolRecognition, ModelSchoolRecognitionNode.from_row),
    ).load(recognition_id)


register_node("ModelSchoolRecognition", _recognition_by_id, resource="recognitions")
