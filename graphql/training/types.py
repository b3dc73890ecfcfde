"""The TrainingProgramme, TrainingSession, TrainingAttendance and CreditSummary types."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import strawberry

from runxin.graphql.connections import Connection, PageArgs
from runxin.graphql.context import Info
from runxin.graphql.enums import enum_of
from runxin.graphql.ids import encode_id
from runxin.graphql.tenants.record import TenantRecord, record_fields
from runxin.platform.training.models import AUDIENCES, PROGRAMME_LEVELS

TrainingLevel = enum_of("TrainingLevel", PROGRAMME_LEVELS, description="Who runs a training programme: national (国培), provincial (省培), city, county or school.")


TrainingAudience = enum_of("TrainingAudience", AUDIENCES, description="Whom a programme trains.")


@strawberry.type(name="TrainingProgramme", description="A training programme a tenant runs, or sends its people to, in a year.")
class TrainingProgrammeNode(TenantRecord):
    name: str
    level: TrainingLevel
    audience: TrainingAudience
    year: int

    @classmethod
    def from_row(cls, row: Any) -> "TrainingProgrammeNode":
        return cls(
            **record_fields(row),
            name=row.name,
            level=TrainingLevel(row.level),
            audience=TrainingAudience(row.audience),
            year=row.year,
        )

    @strawberry.field(description="The programme's sessions, ordered by id (creation order).")
    async def sessions(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection["TrainingSessionNode"]:
        from runxin.graphql.training.queries import sessions_of_programme

        return await sessions_of_programme(info, self.uuid, PageArgs(first, after, last, before).check())


@strawberry.type(
    name="TrainingSession", description="One session of a programme; completing it earns continuing-education credits."
)
class TrainingSessionNode(TenantRecord):
    title: str
    starts_on: dt.date
    ends_on: dt.date
    hours: float
    credits: float = strawberry.field(description="Continuing-education credits (继续教育学分) the session is worth.")
    programme_uuid: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: Any) -> "TrainingSessionNode":
        return cls(
            **record_fields(row),
            title=row.title,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            hours=float(row.hours),
            credits=float(row.credits),
            programme_uuid=row.programme_id,
        )

    @strawberry.field(description="The programme the session belongs to.")
    async def programme(self, info: Info) -> TrainingProgrammeNode | None:
        from runxin.graphql.training.queries import programme_by_id

        return await programme_by_id(info.context).load(self.programme_uuid)

    @strawberry.field(description="Teachers registered at the session that you may see, ordered by id.")
    async def attendances(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection["TrainingAttendanceNode"]:
        from runxin.graphql.training.queries import attendances_of_session

        return await attendances_of_session(info, self.uuid, PageArgs(first, after, last, before).check())


@strawberry.type(
    name="TrainingAttendance",
    description="A teacher's registration at a session. It belongs to the teacher's tenant, so a school sees its "
    "teachers' credits even when the county ran the session.",
)
class TrainingAttendanceNode(TenantRecord):
    completed: bool
    credits_awarded: float
    audience: TrainingAudience = strawberry.field(
        description="The audience of the session's programme, kept in step with it: what the attendance counts for "
        "(a principal at a homeroom-teacher session earns its credits but is not a trained principal)."
    )
    staff_uuid: strawberry.Private[uuid.UUID]
    session_uuid: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: Any) -> "TrainingAttendanceNode":
        return cls(
            **record_fields(row),
            completed=row.completed,
            credits_awarded=float(row.credits_awarded),
            audience=TrainingAudience(row.audience),
            staff_uuid=row.staff_id,
            session_uuid=row.session_id,
        )

    @strawberry.field(description="The global id of the teacher (a Staff).")
    def staff_id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Staff", self.staff_uuid))

    @strawberry.field(
        description="The session; null when it is outside your part of the tree (a school does not see the sessions "
        "its county or city ran, only its teachers' attendance)."
    )
    async def session(self, info: Info) -> TrainingSessionNode | None:
        from runxin.graphql.training.queries import training_session_by_id

        return await training_session_by_id(info.context).load(self.session_uuid)


@strawberry.type(
    description="Continuing-education credits of the active full-time and part-time mental-health teachers of a "
    "subtree, for completed sessions ending in the calendar year (the same figures as the TRAINING_COVERAGE and "
    "CREDITS_PER_TEACHER indicators)."
)
class CreditSummary:
    year: int
    teachers: int = strawberry.field(description="Active full-time and part-time teachers in the subtree.")
    credits_total: float
    credits_per_teacher: float | None = strawberry.field(description="creditsTotal / teachers; null when there are no teachers.")
    teachers_trained: int = strawberry.field(description="Teachers who completed at least one session in the year.")
