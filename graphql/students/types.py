"""StudentFile, ScreeningRound (with its grade-by-level grid), ScreeningResult, ConcernFollowUp,
Referral and CrisisPlan."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import strawberry

from runxin.graphql.context import Context, Info
from runxin.graphql.enums import enum_of
from runxin.graphql.staffing.types import Gender, StaffNode
from runxin.graphql.tenants.record import TenantRecord, record_fields
from runxin.platform.students.care import REFERRAL_STATES, SCREENING_LEVELS
from runxin.platform.students.models import CONCERN_LEVELS, FOUR_SPECIAL_KINDS
from runxin.platform.validation import split_codes

ConcernLevel = enum_of("ConcernLevel", CONCERN_LEVELS, "Where a screening or an assessment placed a student.")
ScreeningLevel = enum_of("ScreeningLevel", SCREENING_LEVELS)
FourSpecialKind = enum_of("FourSpecialKind", FOUR_SPECIAL_KINDS, 'The "four special" (四特) categories.')
ReferralState = enum_of("ReferralState", REFERRAL_STATES, "REFERRED → IN_TREATMENT → RETURNED (with a certificate) or CLOSED.")


def _audited(context: Context, type_name: str, record_id: uuid.UUID, fields: list[str]) -> None:
    # Every student-level object is personal data: the audit log records its read.
    context.audit.note_personal_read(type_name, record_id, fields)


@strawberry.type(name="StudentFile", description="One student's file at their school (一生一档); only the school reads it.")
class StudentFileNode(TenantRecord):
    student_ref: str = strawberry.field(description="The school's own student number, unique in the school.")
    name: str
    gender: Gender
    birth_date: dt.date | None
    grade: int = strawberry.field(description="1-12: primary 1-6, junior 7-9, senior 10-12.")
    class_name: str
    four_special: list[FourSpecialKind]
    concern_level: ConcernLevel = strawberry.field(description="The latest screening's (or assessment's) level.")
    active: bool

    @classmethod
    def from_row(cls, row: Any, context: Context) -> StudentFileNode:
        _audited(
            context,
            "StudentFile",
            row.id,
            ["studentRef", "name", "gender", "birthDate", "grade", "className", "fourSpecial", "concernLevel"],
        )
        return cls(
            **record_fields(row),
            student_ref=row.student_ref,
            name=row.name,
            gender=Gender(row.gender),
            birth_date=row.birth_date,
            grade=row.grade,
            class_name=row.class_name,
            four_special=[FourSpecialKind(code) for code in split_codes(row.four_special)],
            concern_level=ConcernLevel(row.concern_level),
            active=row.active,
        )

    @strawberry.field(description="Results of every screening round, most recently recorded first.")
    async def screening_results(
        self, info: Info
    ) -> list[Annotated["ScreeningResultNode", strawberry.lazy("runxin.graphql.students.types")]]:
        from runxin.graphql.students.queries import results_of_student

        return await results_of_student(info, self.uuid)

    @strawberry.field(description="Teachers following this student (open and ended), most recently recorded first.")
    async def follow_ups(
        self, info: Info
    ) -> list[Annotated["ConcernFollowUpNode", strawberry.lazy("runxin.graphql.students.types")]]:
        from runxin.graphql.students.queries import follow_ups_of_student

        return await follow_ups_of_student(info, self.uuid)

    @strawberry.field(description="Hospital referrals, most recently recorded first.")
    async def referrals(self, info: Info) -> list[Annotated["ReferralNode", strawberry.lazy("runxin.graphql.students.types")]]:
        from runxin.graphql.students.queries import referrals_of_student

        return await referrals_of_student(info, self.uuid)


@strawberry.type(description="Students of a round in one grade at one level.")
class ScreeningCount:
    grade: int
    level: ScreeningLevel
    students: int


@strawberry.type(name="ScreeningRound", description="A screening of the school's students (每学年开展1次, seeds/001 §(五)1).")
class ScreeningRoundNode(TenantRecord):
    school_year: int = strawberry.field(description="2025 is 2025-26 (1 September to 31 August).")
    held_on: dt.date
    title: str
    instrument: str

    @classmethod
    def from_row(cls, row: Any) -> ScreeningRoundNode:
        return cls(
            **record_fields(row), school_year=row.school_year, held_on=row.held_on, title=row.title, instrument=row.instrument
        )

    # The three student-derived fields are null for anyone but the school itself (a bureau sees the
    # round, which is institutional, and the students only as suppressed indicator counts): null,
    # not 0 or [], which would read as "nobody screened".
    @strawberry.field(
        description="Students with a result in this round; null except for the school itself (bureaus: the "
        "STUDENTS_SCREENED indicator)."
    )
    async def students_screened(self, info: Info) -> int | None:
        from runxin.graphql.students.queries import round_grid

        grid = await round_grid(info, self)
        return None if grid is None else sum(c.students for c in grid)

    @strawberry.field(
        description="Students by grade and level; null except for the school itself (bureaus: the CONCERN_* indicators)."
    )
    async def counts(self, info: Info) -> list[ScreeningCount] | None:
        from runxin.graphql.students.queries import round_grid

        return await round_grid(info, self)

    @strawberry.field(description="Every result of the round, by student; null except for the school itself.")
    async def results(
        self, info: Info
    ) -> list[Annotated["ScreeningResultNode", strawberry.lazy("runxin.graphql.students.types")]] | None:
        from runxin.graphql.students.queries import results_of_round

        return await results_of_round(info, self)


@strawberry.type(name="ScreeningResult", description="Where one round placed one student.")
class ScreeningResultNode(TenantRecord):
    level: ScreeningLevel
    round_uuid: strawberry.Private[uuid.UUID]
    student_uuid: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: Any, context: Context) -> ScreeningResultNode:
        _audited(context, "ScreeningResult", row.id, ["level"])
        return cls(**record_fields(row), level=ScreeningLevel(row.level), round_uuid=row.round_id, student_uuid=row.student_id)

    @strawberry.field
    async def round(self, info: Info) -> ScreeningRoundNode | None:
        from runxin.graphql.students.queries import round_by_id

        return await round_by_id(info.context, self.round_uuid)

    @strawberry.field
    async def student(self, info: Info) -> StudentFileNode | None:
        from runxin.graphql.students.queries import student_by_id

        return await student_by_id(info.context, self.student_uuid)


@strawberry.type(name="ConcernFollowUp", description="A teacher of the school following a student of concern (挂点帮扶).")
class ConcernFollowUpNode(TenantRecord):
    started_on: dt.date
    ended_on: dt.date | None
    student_uuid: strawberry.Private[uuid.UUID]
    staff_uuid: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: Any, context: Context) -> ConcernFollowUpNode:
        _audited(context, "ConcernFollowUp", row.id, ["startedOn", "endedOn", "student", "staff"])
        return cls(
            **record_fields(row),
            started_on=row.started_on,
            ended_on=row.ended_on,
            student_uuid=row.student_id,
            staff_uuid=row.staff_id,
        )

    @strawberry.field(description="True until ended.")
    def open(self) -> bool:
        return self.ended_on is None

    @strawberry.field
    async def student(self, info: Info) -> StudentFileNode | None:
        from runxin.graphql.students.queries import student_by_id

        return await student_by_id(info.context, self.student_uuid)

    @strawberry.field
    async def staff(self, info: Info) -> StaffNode | None:
        from runxin.graphql.node import node_loader

        loader = node_loader("Staff")
        return None if loader is None else await loader[0](info.context, self.staff_uuid)


@strawberry.type(
    name="Referral", description="A student referred to a hospital, tracked to their return (seeds/001 §(五)3, §(六)5)."
)
class ReferralNode(TenantRecord):
    hospital: str
    referred_on: dt.date
    state: ReferralState
    certificate_received_on: dt.date | None = strawberry.field(description="The hospital's certificate allowing the return.")
    student_uuid: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: Any, context: Context) -> ReferralNode:
        _audited(context, "Referral", row.id, ["hospital", "referredOn", "state", "certificateReceivedOn", "student"])
        return cls(
            **record_fields(row),
            hospital=row.hospital,
            referred_on=row.referred_on,
            state=ReferralState(row.state),
            certificate_received_on=row.certificate_received_on,
            student_uuid=row.student_id,
        )

    @strawberry.field
    async def student(self, info: Info) -> StudentFileNode | None:
        from runxin.graphql.students.queries import student_by_id

        return await student_by_id(info.context, self.student_uuid)


@strawberry.type(name="CrisisPlan", description="The school's psychological-crisis emergency plan (心理危机紧急处置预案).")
class CrisisPlanNode(TenantRecord):
    title: str
    adopted_on: dt.date
    reviewed_on: dt.date | None
    active: bool

    @classmethod
    def from_row(cls, row: Any) -> CrisisPlanNode:
        return cls(
            **record_fields(row), title=row.title, adopted_on=row.adopted_on, reviewed_on=row.reviewed_on, active=row.active
        )
