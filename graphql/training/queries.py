"""Reading training: Tenant.trainingProgrammes / trainingSessions / creditSummary, nested pages, node(id:)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from strawberry.dataloader import DataLoader

from runxin.graphql.connections import Connection, PageArgs
from runxin.graphql.context import Context, Info
from runxin.graphql.loaders import by_id_loader, columns, loader_name, nested_connection_loader
from runxin.graphql.node import register_node
from runxin.graphql.records import records_of
from runxin.graphql.targets.loaders import check_year, indicators_for
from runxin.graphql.training.types import CreditSummary, TrainingAttendanceNode, TrainingProgrammeNode, TrainingSessionNode
from runxin.platform.training.models import TrainingAttendance, TrainingProgramme, TrainingSession

# The credit summary is these two indicators' figures: one engine, so they cannot disagree.
CREDIT_CODES = ("TRAINING_COVERAGE", "CREDITS_PER_TEACHER")


def programme_by_id(context: Context) -> DataLoader[uuid.UUID, TrainingProgrammeNode | None]:
    return context.loader(
        "TrainingProgrammeByIdLoader", lambda ctx: by_id_loader(ctx, TrainingProgramme, TrainingProgrammeNode.from_row)
    )


def training_session_by_id(context: Context) -> DataLoader[uuid.UUID, TrainingSessionNode | None]:
    return context.loader(
        "TrainingSessionByIdLoader", lambda ctx: by_id_loader(ctx, TrainingSession, TrainingSessionNode.from_row)
    )


def attendance_by_id(context: Context) -> DataLoader[uuid.UUID, TrainingAttendanceNode | None]:
    return context.loader(
        "TrainingAttendanceByIdLoader", lambda ctx: by_id_loader(ctx, TrainingAttendance, TrainingAttendanceNode.from_row)
    )


async def programmes_of(info: Info, tenant: Any, args: PageArgs, scope: Any) -> Connection[TrainingProgrammeNode]:
    return await records_of(info, tenant, args, scope, TrainingProgramme, TrainingProgrammeNode.from_row)


async def training_sessions_of(info: Info, tenant: Any, args: PageArgs, scope: Any) -> Connection[TrainingSessionNode]:
    return await records_of(info, tenant, args, scope, TrainingSession, TrainingSessionNode.from_row)


async def sessions_of_programme(info: Info, programme_id: uuid.UUID, args: PageArgs) -> Connection[TrainingSessionNode]:
    return await info.context.loader(
        loader_name("TrainingSessionsByProgrammeLoader", args),
        lambda ctx: nested_connection_loader(
            ctx,
            lambda ids: select(*columns(TrainingSession)).where(TrainingSession.programme_id.in_(ids)),
            key=TrainingSession.id,
            partition=TrainingSession.programme_id,
            args=args,
            node_of=TrainingSessionNode.from_row,
        ),
    ).load(programme_id)


async def attendances_of_session(info: Info, session_id: uuid.UUID, args: PageArgs) -> Connection[TrainingAttendanceNode]:
    return await info.context.loader(
        loader_name("TrainingAttendancesBySessionLoader", args),
        lambda ctx: nested_connection_loader(
            ctx,
            lambda ids: select(*columns(TrainingAttendance)).where(TrainingAttendance.session_id.in_(ids)),
            key=TrainingAttendance.id,
            partition=TrainingAttendance.session_id,
            args=args,
            node_of=TrainingAttendanceNode.from_row,
        ),
    ).load(session_id)


async def credit_summary_of(info: Info, tenant: Any, year: int) -> CreditSummary:
    """The subtree's credits from the indicators DataLoader: one computation for every tenant asked."""
    values = await indicators_for(info.context, tenant, CREDIT_CODES, check_year(year))
    trained, credits = values["TRAINING_COVERAGE"], values["CREDITS_PER_TEACHER"]
    return CreditSummary(
        year=year,
        teachers=credits.units_total,
        credits_total=credits.numerator,
        credits_per_teacher=credits.value,
        teachers_trained=int(trained.numerator),
    )


async def _programme_node(context: Any, programme_id: Any) -> TrainingProgrammeNode | None:
    return await programme_by_id(context).load(programme_id)


async def _session_node(context: Any, session_id: Any) -> TrainingSessionNode | None:
    return await training_session_by_id(context).load(session_id)


async def _attendance_node(context: Any, attendance_id: Any) -> TrainingAttendanceNode | None:
    return await attendance_by_id(context).load(attendance_id)


register_node("TrainingProgramme", _programme_node, resource="training")
register_node("TrainingSession", _session_node, resource="training")
register_node("TrainingAttendance", _attendance_node, resource="training")
