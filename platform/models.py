"""Every mapped model, imported once so the metadata is complete (Alembic, tests, seeding)."""

from runxin.platform.audit.models import AuditEvent
from runxin.platform.centres.models import CentreActivity, CounsellingCentre
from runxin.platform.courses.models import ClassTermHours, SchoolActivity, SchoolClass
from runxin.platform.dataversion import DataVersion
from runxin.platform.db.base import Base, TenantOwned
from runxin.platform.delivery.models import Delivery, DeliveryAttempt, DeliveryEndpoint
from runxin.platform.disclosure.models import DisclosurePolicy
from runxin.platform.homeschool.models import HomeVisit
from runxin.platform.hotlines.models import Hotline, HotlineCallCount
from runxin.platform.identity.models import ApiClient
from runxin.platform.mentorship.models import MentorAssignment, MentorTeam, MentorTeamMember
from runxin.platform.recognitions.models import ModelSchoolRecognition
from runxin.platform.reporting import locks as _locks  # noqa: F401 - installs the period locks wherever models are used
from runxin.platform.reporting.models import AggregateSnapshot, Report, ReportEvent, ReportingWindow

# Installs the rollup outbox's flush listener wherever models are used.
from runxin.platform.rollup import marking as _marking  # noqa: F401
from runxin.platform.rollup.models import Aggregate, RollupDirty
from runxin.platform.schools.models import SchoolEnrolment, SchoolProfile
from runxin.platform.staffing.models import Staff
from runxin.platform.stations.models import Station
from runxin.platform.students.care import ConcernFollowUp, CrisisPlan, Referral, ScreeningResult, ScreeningRound
from runxin.platform.students.models import StudentFile
from runxin.platform.targets.models import Target
from runxin.platform.training.models import TrainingAttendance, TrainingProgramme, TrainingSession
from runxin.platform.tree.models import Tenant, TenantParentLink

__all__ = [
    "Aggregate",
    "AggregateSnapshot",
    "ApiClient",
    "AuditEvent",
    "Base",
    "CentreActivity",
    "ConcernFollowUp",
    "ClassTermHours",
    "CounsellingCentre",
    "CrisisPlan",
    "DataVersion",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryEndpoint",
    "DisclosurePolicy",
    "HomeVisit",
    "Hotline",
    "HotlineCallCount",
    "MentorAssignment",
    "MentorTeam",
    "MentorTeamMember",
    "ModelSchoolRecognition",
    "Referral",
    "Report",
    "ReportEvent",
    "ReportingWindow",
    "RollupDirty",
    "SchoolActivity",
    "SchoolClass",
    "SchoolEnrolment",
    "SchoolProfile",
    "ScreeningResult",
    "ScreeningRound",
    "Staff",
    "Station",
    "StudentFile",
    "Target",
    "Tenant",
    "TenantOwned",
    "TenantParentLink",
    "TrainingAttendance",
    "TrainingProgramme",
    "TrainingSession",
]


def tenant_owned_models() -> list[type[TenantOwned]]:
    """Every model whose rows belong to a tenant (the scoping hook and the isolation tests walk it)."""
    # Sorted: the registry is a set, and callers (migrations of root ids, tests) want a stable order.
    return sorted((m.class_ for m in Base.registry.mappers if issubclass(m.class_, TenantOwned)), key=lambda c: c.__name__)
