"""Inputs of the home visit mutations. Unset fields keep their defaults (create) or old values (update)."""

from __future__ import annotations

import datetime as dt

import strawberry

from runxin.graphql.homeschool.types import HomeVisitMode

UNSET = strawberry.UNSET


@strawberry.input
class HomeVisitFields:
    staff_id: strawberry.ID | None = strawberry.field(default=UNSET, description="The teacher (a Staff of the student's school).")
    visited_on: dt.date | None = UNSET
    mode: HomeVisitMode | None = UNSET
    note: str | None = UNSET


@strawberry.input
class HomeVisitCreateInput(HomeVisitFields):
    student_file_id: strawberry.ID = strawberry.field(description="The student's file (a StudentFile of your school).")


@strawberry.input
class HomeVisitUpdateInput(HomeVisitFields):
    id: strawberry.ID


@strawberry.input
class HomeVisitDeleteInput:
    id: strawberry.ID
