"""Inputs of the training mutations. Unset fields keep their defaults (create) or old values (update)."""

from __future__ import annotations

import datetime as dt

import strawberry

from runxin.graphql.training.types import TrainingAudience, TrainingLevel

UNSET = strawberry.UNSET


@strawberry.input
class TrainingProgrammeFields:
    name: str | None = UNSET
    level: TrainingLevel | None = UNSET
    audience: TrainingAudience | None = UNSET
    year: int | None = UNSET


@strawberry.input
class TrainingProgrammeCreateInput(TrainingProgrammeFields):
    tenant_id: strawberry.ID = strawberry.field(description="The Tenant that records the programme.")


@strawberry.input
class TrainingProgrammeUpdateInput(TrainingProgrammeFields):
    id: strawberry.ID


@strawberry.input
class TrainingSessionFields:
    title: str | None = UNSET
    starts_on: dt.date | None = UNSET
    ends_on: dt.date | None = UNSET
    hours: float | None = UNSET
    credits: float | None = UNSET


@strawberry.input
class TrainingSessionCreateInput(TrainingSessionFields):
    programme_id: strawberry.ID = strawberry.field(description="The TrainingProgramme; the session belongs to its tenant.")


@strawberry.input
class TrainingSessionUpdateInput(TrainingSessionFields):
    id: strawberry.ID


@strawberry.input
class TrainingAttendanceRegisterInput:
    session_id: strawberry.ID = strawberry.field(description="The TrainingSession.")
    staff_id: strawberry.ID = strawberry.field(description="The teacher (a Staff id) of the programme's tenant or below.")
    completed: bool = True
    credits_awarded: float = strawberry.field(description="At most the session's credits; 0 unless completed.")
