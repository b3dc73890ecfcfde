"""The Tenant type: a node of the tree and the entry to everything recorded under it.

Domain fields (stations, staff, indicators, ...) are declared here but resolved by each domain's
own module, so this file stays a table of contents.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from runxin.graphql.centres.queries import centres_of
from runxin.graphql.centres.types import CentreNode
from runxin.graphql.connections import Connection, PageArgs
from runxin.graphql.context import Info
from runxin.graphql.courses.types import SchoolActivityNode, SchoolClassNode
from runxin.graphql.disclosure.types import DisclosurePolicyType
from runxin.graphql.enums import enum_of
from runxin.graphql.homeschool.types import HomeVisitNode
from runxin.graphql.hotlines.queries import hotlines_of
from runxin.graphql.hotlines.types import HotlineNode
from runxin.graphql.mentorship.types import MentorAssignmentNode, MentorTeamNode
from runxin.graphql.node import Node
from runxin.graphql.permissions import can_read
from runxin.graphql.records import RecordScope, require_subtree
from runxin.graphql.reporting.types import ApprovalStateEnum, ReportType
from runxin.graphql.schools.types import SchoolProfileNode
from runxin.graphql.staffing.types import StaffCounts, StaffKind, StaffNode
from runxin.graphql.recognitions.queries import recognitions_of
from runxin.graphql.recognitions.types import ModelSchoolRecognitionNode
from runxin.graphql.stations.queries import stations_of
from runxin.graphql.stations.types import StationNode
from runxin.graphql.students.queries import screening_rounds_of
from runxin.graphql.students.types import (
    ConcernLevel,
    CrisisPlanNode,
    ReferralNode,
    ReferralState,
    ScreeningRoundNode,
    StudentFileNode,
)
from runxin.graphql.targets.progress import EffectiveTarget
from runxin.graphql.targets.queries import targets_of
from runxin.graphql.targets.types import GapType, IndicatorValueType, TargetNode
from runxin.graphql.tenants import loaders
from runxin.graphql.tenants.fields import records_field
from runxin.graphql.tenants.prefetch import staff_counts_of_row, wants
from runxin.graphql.training.queries import programmes_of, training_sessions_of
from runxin.graphql.training.types import CreditSummary, TrainingProgrammeNode, TrainingSessionNode
from runxin.platform.tree.models import TenantKind
from runxin.platform.tree.paths import ancestor_ids

if TYPE_CHECKING:
    from runxin.graphql.completeness.types import ReportingCompletenessType

TenantKindEnum = enum_of("TenantKind", TenantKind)
# Lazy: the completeness types name Tenant and TenantKind, which this module makes.
ReportingCompletenessRef = Annotated["ReportingCompletenessType", strawberry.lazy("runxin.graphql.completeness.types")]


@strawberry.type(name="Tenant", description="A city, county or school bureau: a node of the tenant tree.")
class TenantNode(Node):
    code: str = strawberry.field(description="GB/T 2260 division code (city, county) or 10-digit school code.")
    name: str
    kind: TenantKindEnum
    depth: int = strawberry.field(description="0 for a root (city or province), +1 per level.")
    parent_uuid: strawberry.Private[uuid.UUID | None]
    path: strawberry.Private[str]
    # Staff counts that came with the row (see prefetch.py); None means "ask the DataLoader".
    staff_counted: strawberry.Private[dict[str, int] | None]

    @classmethod
    def from_row(cls, row: Any) -> "TenantNode":
        return cls(
            uuid=row.id,
            code=row.code,
            name=row.name,
            kind=TenantKindEnum(row.kind),
            depth=row.depth,
            parent_uuid=row.parent_id,
            path=row.path,
            staff_counted=staff_counts_of_row(row),
        )

    @strawberry.field(description="The disclosure rules in force in this tenant's tree (set by its city).")
    def disclosure_policy(self, info: Info) -> DisclosurePolicyType:
        return DisclosurePolicyType.of(info.context.principal.disclosure)  # type: ignore[union-attr]

    @strawberry.field(description="The tenant above this one (null for a root).")
    async def parent(self, info: Info) -> "TenantNode | None":
        if self.parent_uuid is None:
            return None
        return await loaders.tenant_by_id(info.context).load(self.parent_uuid)

    @strawberry.field(description="From the root down to the parent.")
    async def ancestors(self, info: Info) -> list["TenantNode"]:
        found = await loaders.tenant_by_id(info.context).load_many(ancestor_ids(self.path)[:-1])
        return [t for t in found if t is not None]

    @strawberry.field(description="The tenants directly under this one, ordered by code.")
    async def children(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        kind: TenantKindEnum | None = None,
    ) -> Connection["TenantNode"]:
        args = PageArgs(first, after, last, before).check()
        counts = wants(info, "staffCounts")
        return await loaders.children_by_parent(info.context, args, kind.value if kind else None, counts).load(self.uuid)

    stations = records_field(StationNode, stations_of, "stations", "Sunshine counselling stations and counselling rooms.")

    centres = records_field(CentreNode, centres_of, "centres", "Youth healthy-growth counselling centres (a county's own).")

    hotlines = records_field(HotlineNode, hotlines_of, "hotlines", "Psychological-aid hotlines.")

    # Student-level records: the principal's own school only (STUDENT_DATA_STAYS_AT_SCHOOL otherwise).
    @strawberry.field(
        description="Home visits and contacts of this school's students, ordered by id. Only the school itself reads them; "
        "anyone else is refused with STUDENT_DATA_STAYS_AT_SCHOOL.",
        permission_classes=[can_read("homeschool")],
    )
    async def home_visits(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        school_year: int | None = None,
    ) -> Connection[HomeVisitNode]:
        from runxin.graphql.homeschool.queries import home_visits_of

        return await home_visits_of(info, self, PageArgs(first, after, last, before).check(), school_year)

    @strawberry.field(
        description="Mentor assignments of this school's students, ordered by id. Only the school itself reads them.",
        permission_classes=[can_read("mentorship")],
    )
    async def mentor_assignments(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        school_year: int | None = None,
    ) -> Connection[MentorAssignmentNode]:
        from runxin.graphql.mentorship.queries import assignments_of

        return await assignments_of(info, self, PageArgs(first, after, last, before).check(), school_year)

    @strawberry.field(
        description="Mentor teams of this school's students, ordered by id. Only the school itself reads them.",
        permission_classes=[can_read("mentorship")],
    )
    async def mentor_teams(
        self, info: Info, first: int | None = None, after: str | None = None, last: int | None = None, before: str | None = None
    ) -> Connection[MentorTeamNode]:
        from runxin.graphql.mentorship.queries import teams_of

        return await teams_of(info, self, PageArgs(first, after, last, before).check())
    model_school_recognitions = records_field(
        ModelSchoolRecognitionNode,
        recognitions_of,
        "recognitions",
        "A school's recognitions as a mental-health model school (心理健康特色学校), withdrawn and expired ones included.",
    )

    @strawberry.field(
        description="Mental-health teachers, hired counsellors, homeroom and subject teachers, principals; personal data by policy.",
        permission_classes=[can_read("staff")],
    )
    async def staff(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        scope: RecordScope = RecordScope.OWN,
        kind: StaffKind | None = None,
    ) -> Connection[StaffNode]:
        from runxin.graphql.staffing.queries import staff_of

        return await staff_of(info, self, PageArgs(first, after, last, before).check(), scope, kind)

    @strawberry.field(
        description="Active staff of this tenant and every tenant under it, by kind.", permission_classes=[can_read("staff")]
    )
    def staff_counts(self, info: Info) -> StaffCounts:
        # Not async: when the page's statement carried the counts (the usual case for lists) this
        # answers from memory; otherwise it hands graphql-core the DataLoader's awaitable.
        if self.staff_counted is not None:
            require_subtree(info, self)
            return StaffCounts.from_counts(self.staff_counted)
        from runxin.graphql.staffing.queries import staff_counts_of

        return staff_counts_of(info, self)  # type: ignore[return-value]

    @strawberry.field(
        description="Student files (一生一档), for your own school only: any other tenant, a bureau above the school "
        "included, is refused (STUDENT_DATA_STAYS_AT_SCHOOL); bureaus see counts through the indicators.",
        permission_classes=[can_read("students")],
    )
    async def student_files(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        grade: int | None = None,
        concern_level: ConcernLevel | None = None,
        active: bool | None = None,
    ) -> Connection[StudentFileNode]:
        from runxin.graphql.students.queries import student_files_of

        page = PageArgs(first, after, last, before).check()
        return await student_files_of(info, self, page, grade=grade, concern_level=concern_level, active=active)

    @strawberry.field(
        description="Hospital referrals of your own school's students (refused for any other tenant, as studentFiles).",
        permission_classes=[can_read("students")],
    )
    async def referrals(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        state: ReferralState | None = None,
    ) -> Connection[ReferralNode]:
        from runxin.graphql.students.queries import referrals_of

        return await referrals_of(info, self, PageArgs(first, after, last, before).check(), state=state)

    screening_rounds = records_field(
        ScreeningRoundNode, screening_rounds_of, "schools", "Mental-health screening rounds (OWN) or those of the whole subtree."
    )

    @strawberry.field(
        description="The school's psychological-crisis emergency plan; null when it has none.",
        permission_classes=[can_read("schools")],
    )
    async def crisis_plan(self, info: Info) -> CrisisPlanNode | None:
        from runxin.graphql.students.queries import crisis_plan_of

        return await crisis_plan_of(info, self)

    @strawberry.field(
        description="A school's profile (category, stages, rank); null for a bureau or a school without one.",
        permission_classes=[can_read("schools")],
    )
    async def school_profile(self, info: Info) -> SchoolProfileNode | None:
        from runxin.graphql.schools.queries import school_profile_of

        return await school_profile_of(info, self)

    @strawberry.field(
        description="Students enrolled in the school year (2025 is 2025-26); null when not reported.",
        permission_classes=[can_read("schools")],
    )
    async def enrolment(self, info: Info, school_year: int) -> int | None:
        from runxin.graphql.schools.queries import enrolment_of

        return await enrolment_of(info, self, school_year)

    training_programmes = records_field(
        TrainingProgrammeNode, programmes_of, "training", "Training programmes recorded by this tenant (OWN) or anywhere in its subtree."
    )

    training_sessions = records_field(
        TrainingSessionNode, training_sessions_of, "training", "Training sessions of this tenant's programmes (OWN) or of its whole subtree."
    )

    @strawberry.field(
        description="Continuing-education credits of the teachers of this tenant's subtree in a calendar year.",
        permission_classes=[can_read("training")],
    )
    async def credit_summary(self, info: Info, year: int) -> CreditSummary:
        from runxin.graphql.training.queries import credit_summary_of

        require_subtree(info, self)
        return await credit_summary_of(info, self, year)

    # --- courses and activities ------------------------------------------------------------------

    @strawberry.field(
        description="Classes of this school (OWN) or of the schools in its subtree (SUBTREE); schoolYear narrows them.",
        permission_classes=[can_read("courses")],
    )
    async def classes(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        scope: RecordScope = RecordScope.OWN,
        school_year: int | None = None,
    ) -> Connection[SchoolClassNode]:
        from runxin.graphql.courses.queries import classes_of

        return await classes_of(info, self, PageArgs(first, after, last, before).check(), scope, school_year)

    @strawberry.field(
        description="Theme months, adaptation activities and parent training held by this school (OWN) or the schools "
        "in its subtree (SUBTREE); schoolYear narrows them.",
        permission_classes=[can_read("courses")],
    )
    async def school_activities(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        scope: RecordScope = RecordScope.OWN,
        school_year: int | None = None,
    ) -> Connection[SchoolActivityNode]:
        from runxin.graphql.courses.queries import activities_of

        return await activities_of(info, self, PageArgs(first, after, last, before).check(), scope, school_year)

    @strawberry.field(
        description="Indicators over this tenant's subtree (all when codes is null), for a year (default: the current "
        "school year, which starts on 1 September).",
        permission_classes=[can_read("indicators")],
    )
    async def indicators(self, info: Info, codes: list[str] | None = None, year: int | None = None) -> list[IndicatorValueType]:
        from runxin.graphql.targets.queries import indicators_of

        require_subtree(info, self)
        return await indicators_of(info, self, codes, year)

    @strawberry.field(
        description="What a school lacks against the standard (empty for a bureau); year as for indicators.",
        permission_classes=[can_read("indicators")],
    )
    async def gaps(self, info: Info, year: int | None = None) -> list[GapType]:
        from runxin.graphql.targets.queries import gaps_of

        return await gaps_of(info, self, year)

    targets = records_field(
        TargetNode, targets_of, "targets", "Targets set for this tenant's subtree (OWN) or for any part of it (SUBTREE)."
    )

    @strawberry.field(
        description="The targets in force at this tenant (all indicators when indicators is null): for each indicator the "
        "strictest target set for it or for a tenant above it, the bureau that set it, and this tenant's progress.",
        permission_classes=[can_read("targets")],
    )
    async def target_progress(self, info: Info, indicators: list[str] | None = None) -> list[EffectiveTarget]:
        from runxin.graphql.targets.queries import target_progress_of

        require_subtree(info, self)
        return await target_progress_of(info, self, indicators)

    @strawberry.field(
        description="This tenant's report for a period (OPEN at version 1 until someone acts on it); null for a tenant "
        "above yours.",
        permission_classes=[can_read("reports")],
    )
    async def report(self, info: Info, period: str) -> ReportType | None:
        from runxin.graphql.reporting.queries import report_of

        return await report_of(info, self, period)

    @strawberry.field(
        description="The reports of the tenants directly below this one, by code: the approver's worklist.",
        permission_classes=[can_read("reports")],
    )
    async def child_reports(
        self,
        info: Info,
        period: str,
        approval_state: ApprovalStateEnum | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ReportType]:
        from runxin.graphql.reporting.queries import child_reports_of

        return await child_reports_of(info, self, period, approval_state, first, after)

    @strawberry.field(
        description="Tenants anywhere below this one whose entry window for the period has closed while their report is "
        "neither submitted nor approved, by code.",
        permission_classes=[can_read("reports")],
    )
    async def late_reports(
        self, info: Info, period: str, first: int | None = None, after: str | None = None
    ) -> Connection[ReportType]:
        from runxin.graphql.reporting.queries import late_reports_of

        return await late_reports_of(info, self, period, first, after)

    # --- reporting completeness (graphql/completeness) ---

    @strawberry.field(
        description="Completeness and timeliness of this tenant's and its subtree's reporting for a period: which required "
        "figures each tenant owes, which are missing and which came late (by its entry window's deadline), with the rates. "
        "Refused for a tenant above yours.",
        permission_classes=[can_read("reports")],
    )
    async def reporting_completeness(self, info: Info, period: str) -> ReportingCompletenessRef:
        from runxin.graphql.completeness.queries import reporting_completeness_of

        return await reporting_completeness_of(info, self, period)
