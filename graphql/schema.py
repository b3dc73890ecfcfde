"""The schema: every domain's Query and Mutation merged, with the limits and caches on."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

# Each domain's queries module registers its node(id:) loader when imported; Tenant fields import
# them lazily, so without these a node(id:) before any list of that type would answer null.
import runxin.graphql.centres.queries  # noqa: E402,F401
import runxin.graphql.homeschool.queries  # noqa: E402,F401
import runxin.graphql.courses.queries  # noqa: E402,F401
import runxin.graphql.hotlines.queries  # noqa: E402,F401
import runxin.graphql.mentorship.queries  # noqa: E402,F401
import runxin.graphql.recognitions.queries  # noqa: E402,F401
import runxin.graphql.schools.queries  # noqa: E402,F401
import runxin.graphql.staffing.queries  # noqa: E402,F401
import runxin.graphql.stations.queries  # noqa: E402,F401
import runxin.graphql.students.queries  # noqa: E402,F401
import runxin.graphql.training.queries  # noqa: E402,F401
from graphql import GraphQLError
from runxin.graphql.audit.queries import AuditQuery
from runxin.graphql.audit.recording import AuditOperation
from runxin.graphql.centres.mutations import CentreMutation
from runxin.graphql.centres.types import CentreNode
from runxin.graphql.cost import CostLimiter, QueryCost
from runxin.graphql.courses.mutations import CourseMutation
from runxin.graphql.courses.types import SchoolActivityNode, SchoolClassNode
from runxin.platform.sharedstate import SharedState
from runxin.graphql.delivery.mutations import DeliveryMutation
from runxin.graphql.delivery.queries import DeliveryQuery
from runxin.graphql.disclosure.mutations import DisclosureMutation
from runxin.graphql.errors import is_unexpected, log, should_mask
from runxin.graphql.fanout import FragmentFanOutLimiter
from runxin.graphql.homeschool.mutations import HomeschoolMutation
from runxin.graphql.homeschool.types import HomeVisitNode
from runxin.graphql.hotlines.mutations import HotlineMutation
from runxin.graphql.imports import DataImportMutation
from runxin.graphql.hotlines.types import HotlineNode
from runxin.graphql.mentorship.mutations import MentorshipMutation
from runxin.graphql.mentorship.types import MentorAssignmentNode, MentorTeamNode
from runxin.graphql.recognitions.mutations import RecognitionMutation
from runxin.graphql.recognitions.types import ModelSchoolRecognitionNode
from runxin.graphql.reporting.mutations import ReportMutation
from runxin.graphql.schools.mutations import SchoolMutation
from runxin.graphql.schools.types import EnrolmentNode, SchoolProfileNode
from runxin.graphql.staffing.mutations import StaffMutation
from runxin.graphql.staffing.types import StaffNode
from runxin.graphql.stations.mutations import StationMutation
from runxin.graphql.stations.types import StationNode
from runxin.graphql.students.mutations import StudentMutation
from runxin.graphql.students.types import (
    ConcernFollowUpNode,
    CrisisPlanNode,
    ReferralNode,
    ScreeningResultNode,
    ScreeningRoundNode,
    StudentFileNode,
)
from runxin.graphql.targets.mutations import TargetMutation
from runxin.graphql.targets.queries import IndicatorQuery
from runxin.graphql.targets.types import TargetNode
from runxin.graphql.tenants.mutations import TenantMutation
from runxin.graphql.tenants.queries import TenantQuery
from runxin.graphql.training.mutations import TrainingMutation
from runxin.graphql.training.types import TrainingAttendanceNode, TrainingProgrammeNode, TrainingSessionNode
from runxin.platform.config import Settings

Query = merge_types("Query", (TenantQuery, IndicatorQuery, AuditQuery, DeliveryQuery))
Mutation = merge_types(
    "Mutation",
    (
        StationMutation,
        CentreMutation,
        HotlineMutation,
        StaffMutation,
        TenantMutation,
        SchoolMutation,
        RecognitionMutation,
        TrainingMutation,
        StudentMutation,
        TargetMutation,
        DisclosureMutation,
        ReportMutation,
        DeliveryMutation,
        DataImportMutation,
        HomeschoolMutation,
        MentorshipMutation,
        CourseMutation,
    ),
)

MASKED_MESSAGE = "Unexpected error: it has been logged; try again later or report it with the time of the request."

# Types reachable only through the Node/TenantRecord interfaces must be listed explicitly.
EXTRA_TYPES = [
    StationNode,
    CentreNode,
    HotlineNode,
    StaffNode,
    SchoolProfileNode,
    EnrolmentNode,
    ModelSchoolRecognitionNode,
    TrainingProgrammeNode,
    TrainingSessionNode,
    TrainingAttendanceNode,
    TargetNode,
    HomeVisitNode,
    MentorAssignmentNode,
    MentorTeamNode,
    StudentFileNode,
    ScreeningRoundNode,
    ScreeningResultNode,
    ConcernFollowUpNode,
    ReferralNode,
    CrisisPlanNode,
    SchoolClassNode,
    SchoolActivityNode,
]


class Schema(strawberry.Schema):
    """Logs only unexpected errors, with their traceback; expected ones are the caller's to fix."""

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        for error in errors:
            if is_unexpected(error):
                log.error("unexpected error at %s: %s", error.path, error.message, exc_info=error.original_error)


def build_schema(settings: Settings, shared_state: SharedState | None = None) -> strawberry.Schema:
    """The schema with limits from `settings` (introspection and suggestions off in production).

    The cost buckets live in `shared_state` (Redis: one budget for every process), else in memory.
    """
    # Factories: Strawberry builds a fresh extension per request; the parser and validation caches
    # are module-level LRUs shared by every instance of the same size.
    # The limiters' rules are built once: each limiter makes a new rule class when it is made, and
    # the validation cache is keyed by the rule classes, so limiters made per request would make
    # every request a miss of the validation cache (measured: 0 hits, 7-14 % of a read's CPU).
    limit_rules = [
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
    ]
    extensions: list[object] = [
        lambda: AddValidationRules(limit_rules),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: ParserCache(maxsize=512),
        FragmentFanOutLimiter,  # before validation: the depth and alias rules are exponential on fan-out
        lambda: ValidationCache(maxsize=512),
        lambda: MaskErrors(should_mask_error=should_mask, error_message=MASKED_MESSAGE),
        AuditOperation,  # which operation ran, for its audit event
    ]
    # The buckets live as long as the schema, in this process or in the shared store (see LeakyBuckets).
    limiter = CostLimiter.from_settings(settings, state=shared_state)
    extensions.append(lambda: QueryCost(limiter))
    if not settings.introspection:
        extensions.append(DisableIntrospection)
    schema = Schema(
        query=Query,
        mutation=Mutation,
        types=EXTRA_TYPES,
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=settings.production),
    )
    # Answers from the response cache are charged to the same buckets (graphql/app.py).
    schema.cost_limiter = limiter
    return schema
