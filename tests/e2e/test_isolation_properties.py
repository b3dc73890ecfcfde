"""Property-based tenant isolation: random trees, principals and queries, checked against an oracle.

Hypothesis draws the whole example up front (`plans`): a random deployment (two cities, 1-4
counties each, 0-5 schools each, records of every domain owned by random tenants; targets set
at every level; reports of two periods in every state, with their events, entry windows and the
snapshots frozen at approved versions; each city's delivery endpoints and deliveries), random
principals (people with roles at any level; API clients with scopes) and their queries. Only then
is the deployment written (bulk inserts under a system statement) and the queries asked over
HTTP, so every draw depends on the example's choices only. The questions are generated from the
schema by introspection: every root field, every `Tenant` field with its arguments, and
`node`/`nodes` with ids of records from anywhere in the deployment. Every answer is checked
against `View`, a plain-Python model of domain.md's "Who sees what" that does not use the
scoping code:

- a tenant sees its own tenant and descendants in full (institutional records), its ancestors
  by name and code only, nothing of siblings or other cities;
- personal staff fields follow `PERSONAL_RULES` (written here from the policy's documented
  intent, not imported from `tenants/policy.py`, so a policy bug shows up as a mismatch);
- figures over an ancestor's subtree are refused with ANCESTOR_SUBTREE;
- API clients act by scopes only (`<resource>:read` per field and node type, `staff.personal:read`,
  `audit:read`), people by roles only; the city's disclosure policy is the default one;
- audit events shown to an auditor are all of principals in its subtree;
- deliveries, endpoints and the ADX export are a city bureau's only (a county's or a school's
  principals are refused), and a city's answer holds its own rows only;
- a report is its tenant's: null on an ancestor; approval states, entry windows and lateness
  are recomputed from the rules' definitions (platform/reporting/rules.py), not by their code;
- the target in force at a tenant and its progress (status, trend, history, the children
  behind) follow CASCADE_RULE and PROGRESS_RULE as written; the current figures are the
  engine's, read with a system session, as for `Tenant.indicators`;
- counts are recomputed from the generated rows;
- reporting completeness (which required figures each tenant of a subtree owes for a period, which
  are missing and which came late) is recomputed from the rows and their arrival times, by the
  rules as platform/completeness/rules.py's docstring states them; a principal sees it for its own
  tenant and every tenant under it, in full, and is refused over an ancestor's subtree.

Two things are checked on every answer: a generic walk (every object id and tenant code in the
answer is one the principal may see; masked staff fields are masked exactly when the oracle
says), and the exact answer the oracle expects for the field asked (sets of ids, counts, null
for what is not seen, the error code for what is refused), for people and API clients alike.

`RUNXIN_SLOW=1` (and CI) also runs the heavy profile: thousands of (principal, query) checks per
backend, totalled in the terminal summary ("isolation checks: ...").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
import json
import math
import time
import uuid
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert

from runxin.graphql.ids import decode_id, encode_id
from runxin.graphql.targets.loaders import check_year, current_school_year
from runxin.platform.centres.models import CentreActivity, CounsellingCentre
from runxin.platform.config import Settings
from runxin.platform.courses.models import ClassTermHours, SchoolActivity, SchoolClass
from runxin.platform.delivery.models import Delivery, DeliveryAttempt, DeliveryEndpoint
from runxin.platform.homeschool.models import HomeVisit
from runxin.platform.hotlines.models import Hotline, HotlineCallCount
from runxin.platform.ids import new_id
from runxin.platform.recognitions.models import ModelSchoolRecognition
from runxin.platform.indicators import BY_CODE, INDICATORS, TenantRef, compute_indicators, school_gaps
from runxin.platform.mentorship.models import MentorAssignment, MentorTeam, MentorTeamMember
from runxin.platform.reporting.models import AggregateSnapshot, Report, ReportEvent, ReportingWindow
from runxin.platform.schools.models import SchoolEnrolment, SchoolProfile
from runxin.platform.seed.rows import WRITE_ORDER
from runxin.platform.staffing.models import STAFF_KINDS, Staff
from runxin.platform.standards import standard
from runxin.platform.stations.models import Station
from runxin.platform.students.care import ConcernFollowUp, CrisisPlan, Referral, ScreeningResult, ScreeningRound
from runxin.platform.students.models import FOUR_SPECIAL_KINDS, StudentFile
from runxin.platform.targets.models import Target
from runxin.platform.training.models import AUDIENCES, TrainingAttendance, TrainingProgramme, TrainingSession
from runxin.platform.tree.models import Tenant, TenantParentLink
from runxin.tenants.scoping import as_system
from tests.factories.elimination import determined

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

# ---------------------------------------------------------------------------------------------
# The oracle's rule table, from domain.md and the documented intent of the roles
# ---------------------------------------------------------------------------------------------

# Roles that may read at all (deny by default: no known role, no data).
READ_ROLES = frozenset({"ADMIN", "DATA_OFFICER", "VIEWER", "AUDITOR"})
# Roles that may read the audit log (of their tenant and its descendants).
AUDIT_ROLES = frozenset({"ADMIN", "AUDITOR"})
# role -> (personal fields of the principal's own tenant's staff, of descendants' staff).
# ADMIN: a bureau or school administrator, who by the city's default policy sees personal data
# of the whole subtree; DATA_OFFICER: records staff of its own tenant, so sees them; VIEWER:
# institutional data only.
PERSONAL_RULES: dict[str, tuple[bool, bool]] = {
    "ADMIN": (True, True),
    "DATA_OFFICER": (True, False),
    "VIEWER": (False, False),
    "AUDITOR": (False, False),
}
# A role nobody defined: grants nothing.
UNKNOWN_ROLE = "JANITOR"
# API clients (tokens with a client_id) act by scopes only, never by roles: `<resource>:read` to
# read a resource, `staff.personal:read` for personal fields, `audit:read` for the audit log.
# People act by roles only: scopes on a person's token grant nothing.
RESOURCES = (
    "tenants", "schools", "stations", "centres", "hotlines", "staff", "training", "targets", "recognitions", "indicators",
    "reports", "deliveries", "students", "homeschool", "mentorship", "courses",
)  # fmt: skip
PERSONAL_SCOPE = "staff.personal:read"
AUDIT_SCOPE = "audit:read"
SCOPES = (*(f"{r}:read" for r in RESOURCES), "staff:write", "stations:write", PERSONAL_SCOPE, AUDIT_SCOPE)
# The resource a client needs `<resource>:read` for, per Tenant field (None: none beyond tenants:read)...
TENANT_FIELD_RESOURCE = {
    "stations": "stations", "centres": "centres", "hotlines": "hotlines", "staff": "staff", "staffCounts": "staff",
    "schoolProfile": "schools", "enrolment": "schools", "trainingProgrammes": "training", "trainingSessions": "training",
    "creditSummary": "training", "indicators": "indicators", "gaps": "indicators", "targets": "targets",
    "targetProgress": "targets", "report": "reports", "childReports": "reports", "lateReports": "reports",
    "reportingCompleteness": "reports",
    "homeVisits": "homeschool", "mentorAssignments": "mentorship", "mentorTeams": "mentorship",
    "modelSchoolRecognitions": "recognitions",
    "studentFiles": "students", "referrals": "students", "screeningRounds": "schools", "crisisPlan": "schools",
    "classes": "courses", "schoolActivities": "courses",
}  # fmt: skip
# ... and per node type, for node(id:) (a type without the scope resolves to null).
NODE_RESOURCE = {
    "Tenant": "tenants", "Station": "stations", "CounsellingCentre": "centres", "Hotline": "hotlines", "Staff": "staff",
    "TrainingProgramme": "training", "TrainingSession": "training", "TrainingAttendance": "training", "Target": "targets",
    "SchoolProfile": "schools", "Enrolment": "schools", "Delivery": "deliveries", "DeliveryEndpoint": "deliveries",
    "HomeVisit": "homeschool", "MentorAssignment": "mentorship", "MentorTeam": "mentorship",
    "ModelSchoolRecognition": "recognitions",
    "StudentFile": "students", "ScreeningResult": "students", "ConcernFollowUp": "students", "Referral": "students",
    "ScreeningRound": "schools", "CrisisPlan": "schools",
    "SchoolClass": "courses", "SchoolActivity": "courses",
}  # fmt: skip
# Student-level records (一生一档): domain.md "Student-level data never leaves the school". Only the
# school's own principals see them, never a bureau above nor a client of another tenant, whatever
# the disclosure policy; the bureaus get counts.
STUDENT_LEVEL_TYPES = frozenset({"StudentFile", "ScreeningResult", "ConcernFollowUp", "Referral"})
STUDENT_REFUSAL = "STUDENT_DATA_STAYS_AT_SCHOOL"
# The city's disclosure policy when it set none (the worlds here set none; custom policies are
# tested separately): ancestors see every record class in detail, and ADMIN sees descendants'
# personal data.
DEFAULT_DETAIL_RESOURCES = ["schools", "stations", "centres", "hotlines", "staff", "training", "targets", "recognitions", "courses"]
DEFAULT_PERSONAL_ROLES = ["ADMIN"]

COVERED_ROOT_FIELDS = {
    "viewer", "node", "nodes", "tenant", "tenants", "indicatorDefinitions", "auditEvents", "deliveries", "deliveryEndpoints",
    "adxDocument",
}  # fmt: skip
# Node types whose rows the queries themselves produce (checked by the walk, not generated).
PRODUCED_NODE_TYPES = {"AuditEvent"}
# Tenant fields whose exact answer the oracle knows; any other field is still walked for leaks.
# (Record connections with a `scope` argument are known generically, by their node type.)
EXACT_TENANT_FIELDS = {
    "id", "code", "name", "kind", "depth", "parent", "ancestors", "children", "staffCounts", "schoolProfile",
    "enrolment", "creditSummary", "indicators", "gaps", "disclosurePolicy", "targetProgress", "report", "childReports",
    "lateReports", "reportingCompleteness", "homeVisits", "mentorAssignments", "mentorTeams", "studentFiles", "referrals", "crisisPlan",
}  # fmt: skip
# Lists of student-level records (SchoolPrivate): the principal's own school only; anyone else,
# an ancestor or the school's own bureau included, is refused with this code.
STUDENT_LISTS = {"homeVisits": "HomeVisit", "mentorAssignments": "MentorAssignment", "mentorTeams": "MentorTeam"}
STUDENT_DATA_STAYS_AT_SCHOOL = "STUDENT_DATA_STAYS_AT_SCHOOL"
AGGREGATE_FIELDS = {"staffCounts", "creditSummary", "indicators"}
# Fields whose oracle has many cases (report states and approval states, windows open or closed,
# snapshots, cascading targets and their progress) are drawn more often, so that a run reaches them.
# Student-level lists too: their refusal above the school is the wall this suite must reach often.
FIELD_WEIGHT = {"report": 3, "childReports": 3, "lateReports": 3, "targetProgress": 3, "reportingCompleteness": 3,
                "studentFiles": 6, "referrals": 3, "screeningRounds": 2}  # fmt: skip
# Fields over a tenant's whole subtree, refused on an ancestor (ANCESTOR_SUBTREE) like the aggregates.
SUBTREE_FIELDS = AGGREGATE_FIELDS | {"targetProgress", "childReports", "lateReports", "reportingCompleteness"}

YEARS = (2024, 2025)
PERIODS = ("2025T1", "2025T2")
# Periods a query asks reports for: the worlds' own, and one nobody reported (every report OPEN at version 1).
REPORT_PERIODS = (*PERIODS, "2024T2")
# The last day of each, and its span as ADX writes it (start date / duration), from periods.py's docstring.
PERIOD_END = {"2025T1": dt.date(2026, 1, 31), "2025T2": dt.date(2026, 7, 31), "2024T2": dt.date(2025, 7, 31)}
ADX_SPAN = {"2025T1": "2025-09-01/P5M", "2025T2": "2026-02-01/P6M", "2024T2": "2025-02-01/P6M"}
TEACHER_KINDS = ("FULL_TIME", "PART_TIME")
RECOGNITION_LEVELS = ("COUNTY", "CITY", "PROVINCE", "NATIONAL")  # from the lowest up

# GraphQL type name of each node type's table.
NODE_MODELS: dict[str, type] = {
    "Station": Station,
    "CounsellingCentre": CounsellingCentre,
    "Hotline": Hotline,
    "Staff": Staff,
    "TrainingProgramme": TrainingProgramme,
    "TrainingSession": TrainingSession,
    "TrainingAttendance": TrainingAttendance,
    "Target": Target,
    "SchoolProfile": SchoolProfile,
    "Enrolment": SchoolEnrolment,
    "Delivery": Delivery,
    "DeliveryEndpoint": DeliveryEndpoint,
    "HomeVisit": HomeVisit,
    "MentorAssignment": MentorAssignment,
    "MentorTeam": MentorTeam,
    "ModelSchoolRecognition": ModelSchoolRecognition,
    "StudentFile": StudentFile,
    "ScreeningRound": ScreeningRound,
    "ScreeningResult": ScreeningResult,
    "ConcernFollowUp": ConcernFollowUp,
    "Referral": Referral,
    "CrisisPlan": CrisisPlan,
    "SchoolClass": SchoolClass,
    "SchoolActivity": SchoolActivity,
}
# Records that answers name by id (studentFileId) but that are no node type here: the walk knows them.
ID_ONLY_MODELS: dict[str, type] = {}
# Student-level tables (SchoolPrivate): their rows are seen by their own school alone (domain.md
# "Student-level data never leaves the school"), never by a bureau above it.
SCHOOL_PRIVATE = (StudentFile, HomeVisit, MentorAssignment, MentorTeam, MentorTeamMember)
# Every table a world writes, parents first: the seed's tables, then the reporting chain's and the deliveries'.
MODELS: tuple[type, ...] = tuple(dict.fromkeys((  # the seed may write windows too: each table once
    *WRITE_ORDER, ReportingWindow, Report, ReportEvent, AggregateSnapshot, DeliveryEndpoint, Delivery, DeliveryAttempt,
    StudentFile,
)))  # fmt: skip

# ---------------------------------------------------------------------------------------------
# Random worlds
# ---------------------------------------------------------------------------------------------


@dataclass(eq=False)
class Node:
    id: uuid.UUID
    kind: str
    code: str
    name: str
    parent: Node | None
    path: str
    depth: int
    root: Node | None = None

    @property
    def ancestors(self) -> list[Node]:
        chain, up = [], self.parent
        while up is not None:
            chain.append(up)
            up = up.parent
        return chain[::-1]

    def covers(self, other: Node) -> bool:
        return other.path.startswith(self.path)

    def __repr__(self) -> str:
        return f"{self.kind}:{self.code}"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:  # hypothesis' printer: short, no recursion
        p.text(repr(self))


@dataclass
class World:
    tenants: list[Node] = field(default_factory=list)
    rows: dict[type, list[dict[str, Any]]] = field(default_factory=lambda: {m: [] for m in MODELS})
    shape: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.by_id: dict[uuid.UUID, Node] = {}
        self.by_code: dict[str, Node] = {}
        self.records: dict[str, dict[uuid.UUID, dict[str, Any]]] = {name: {} for name in NODE_MODELS}
        self.id_only: dict[str, dict[uuid.UUID, dict[str, Any]]] = {name: {} for name in ID_ONLY_MODELS}
        self.private: set[uuid.UUID] = set()  # ids of school-private rows
        self.student_level: set[uuid.UUID] = set()  # ids of rows about one student each (files, screening, care)
        # The engine's figures of every tenant by year, (tenant id, code) -> IndicatorValue, read
        # once the world is written and a query needs them (see load_live_figures).
        self.live: dict[int, dict[tuple[uuid.UUID, str], Any]] = {}
        # Suppression patterns the oracle computed, by (root id, "live" or a period).
        self.patterns: dict[tuple[uuid.UUID, str, str, int | None], set[uuid.UUID]] = {}

    def __repr__(self) -> str:  # what hypothesis prints for a failing example
        counts = {m.__tablename__: len(r) for m, r in self.rows.items() if r}
        return f"World(shape={self.shape}, rows={counts})"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))

    def tenant(self, kind: str, code: str, name: str, parent: Node | None) -> Node:
        tid = new_id()
        path = (parent.path if parent else "/") + tid.hex + "/"
        node = Node(tid, kind, code, name, parent, path, 0 if parent is None else parent.depth + 1)
        node.root = parent.root if parent else node
        self.tenants.append(node)
        self.by_id[tid] = self.by_code[code] = node
        self.add(Tenant, id=tid, kind=kind, code=code, name=name, parent_id=parent.id if parent else None, path=path,
                 depth=node.depth, root_id=node.root.id)  # fmt: skip
        if parent is not None:
            self.add(TenantParentLink, tenant_id=tid, parent_id=parent.id, valid_from=dt.datetime(2023, 1, 1, tzinfo=dt.UTC), valid_to=None)
        return node

    def add(self, model: type, **values: Any) -> dict[str, Any]:
        values.setdefault("id", new_id())
        if "tenant_id" in values and model is not TenantParentLink:
            values["root_id"] = self.by_id[values["tenant_id"]].root.id  # type: ignore[union-attr]
        self.rows[model].append(values)
        for name, node_model in NODE_MODELS.items():
            if node_model is model:
                self.records[name][values["id"]] = values
                if name in STUDENT_LEVEL_TYPES:
                    self.student_level.add(values["id"])
        for name, id_model in ID_ONLY_MODELS.items():
            if id_model is model:
                self.id_only[name][values["id"]] = values
        if model in SCHOOL_PRIVATE:
            self.private.add(values["id"])
        return values

    def subtree(self, node: Node) -> list[Node]:
        return [t for t in self.tenants if node.covers(t)]

    def owner(self, row: dict[str, Any]) -> Node:
        return self.by_id[row["tenant_id"]]

    def children(self, node: Node) -> list[Node]:
        return sorted((t for t in self.tenants if t.parent is node), key=lambda t: t.code)

    # Indexes over the reporting chain and the deliveries, built on first use (after generation).
    @functools.cached_property
    def reports(self) -> dict[tuple[uuid.UUID, str], dict[str, Any]]:
        return {(r["tenant_id"], r["period"]): r for r in self.rows[Report]}

    @functools.cached_property
    def windows(self) -> dict[tuple[uuid.UUID, str], dict[str, Any]]:
        return {(r["tenant_id"], r["period"]): r for r in self.rows[ReportingWindow]}

    @functools.cached_property
    def events(self) -> dict[tuple[uuid.UUID, str], list[dict[str, Any]]]:
        found: dict[tuple[uuid.UUID, str], list[dict[str, Any]]] = defaultdict(list)
        for r in sorted(self.rows[ReportEvent], key=lambda r: (r["at"], r["id"].int)):
            found[r["tenant_id"], r["period"]].append(r)
        return found

    @functools.cached_property
    def snapshots(self) -> dict[tuple[uuid.UUID, str], dict[int, dict[str, dict[str, Any]]]]:
        """(tenant id, period) -> version -> indicator -> snapshot row."""
        found: dict[tuple[uuid.UUID, str], dict[int, dict[str, dict[str, Any]]]] = defaultdict(lambda: defaultdict(dict))
        for r in self.rows[AggregateSnapshot]:
            found[r["tenant_id"], r["period"]][r["version"]][r["indicator"]] = r
        return found

    @functools.cached_property
    def attempts(self) -> dict[uuid.UUID, list[dict[str, Any]]]:
        found: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
        for r in sorted(self.rows[DeliveryAttempt], key=lambda r: r["number"]):
            found[r["delivery_id"]].append(r)
        return found


SCHOOL_CATEGORIES = ("21", "31", "34", "36", "51")
PROVINCES = ["11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"]
# Fresh codes and ids for every tree: the audit log is append-only and references tenants, so
# nothing is ever deleted; each run of an example (a replay too) writes a new tree, and the trees
# of earlier examples stay behind as yet more cities nobody may see. Codes and ids are data only:
# nothing drawn depends on them (every draw is an index into lists whose length and order follow
# from earlier draws), so a replayed example draws exactly as before, with new codes.
CITY_CODES = iter([f"{p}{c:02d}00" for c in range(1, 100) for p in PROVINCES])
SCHOOL_SEQUENCE = itertools.count(1)
# Dates around today are data too: a draw picks "past" or "future", and the date follows from it, so
# a window is closed, open or not yet open (and a target overdue or not) on whatever day this runs.
TODAY = dt.date.today()
TARGET_VALUES = (0.5, 0.8, 1.0)
DUE_DATES = {"overdue": TODAY - dt.timedelta(days=60), "future": dt.date(2030, 12, 31)}
WINDOW_DAYS = {"closed": (-120, -30), "open": (-30, 30), "not yet open": (30, 90)}  # (opens, closes) from today
REPORT_STATES = (None, None, "OPEN", "SUBMITTED", "APPROVED", "APPROVED", "RETURNED")
# Snapshot figures: (state, numerator, denominator, units total, units not reported); a snapshot's
# indicators take them in turn from a drawn offset. The last ones match a tenant without data.
FIGURES = (
    ("REPORTED", 1.0, 2.0, 2, 0), ("REPORTED", 3.0, 4.0, 4, 0), ("REPORTED", 0.0, 3.0, 3, 0), ("REPORTED", 2.0, 2.0, 2, 0),
    ("NOT_REPORTED", 0.0, 0.0, 2, 2), ("NOT_APPLICABLE", 0.0, 0.0, 0, 0),
)  # fmt: skip
SNAPSHOT_TIMES = tuple(dt.datetime(*d, 8, 0, tzinfo=dt.UTC) for d in ((2026, 1, 10), (2026, 2, 20), (2026, 8, 15)))
SNAPSHOT_STANDARD = "2023"
DELIVERY_STATUSES = ("PENDING", "DELIVERED", "PARTIAL", "DEAD")
# Report events happen one minute apart, across examples too, so their order is their time.
EVENT_TIME = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
EVENT_CLOCK = itertools.count()


@st.composite
def worlds(draw: Any) -> World:
    """A random deployment with records of every domain; codes follow the national rules."""
    world = World()
    # Always two cities: every principal has "another city" in its own world to not see.
    for _ in range(2):
        city_code = next(CITY_CODES)
        p = city_code[:4]
        city = world.tenant("CITY", city_code, f"测试市{p}", None)
        schools_per_county = draw(st.lists(st.integers(0, 5), min_size=1, max_size=4), label="schools per county")
        world.shape.append((city.code, schools_per_county))
        for c, n in enumerate(schools_per_county, start=1):
            county = world.tenant("COUNTY", f"{p}{c:02d}", f"测试县{p}-{c}", city)
            for _ in range(n):
                s = next(SCHOOL_SEQUENCE)
                category = draw(st.sampled_from(SCHOOL_CATEGORIES))
                world.tenant("SCHOOL", f"{category}{p[:2]}{s:06d}", f"测试学校{s}", county)
    teachers: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for t in world.tenants:
        owned = {"tenant_id": t.id}
        for i in range(draw(st.integers(0, 3))):
            row = world.add(
                Staff, **owned, kind=draw(st.sampled_from(STAFF_KINDS)),
                name=f"{'张王李赵'[i % 4]}老师{t.code[-3:]}{i}", gender=draw(st.sampled_from(("FEMALE", "MALE", "UNDISCLOSED"))),
                birth_date=dt.date(1980, 1, 1) + dt.timedelta(days=draw(st.integers(0, 7000))) if draw(st.booleans()) else None,
                phone=f"139{draw(st.integers(0, 10**8 - 1)):08d}" if draw(st.booleans()) else "",
                qualifications="PSY_DEGREE", strong_teacher=False, employed_since=None, active=draw(st.booleans()),
            )  # fmt: skip
            teachers[t.id].append(row)
        if t.kind == "SCHOOL":
            if draw(st.booleans()):
                world.add(
                    Station, **owned, name=f"{t.name}阳光辅导站", kind="SUNSHINE_STATION", status="OPERATIONAL",
                    opened_on=None, area_m2=Decimal(draw(st.sampled_from((12, 18, 40)))), weekly_open_hours=Decimal(8),
                    individual_counselling=True, assessment=True, sandplay=draw(st.booleans()), appointment_in_person=True,
                    appointment_phone=False, appointment_online=False, duty_roster=True, records_kept=True,
                    shown_to_new_students=True,
                )  # fmt: skip
            if draw(st.booleans()):
                siblings = [s for s in world.tenants if s.parent is t.parent and s is not t]
                cluster = draw(st.sampled_from([None, *siblings])) if siblings else None
                world.add(
                    SchoolProfile, **owned, category=t.code[:2], stages="PRIMARY", central_rank=draw(st.booleans()),
                    small_scale=cluster is not None, vocational=t.code[:2] == "36", independent=True,
                    cluster_centre_id=cluster.id if cluster else None,
                )  # fmt: skip
            # Recognitions in force, lapsed or withdrawn: the profile's model-school level derives from them.
            for _ in range(draw(st.integers(0, 2), label="recognitions")):
                granted = TODAY - dt.timedelta(days=draw(st.sampled_from((30, 400, 1500)), label="granted days ago"))
                world.add(
                    ModelSchoolRecognition, **owned, level=draw(st.sampled_from(RECOGNITION_LEVELS)), title="特色学校",
                    recognised_on=granted, awarded_by="教育局", certificate_no=draw(st.sampled_from((None, "NO-1"))),
                    valid_until=draw(st.sampled_from((None, granted + dt.timedelta(days=200), dt.date(2030, 12, 31)))),
                    revoked_on=draw(st.sampled_from((None, None, granted + dt.timedelta(days=10)))),
                )  # fmt: skip
            for year in draw(st.sets(st.sampled_from(YEARS))):
                world.add(SchoolEnrolment, **owned, school_year=year, students=draw(st.integers(0, 2400)))
            # Student files (SchoolPrivate): most schools keep some; four-special counts small or large,
            # so that suppression has small cells to hide and large ones to hide them with.
            if draw(st.integers(0, 3), label="keeps student files") > 0:
                special = draw(st.one_of(st.integers(0, 6), st.integers(5, 30)), label="four-special students")
                plain = draw(st.integers(0, 2), label="other students")
                left = draw(st.integers(0, 1), label="four-special students who left")
                for n in range(special + plain + left):
                    flagged = n < special or n >= special + plain  # the four-special ones, and those who left
                    kinds = draw(st.sets(st.sampled_from(FOUR_SPECIAL_KINDS), min_size=1, max_size=2)) if flagged else set()
                    world.add(
                        StudentFile, **owned, student_ref=f"S{n}", name=f"学生{n}", gender="FEMALE", birth_date=None, grade=5,
                        class_name="", four_special=",".join(sorted(kinds)), concern_level="NONE", active=n < special + plain,
                    )  # fmt: skip
            student_records(draw, world, t, teachers[t.id])
        if t.kind == "COUNTY" and draw(st.booleans()):
            centre = world.add(
                CounsellingCentre, **owned, name=f"{t.name}辅导中心", status="OPERATIONAL", opening_date=None,
                address="", online=True, offline=True, volunteer_team_size=draw(st.integers(0, 50)),
            )  # fmt: skip
            for period in draw(st.sets(st.sampled_from(PERIODS))):
                world.add(CentreActivity, **owned, centre_id=centre["id"], period=period, guidance_visits=3, trainings_delivered=1)
        if t.kind in ("COUNTY", "SCHOOL") and draw(st.booleans()):
            hotline = world.add(Hotline, **owned, number=f"0791-8{t.code[-6:]}", always_open=t.kind == "COUNTY", schedule="", status="ACTIVE")
            for period in draw(st.sets(st.sampled_from(PERIODS))):
                world.add(HotlineCallCount, **owned, hotline_id=hotline["id"], period=period, calls=10, crisis_calls=1, referrals=0)
        # Bureaus set targets more often than schools, so that most schools inherit one or several.
        if draw(st.integers(0, 1 if t.kind != "SCHOOL" else 3)) == 0:
            setter = draw(st.sampled_from([t, *t.ancestors]))
            world.add(
                Target, **owned, indicator=draw(st.sampled_from(("STATION_COVERAGE", "FULL_TIME_TEACHER_COVERAGE"))),
                set_by_id=setter.id, value=draw(st.sampled_from(TARGET_VALUES)), note="",
                due_date=DUE_DATES[draw(st.sampled_from(sorted(DUE_DATES)), label="due")],
            )  # fmt: skip
    # Training last: attendance may join a programme's tenant to any teacher of its subtree.
    for t in list(world.tenants):
        for p in range(draw(st.integers(0, 1))):
            year = draw(st.sampled_from(YEARS))
            programme = world.add(
                TrainingProgramme, tenant_id=t.id, name=f"{t.name}培训{p}", level=t.kind if t.kind != "SCHOOL" else "SCHOOL",
                audience=draw(st.sampled_from(AUDIENCES), label="audience"), year=year,
            )  # fmt: skip
            candidates = [s for u in world.subtree(t) for s in teachers[u.id]]
            for k in range(draw(st.integers(0, 2))):
                credits = Decimal(draw(st.sampled_from(("1.0", "2.5", "4.0"))))
                # Some sessions run over New Year: their credits count in the year they END.
                starts_on = dt.date(year - 1, 12, 30) if draw(st.booleans()) else dt.date(year, 3, 1)
                session = world.add(
                    TrainingSession, tenant_id=t.id, programme_id=programme["id"], title=f"第{k + 1}期",
                    starts_on=starts_on, ends_on=starts_on + dt.timedelta(days=3), hours=Decimal(8), credits=credits,
                )  # fmt: skip
                if not candidates:
                    continue
                for teacher in draw(st.lists(st.sampled_from(candidates), unique_by=lambda r: r["id"], max_size=3)):
                    completed = draw(st.booleans())
                    world.add(
                        TrainingAttendance, tenant_id=teacher["tenant_id"], session_id=session["id"], staff_id=teacher["id"],
                        completed=completed, credits_awarded=credits if completed else Decimal(0), credit_year=session["ends_on"].year,
                        audience=programme["audience"],
                    )  # fmt: skip
    home_school(draw, world, teachers)
    courses(draw, world, teachers)
    reporting_chain(draw, world)
    deliveries(draw, world)
    arrivals(draw, world)
    return world


def home_school(draw: Any, world: World, staff: dict[uuid.UUID, list[dict[str, Any]]]) -> None:
    """Student files of some schools, with home visits, mentor assignments and mentor teams naming
    the school's staff (bulk rows: the rules are not the point here, who sees them is)."""
    for t in [t for t in world.tenants if t.kind == "SCHOOL"]:
        owned = {"tenant_id": t.id}
        for n in range(draw(st.integers(0, 2), label="students")):
            student = world.add(
                StudentFile, **owned, student_ref=f"{t.code[-4:]}{n}", name=f"学生{n}", gender="MALE", birth_date=None,
                grade=7, class_name="", four_special=draw(st.sampled_from(("", "FAMILY"))),
                concern_level=draw(st.sampled_from(("NONE", "SEVERE"))), active=True,
            )  # fmt: skip
            people = staff[t.id]
            if not people:
                continue
            about = {**owned, "student_file_id": student["id"]}
            for _ in range(draw(st.integers(0, 2), label="visits")):
                day = dt.date(2025, draw(st.sampled_from((10, 11, 12))), 5)
                world.add(HomeVisit, **about, staff_id=draw(st.sampled_from(people))["id"], visited_on=day,
                          mode=draw(st.sampled_from(("IN_PERSON", "PHONE"))), note="", school_year=2025,
                          school_month=day.month - 8)  # fmt: skip
            for year in draw(st.sets(st.sampled_from(YEARS)), label="mentor years"):
                world.add(MentorAssignment, **about, mentor_staff_id=draw(st.sampled_from(people))["id"], school_year=year, note="")
            if draw(st.booleans()):
                team = world.add(MentorTeam, **about, note="")
                for member in draw(st.lists(st.sampled_from(people), unique_by=lambda r: r["id"], max_size=2)):
                    world.add(MentorTeamMember, **owned, team_id=team["id"], staff_id=member["id"], role="OTHER")


def student_records(draw: Any, world: World, school: Node, teachers: list[dict[str, Any]]) -> None:
    """Files of a few students of the school, its screening rounds with results, follow-ups by its
    teachers, referrals, and the school's crisis plan (all written raw: the oracle needs rows, not rules)."""
    owned = {"tenant_id": school.id}
    if draw(st.booleans()):
        adopted = dt.date(2024, 9, 1)
        world.add(CrisisPlan, **owned, title="预案", adopted_on=adopted, adopted_year=2024, reviewed_on=None, active=draw(st.booleans()))
    files = [
        world.add(
            StudentFile, **owned, student_ref=f"R{k}", name=f"学生{school.code[-3:]}{k}", gender=draw(st.sampled_from(("FEMALE", "MALE"))),
            birth_date=None, grade=draw(st.integers(1, 12)), class_name="", four_special="", active=True,
            concern_level=draw(st.sampled_from(("NONE", "MILD", "MODERATE", "SEVERE"))),
        )  # fmt: skip
        for k in range(draw(st.integers(0, 3), label="student files"))
    ]
    # Rounds are the school's institutional record (and a figure it owes each school year): none, one,
    # or two, of the same school year or not; a school without files may have held one too.
    for year in draw(st.lists(st.sampled_from(YEARS), max_size=2), label="screening rounds"):
        screening = world.add(ScreeningRound, **owned, school_year=year, held_on=dt.date(year, 10, 10), title="筛查", instrument="")
        for f in draw(st.lists(st.sampled_from(files), unique_by=lambda r: r["id"], max_size=3)) if files else []:
            world.add(ScreeningResult, **owned, round_id=screening["id"], student_id=f["id"], level=f["concern_level"])
    if not files:
        return
    for f in files:
        if teachers and draw(st.integers(0, 2)) == 0:
            world.add(ConcernFollowUp, **owned, student_id=f["id"], staff_id=draw(st.sampled_from(teachers))["id"],
                      started_on=dt.date(2025, 10, 1), ended_on=None)  # fmt: skip
        if draw(st.integers(0, 2)) == 0:
            world.add(Referral, **owned, student_id=f["id"], hospital="医院", referred_on=dt.date(2025, 10, 9), referred_year=2025,
                      state=draw(st.sampled_from(("REFERRED", "IN_TREATMENT", "CLOSED"))), certificate_received_on=None,
                      certificate_year=None)  # fmt: skip
# Activities a school may have held, in the two school years the worlds ask about (kind, date).
ACTIVITIES = [
    ("THEME_MONTH_MENTAL_HEALTH", dt.date(2025, 5, 20)), ("THEME_MONTH_LIFE_HEALTH", dt.date(2025, 10, 15)),
    ("ADAPTATION_TERM_START", dt.date(2025, 9, 5)), ("ADAPTATION_PRE_EXAM", dt.date(2026, 1, 8)),
    ("ADAPTATION_TERM_START", dt.date(2026, 2, 27)), ("PARENT_TRAINING", dt.date(2025, 8, 20)),
]  # fmt: skip


def courses(draw: Any, world: World, teachers: dict[uuid.UUID, list[dict[str, Any]]]) -> None:
    """Each school's classes (with a homeroom teacher of its own, sometimes), their term hours, and its activities."""
    for t in [t for t in world.tenants if t.kind == "SCHOOL"]:
        owned = {"tenant_id": t.id}
        for n in range(draw(st.integers(0, 2), label="classes")):
            year = draw(st.sampled_from(YEARS), label="class year")
            homeroom = draw(st.sampled_from([None, *teachers[t.id]]), label="homeroom") if teachers[t.id] else None
            school_class = world.add(
                SchoolClass, **owned, school_year=year, grade=n + 1, name=f"{n + 1}年级(1)班", students=40,
                homeroom_staff_id=homeroom and homeroom["id"], health_committee_boys=draw(st.sampled_from((None, 1, 2))),
                health_committee_girls=2,
            )  # fmt: skip
            for term in draw(st.sets(st.sampled_from((1, 2))), label="terms"):
                world.add(ClassTermHours, **owned, class_id=school_class["id"], term=f"{year}T{term}", teaching_weeks=18,
                          mental_health_hours=draw(st.sampled_from((8, 9))), class_meeting_hours=4)  # fmt: skip
        for kind, held_on in draw(st.lists(st.sampled_from(ACTIVITIES), max_size=3), label="activities"):
            school_year = held_on.year if held_on.month >= 9 else held_on.year - 1
            term = 1 if held_on.month >= 9 or held_on.month == 1 else 2 if held_on.month <= 7 else None
            world.add(SchoolActivity, **owned, kind=kind, held_on=held_on, title="活动", participants=None, school_year=school_year, term=term)


def reporting_chain(draw: Any, world: World) -> None:
    """Entry windows set by bureaus, reports in every state with the events that led there, and the
    figures frozen at each approved version (as the approval services leave them)."""
    for period in PERIODS:
        for t in world.tenants:
            if t.kind != "SCHOOL":
                window = draw(st.sampled_from((None, None, *WINDOW_DAYS)), label="window")
                if window is not None:
                    opens, closes = (TODAY + dt.timedelta(days=d) for d in WINDOW_DAYS[window])
                    world.add(ReportingWindow, tenant_id=t.id, period=period, opens_on=opens, closes_on=closes)
            state = draw(st.sampled_from(REPORT_STATES), label="report state")
            if state is None:
                continue
            if t.parent is None and state in ("SUBMITTED", "RETURNED"):
                state = "OPEN"  # a city never submits: it accepts its own report, or not yet
            version = draw(st.integers(1, 2), label="report version")
            approved = {version} if state == "APPROVED" else set()
            if version == 2 and draw(st.booleans(), label="version 1 approved"):
                approved.add(1)
            decider = t.parent or t
            submitted, decided = t.parent is not None and state != "OPEN", state in ("APPROVED", "RETURNED")
            at = EVENT_TIME + dt.timedelta(minutes=next(EVENT_CLOCK))
            report = world.add(
                Report, tenant_id=t.id, period=period, version=version, state=state,
                submitted_at=at if submitted else None, submitted_by=f"user@{t.code}" if submitted else None,
                decided_at=at if decided else None, decided_by=f"user@{decider.code}" if decided else None,
                decided_by_tenant_id=decider.id if decided else None, return_reason="数据不全" if state == "RETURNED" else None,
            )  # fmt: skip
            events = [("SUBMIT", t)] if submitted else [("COMMENT", t)]
            if state == "APPROVED":
                events.append(("APPROVE", decider) if t.parent else ("ACCEPT", t))
            elif state == "RETURNED":
                events.append(("RETURN", decider))
            for k, (action, actor) in enumerate(events):
                world.add(
                    ReportEvent, tenant_id=t.id, report_id=report["id"], period=period, version=version, action=action,
                    actor=f"user@{actor.code}", actor_tenant_id=actor.id, comment="", at=at + dt.timedelta(seconds=k),
                )  # fmt: skip
            for v in sorted(approved):
                profile = draw(st.integers(0, len(FIGURES) - 1), label="snapshot figures")
                as_of = draw(st.sampled_from(SNAPSHOT_TIMES), label="snapshot taken at")
                for i, indicator in enumerate(INDICATORS):
                    figure_state, numerator, denominator, units, missing = FIGURES[(profile + i) % len(FIGURES)]
                    world.add(
                        AggregateSnapshot, tenant_id=t.id, report_id=report["id"], period=period, version=v, year=int(period[:4]),
                        indicator=indicator.code, standards_version=SNAPSHOT_STANDARD, units_total=units,
                        units_not_reported=missing, numerator=numerator, denominator=denominator,
                        value=numerator / denominator if figure_state == "REPORTED" else None, state=figure_state, as_of=as_of,
                        input_version=v,
                    )  # fmt: skip


def deliveries(draw: Any, world: World) -> None:
    """Each city's endpoints, and deliveries to them with their attempts."""
    for city in [t for t in world.tenants if t.kind == "CITY"]:
        for e in range(draw(st.integers(0, 2), label="endpoints")):
            endpoint = world.add(
                DeliveryEndpoint, tenant_id=city.id, url=f"https://platform{e}.example.cn/{city.code}", description="",
                active=draw(st.booleans()), secrets="[]", timeout_seconds=10.0, consecutive_failures=0, circuit_open_until=None,
            )  # fmt: skip
            for _ in range(draw(st.integers(0, 2), label="deliveries")):
                attempts = draw(st.integers(0, 2), label="attempts")
                delivery = world.add(
                    Delivery, tenant_id=city.id, endpoint_id=endpoint["id"], webhook_id="msg_" + new_id().hex,
                    event_type="figures.approved", period=draw(st.sampled_from(PERIODS)), version=draw(st.integers(1, 2)),
                    payload="{}", payload_sha256="0" * 64, status=draw(st.sampled_from(DELIVERY_STATUSES)), attempts=attempts,
                    attempts_before_replay=0, next_attempt_at=EVENT_TIME, leased_until=None, first_attempt_at=None,
                    delivered_at=None, last_status_code=None, last_error="", rejected="[]", traceparent=None,
                )  # fmt: skip
                for n in range(1, attempts + 1):
                    world.add(
                        DeliveryAttempt, tenant_id=city.id, delivery_id=delivery["id"], number=n,
                        started_at=EVENT_TIME + dt.timedelta(minutes=n), latency_ms=12.0, error="", response_excerpt="",
                        status_code=503 if n < attempts else 200, outcome="RETRY" if n < attempts else "DELIVERED",
                    )  # fmt: skip


async def load_world(api: Any, world: World) -> None:
    """Bulk-insert the world's fresh tree and records (a system statement, as the seed writer does)."""
    runtime = api.app.state.runtime
    system = {"system": "isolation property test"}
    async with runtime.sessionmaker() as session:
        for model in MODELS:
            if world.rows[model]:
                await session.execute(insert(model), world.rows[model], execution_options=system)
        await session.commit()


# ---------------------------------------------------------------------------------------------
# The oracle
# ---------------------------------------------------------------------------------------------


@dataclass
class View:
    """What one principal may see, from domain.md; independent of tenants/scoping.py."""

    world: World
    me: Node
    roles: frozenset[str]
    scopes: frozenset[str]
    client: bool = False  # an API client: scopes only, roles ignored; a person: roles only, scopes ignored

    def __post_init__(self) -> None:
        self.subtree = {t.id for t in self.world.subtree(self.me)}
        self.ancestors = {a.id for a in self.me.ancestors}
        self.visible = self.subtree | self.ancestors
        if self.client:
            self.read = any(f"{r}:read" in self.scopes for r in RESOURCES)
            self.audit = AUDIT_SCOPE in self.scopes
        else:
            self.read = bool(self.roles & READ_ROLES)
            self.audit = bool(self.roles & AUDIT_ROLES)
        self.exact = True  # every principal's answers are known exactly, clients' too

    def __repr__(self) -> str:
        who = "client" if self.client else "person"
        return f"View({who} at {self.me!r}, roles={sorted(self.roles)}, scopes={sorted(self.scopes)})"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))

    def allows(self, resource: str | None) -> bool:
        """May the principal read `resource` (a client needs its read scope; a person a reading role)?"""
        if not self.read:
            return False
        return resource is None or not self.client or f"{resource}:read" in self.scopes

    @property
    def reads_students(self) -> bool:
        """Children's files are personal data: a person needs a role that reads its own tenant's
        personal data (PERSONAL_RULES); a client, the students:read scope (checked per field)."""
        return self.client or any(PERSONAL_RULES.get(role, (False, False))[0] for role in self.roles)

    def sees_record(self, row: dict[str, Any]) -> bool:
        if row["id"] in self.world.student_level:
            return row["tenant_id"] == self.me.id and self.reads_students
        if row["id"] in self.world.private:
            return row["tenant_id"] == self.me.id  # the school itself, nobody above it
        return row["tenant_id"] in self.subtree

    def sees_personal(self, row: dict[str, Any]) -> bool:
        if row["tenant_id"] not in self.subtree:
            return False
        if self.client:
            return PERSONAL_SCOPE in self.scopes
        own = row["tenant_id"] == self.me.id
        # Descendants' personal data also needs a role the city's (default) policy names.
        return any(
            PERSONAL_RULES.get(role, (False, False))[0 if own else 1] and (own or role in DEFAULT_PERSONAL_ROLES) for role in self.roles
        )

    def records(self, type_name: str, where: Callable[[dict[str, Any]], bool]) -> set[uuid.UUID]:
        return {rid for rid, row in self.world.records[type_name].items() if where(row) and self.sees_record(row)}


class Mismatch(AssertionError):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise Mismatch(message)


@dataclass
class Ctx:
    """One check: the view, the database for oracle figures, and what was asked."""

    view: View
    api: Any
    query: str
    variables: dict[str, Any]
    body: dict[str, Any] = field(default_factory=dict)

    def fail(self, message: str) -> None:
        raise Mismatch(
            f"{message}\n  principal: {self.view.me!r} roles={sorted(self.view.roles)} scopes={sorted(self.view.scopes)}\n"
            f"  query: {self.query}\n  variables: {self.variables}\n  answer: {str(self.body)[:3000]}"
        )

    def check(self, condition: bool, message: str) -> None:
        if not condition:
            self.fail(message)


def unalias(value: Any) -> Any:
    """Undo `Schema.selection(alias=True)`: `Staff__name` is `name` again."""
    if isinstance(value, list):
        return [unalias(v) for v in value]
    if isinstance(value, dict):
        return {(k.split("__", 1)[1] if "__" in k[1:] else k): unalias(v) for k, v in value.items()}
    return value


def error_codes(body: dict[str, Any]) -> list[str]:
    return [(e.get("extensions") or {}).get("code", "?") for e in body.get("errors") or []]


def id_of(type_name: str, value: uuid.UUID) -> str:
    return encode_id(type_name, value)


# --- the generic walk: every id and code in the answer is one the principal may see -----------


def walk(ctx: Ctx, value: Any) -> None:
    if isinstance(value, list):
        for item in value:
            walk(ctx, item)
        return
    if not isinstance(value, dict):
        return
    typename = value.get("__typename")
    if typename is not None and isinstance(value.get("id"), str):
        check_object(ctx, typename, value)
    for key, item in value.items():
        if key not in ("id", "traceId", "clientId", "webhookId") and key.endswith("Id") and isinstance(item, str):
            check_id_string(ctx, item)
        walk(ctx, item)


def check_id_string(ctx: Ctx, global_id: str) -> None:
    type_name, value = decode_id(global_id)
    if type_name == "Tenant":
        ctx.check(value in ctx.view.visible, f"a Tenant id outside the visible set: {ctx.view.world.by_id.get(value)}")
        return
    row = ctx.view.world.records.get(type_name, {}).get(value) or ctx.view.world.id_only.get(type_name, {}).get(value)
    ctx.check(row is not None, f"an id of a record this world never held: {type_name}:{value}")
    ctx.check(ctx.view.sees_record(row), f"LEAK: {type_name} of {ctx.view.world.owner(row)!r} reached {ctx.view.me!r}")


def check_object(ctx: Ctx, typename: str, obj: dict[str, Any]) -> None:
    view, world = ctx.view, ctx.view.world
    type_name, value = decode_id(obj["id"])
    ctx.check(type_name == typename, f"id of {type_name} on a {typename}")
    if typename == "Tenant":
        node = world.by_id.get(value)
        ctx.check(node is not None and value in view.visible, f"LEAK: tenant {node!r} is not visible to {view.me!r}")
        if "code" in obj:
            ctx.check(obj["code"] == node.code, f"tenant {node!r} answered with code {obj['code']}")  # type: ignore[union-attr]
        return
    if typename == "AuditEvent":
        check_audit_event(ctx, obj)
        return
    check_id_string(ctx, obj["id"])
    row = world.records[typename][value]
    owner = world.owner(row)
    if isinstance(obj.get("tenant"), dict):
        ctx.check(obj["tenant"]["code"] == owner.code, f"{typename} of {owner!r} says its tenant is {obj['tenant']['code']}")
    if typename == "Staff":
        check_staff(ctx, obj, row)
    if not view.exact:
        return
    # Nested lists and links, exactly.
    if typename == "TrainingProgramme" and isinstance(obj.get("sessions"), dict):
        want = {r["id"] for r in world.records["TrainingSession"].values() if r["programme_id"] == value}
        got = {decode_id(n["id"])[1] for n in obj["sessions"]["nodes"]}
        ctx.check(got == want, f"programme sessions {len(got)} != {len(want)}")
    if typename == "TrainingSession":
        if isinstance(obj.get("attendances"), dict):
            want = view.records("TrainingAttendance", lambda r: r["session_id"] == value)
            got = {decode_id(n["id"])[1] for n in obj["attendances"]["nodes"]}
            ctx.check(got == want, f"session attendances {sorted(map(str, got))} != oracle {sorted(map(str, want))}")
        if "programme" in obj:
            ctx.check(obj["programme"] is not None and decode_id(obj["programme"]["id"])[1] == row["programme_id"], "session's programme")
    if typename == "TrainingAttendance":
        if "session" in obj:
            session = world.records["TrainingSession"][row["session_id"]]
            if view.sees_record(session):
                ctx.check(obj["session"] is not None and decode_id(obj["session"]["id"])[1] == session["id"], "attendance's session hidden")
            else:
                ctx.check(obj["session"] is None, "LEAK: attendance shows a session outside the subtree")
        if "staffId" in obj:
            ctx.check(obj["staffId"] == id_of("Staff", row["staff_id"]), "attendance's staffId")
        if "audience" in obj:
            ctx.check(obj["audience"] == row["audience"], "attendance's audience is its programme's")
    if typename == "SchoolProfile" and "modelSchoolLevel" in obj:
        # Derived from the school's recognitions in force today, which whoever sees the profile sees
        recognitions = [r for r in world.records["ModelSchoolRecognition"].values() if r["tenant_id"] == row["tenant_id"]]
        ctx.check(obj["modelSchoolLevel"] == model_school_level(recognitions, TODAY),
                  f"modelSchoolLevel {obj['modelSchoolLevel']} != oracle {model_school_level(recognitions, TODAY)}")  # fmt: skip
    if typename == "ModelSchoolRecognition":
        for key, column in (("level", "level"), ("certificateNo", "certificate_no")):
            if key in obj:
                ctx.check(obj[key] == row[column], f"recognition {key}: {obj[key]!r} != {row[column]!r}")
        if "inForce" in obj:
            ctx.check(obj["inForce"] is (model_school_level([row], TODAY) != "NONE"), "recognition inForce")
    if typename == "SchoolProfile" and "clusterCentre" in obj:
        cluster = row["cluster_centre_id"]
        if cluster is None or cluster not in view.visible:
            ctx.check(obj["clusterCentre"] is None, "clusterCentre outside the visible set (or none) answered")
        else:
            ctx.check(obj["clusterCentre"] is not None and obj["clusterCentre"]["code"] == world.by_id[cluster].code, "clusterCentre")
    if typename == "Target":
        if "setBy" in obj:
            ctx.check(obj["setBy"] is not None and obj["setBy"]["code"] == world.by_id[row["set_by_id"]].code, "target setBy")
        if "scope" in obj:
            ctx.check(obj["scope"] is not None and obj["scope"]["code"] == owner.code, "target scope")
        if isinstance(obj.get("progress"), dict):  # over the target's scope, which the principal sees in full
            check_progress(ctx, f"progress of {row['indicator']} target of {owner!r}", obj["progress"], owner, row["indicator"],
                           row["value"], row["due_date"])  # fmt: skip
    if typename == "Delivery":
        columns = {"webhookId": "webhook_id", "eventType": "event_type", "period": "period", "version": "version",
                   "status": "status", "attemptCount": "attempts", "lastError": "last_error"}  # fmt: skip
        for key, column in columns.items():
            if key in obj:
                ctx.check(obj[key] == row[column], f"delivery {key}: {obj[key]!r} != {row[column]!r}")
        if "nextAttemptAt" in obj:
            pending = row["status"] == "PENDING"
            ctx.check((obj["nextAttemptAt"] is not None) == pending, "delivery nextAttemptAt is set exactly when PENDING")
        if "rejected" in obj:
            ctx.check(obj["rejected"] == [], "delivery rejected")
        if "attempts" in obj:
            want_attempts = [(a["number"], a["outcome"], a["status_code"]) for a in world.attempts.get(value, [])]
            got_attempts = [(a.get("number"), a.get("outcome"), a.get("statusCode")) for a in obj["attempts"]]
            ctx.check(got_attempts == want_attempts, f"delivery attempts {got_attempts} != oracle {want_attempts}")
        if "endpoint" in obj:
            endpoint = obj["endpoint"] and decode_id(obj["endpoint"]["id"])[1]
            ctx.check(endpoint == row["endpoint_id"], f"delivery endpoint {endpoint} != {row['endpoint_id']}")
    if typename == "DeliveryEndpoint":
        want_endpoint = {
            "url": row["url"], "active": row["active"], "consecutiveFailures": 0, "circuitState": "CLOSED", "signingSecrets": [],
        }  # fmt: skip
        for key, expected in want_endpoint.items():
            if key in obj:
                ctx.check(obj[key] == expected, f"endpoint {key}: {obj[key]!r} != {expected!r}")
    if typename in ("StudentFile", "ScreeningRound", "ScreeningResult", "ConcernFollowUp", "Referral"):
        check_student_links(ctx, typename, obj, row)
    if typename == "CounsellingCentre" and "activity" in obj:
        want = sorted(r["period"] for r in world.rows[CentreActivity] if r["centre_id"] == value)
        ctx.check([a["period"] for a in obj["activity"]] == want, "centre activity periods")
    if typename == "SchoolClass":
        if "termHours" in obj:
            want = sorted(r["term"] for r in world.rows[ClassTermHours] if r["class_id"] == value)
            ctx.check([h["term"] for h in obj["termHours"]] == want, "class term hours")
        if "homeroomStaffId" in obj:  # an id of the class's own school's teacher (the walk checks it is visible)
            ctx.check(obj["homeroomStaffId"] == (row["homeroom_staff_id"] and id_of("Staff", row["homeroom_staff_id"])), "homeroomStaffId")
    if typename == "Hotline" and "callCounts" in obj:
        want = sorted(r["period"] for r in world.rows[HotlineCallCount] if r["hotline_id"] == value)
        ctx.check([a["period"] for a in obj["callCounts"]] == want, "hotline call count periods")


def check_student_links(ctx: Ctx, typename: str, obj: dict[str, Any], row: dict[str, Any]) -> None:
    """What hangs off a student-level record, exactly; a round's student counts only for its school."""
    view, world = ctx.view, ctx.view.world

    def ids(nodes: list[dict[str, Any]]) -> set[uuid.UUID]:
        return {decode_id(n["id"])[1] for n in nodes}

    if typename == "StudentFile":
        for key, type_name in (("screeningResults", "ScreeningResult"), ("followUps", "ConcernFollowUp"), ("referrals", "Referral")):
            if isinstance(obj.get(key), list):
                want = view.records(type_name, lambda r: r["student_id"] == row["id"])
                ctx.check(ids(obj[key]) == want, f"StudentFile.{key}: {len(obj[key])} != oracle {len(want)}")
    if typename == "ScreeningRound":
        own = row["tenant_id"] == view.me.id
        results = [r for r in world.records["ScreeningResult"].values() if r["round_id"] == row["id"]]
        if "studentsScreened" in obj:
            ctx.check(obj["studentsScreened"] == (len(results) if own else None), f"studentsScreened of a round seen from {view.me!r}")
        if "counts" in obj:
            want_grid = Counter((world.records["StudentFile"][r["student_id"]]["grade"], r["level"]) for r in results) if own else None
            got_grid = None if obj["counts"] is None else Counter({(c["grade"], c["level"]): c["students"] for c in obj["counts"]})
            ctx.check(got_grid == want_grid, f"LEAK or wrong grid: counts of a round seen from {view.me!r}")
        if "results" in obj:
            readable = own and view.reads_students
            ctx.check((obj["results"] is None) == (not readable), f"LEAK: results of a round of {world.owner(row)!r} reached {view.me!r}")
            if readable:
                ctx.check(ids(obj["results"]) == {r["id"] for r in results}, "round results")
    for key, column, type_name in (("student", "student_id", "StudentFile"), ("round", "round_id", "ScreeningRound"),
                                   ("staff", "staff_id", "Staff")):  # fmt: skip
        if key in obj and column in row:
            linked = world.records[type_name][row[column]]
            want = row[column] if view.sees_record(linked) else None
            ctx.check((obj[key] and decode_id(obj[key]["id"])[1]) == want, f"{typename}.{key} seen from {view.me!r}")


def check_audit_event(ctx: Ctx, obj: dict[str, Any]) -> None:
    """An audit event shown to an auditor is one of a principal of its own subtree (tenants never
    move here, so the event's tenant is always resolvable: a null tenant is an outsider's event)."""
    view = ctx.view
    ctx.check(view.audit, f"LEAK: an audit event reached {view.me!r}, who may not read the audit log")
    if "tenant" in obj:
        tenant = obj["tenant"]
        node = view.world.by_code.get(tenant["code"]) if tenant else None
        ctx.check(node is not None and node.id in view.subtree,
                  f"LEAK: audit event of {tenant and tenant['code']!r} (outside the subtree of {view.me!r})")  # fmt: skip
    if "subject" in obj and obj.get("tenant"):
        ctx.check(obj["subject"].endswith("@" + obj["tenant"]["code"]) or obj["subject"] == "rx_" + obj["tenant"]["code"],
                  f"audit event subject {obj['subject']!r} does not act for {obj['tenant']['code']}")  # fmt: skip
    for read in obj.get("personalFieldsRead") or []:
        for gid in read.get("records") or []:
            check_id_string(ctx, gid)


def check_staff(ctx: Ctx, obj: dict[str, Any], row: dict[str, Any]) -> None:
    shown = ctx.view.sees_personal(row)
    if "personalDataMasked" in obj:
        ctx.check(obj["personalDataMasked"] is (not shown), f"personalDataMasked={obj['personalDataMasked']}, oracle shown={shown}")
    # Hidden when the oracle hides it, or (a scoped client) when the answer says it is masked.
    if not shown or obj.get("personalDataMasked") is True:
        ctx.check(obj.get("gender") is None and obj.get("birthDate") is None and obj.get("phone") is None,
                  f"LEAK: masked staff shows personal fields {obj}")  # fmt: skip
        if "name" in obj:
            ctx.check(obj["name"] == row["name"][:1] + "**", f"LEAK: masked name {obj['name']!r}")
        if "maskReason" in obj:
            ctx.check(bool(obj["maskReason"]), "masked without a reason")
    else:
        if "name" in obj:
            ctx.check(obj["name"] == row["name"], "name")
        if "gender" in obj:
            ctx.check(obj["gender"] == row["gender"], "gender")
        if "birthDate" in obj:
            ctx.check(obj["birthDate"] == (row["birth_date"].isoformat() if row["birth_date"] else None), "birthDate")
        if "phone" in obj:
            ctx.check(obj["phone"] == (row["phone"] or None), "phone")
        if "maskReason" in obj:
            ctx.check(obj["maskReason"] is None, "maskReason on shown data")


def model_school_level(recognitions: list[dict[str, Any]], day: dt.date) -> str:
    """The highest level in force on `day`: granted by then, not withdrawn by then, not expired before it."""
    levels = [
        r["level"] for r in recognitions
        if r["recognised_on"] <= day and (r["revoked_on"] is None or day < r["revoked_on"])
        and (r["valid_until"] is None or day <= r["valid_until"])
    ]  # fmt: skip
    return max(levels, key=RECOGNITION_LEVELS.index) if levels else "NONE"


# --- the reporting chain, target progress and deliveries: the domain rules, restated ------------


def report_state(world: World, t: Node, period: str) -> str:
    """A tenant's report state (no row: OPEN, at version 1)."""
    row = world.reports.get((t.id, period))
    return row["state"] if row else "OPEN"


def approval_state(world: World, t: Node, period: str) -> str:
    """The approval state, as rules.ApprovalState defines each one."""
    state = report_state(world, t, period)
    if state == "SUBMITTED":
        return "SUBMITTED"
    if state == "APPROVED":  # approved by the parent (a city: accepted); "above" once the parent's own is approved too
        above = t.parent is not None and report_state(world, t.parent, period) == "APPROVED"
        return "APPROVED_ABOVE" if above else "APPROVED_HERE"
    if any(report_state(world, c, period) != "APPROVED" for c in world.children(t)):
        return "WAITING_FOR_CHILDREN"
    return "RETURNED" if state == "RETURNED" else "READY"


def window_of(world: World, t: Node, period: str) -> dict[str, Any] | None:
    """The entry window that applies: the nearest bureau strictly above that set one (a city has none)."""
    return next((world.windows[a.id, period] for a in reversed(t.ancestors) if (a.id, period) in world.windows), None)


def is_late(world: World, t: Node, period: str) -> bool:
    """Late: the window that applies has closed, and the report is neither submitted nor approved."""
    window = window_of(world, t, period)
    closed = window is not None and window["closes_on"] < dt.date.today()
    return closed and report_state(world, t, period) not in ("SUBMITTED", "APPROVED")


def latest_snapshot(world: World, t: Node, period: str) -> tuple[int, dict[str, dict[str, Any]]] | None:
    versions = world.snapshots.get((t.id, period))
    if not versions:
        return None
    version = max(versions)
    return version, versions[version]


# Small-count suppression of student-derived figures (platform/disclosure/patterns.py), from its
# documented rule: over the whole tree of the root, counts 1..threshold-1 are hidden, then, taking
# the sums "a tenant = the sum of its children" in order of the total's id, the first sum left with a
# single unknown gets one more cell hidden (its smallest non-zero other cell, a zero only when none
# is left, the parent when no sibling is left), until EXACT ELIMINATION (tests/factories/elimination)
# finds no hidden cell determined. Not-reported cells are known zeros, never hidden; a tenant without
# an approved snapshot is an unknown. Counts come from the generated rows, not from the engine.
SUPPRESSION_THRESHOLD = 5  # the default disclosure policy: the worlds set none
SUPPRESSION_SEEN: Counter[str] = Counter()  # figures the oracle decided, for the terminal summary
SUPPRESSED = {"state": "SUPPRESSED", "value": None, "numerator": None, "denominator": None}


def live_cells(world: World, root: Node) -> dict[uuid.UUID, tuple[str, float]]:
    """Each tenant's FOUR_SPECIAL_STUDENTS (state, count) from the generated student files."""
    files: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for r in world.rows[StudentFile]:
        if r["active"]:
            files[r["tenant_id"]].append(r)
    cells = {}
    for t in world.subtree(root):
        schools = [u for u in world.subtree(t) if u.kind == "SCHOOL"]
        reported = [u for u in schools if files[u.id]]
        state = "NOT_APPLICABLE" if not schools else "REPORTED" if reported else "NOT_REPORTED"
        cells[t.id] = (state, float(sum(1 for u in reported for r in files[u.id] if r["four_special"])))
    return cells


def snapshot_cells(world: World, root: Node, period: str, code: str) -> dict[uuid.UUID, tuple[str, float] | None]:
    """Each tenant's latest approved snapshot figure of `code` (None: no snapshot, an unknown of the sums)."""
    cells: dict[uuid.UUID, tuple[str, float] | None] = {}
    for t in world.subtree(root):
        snapshot = latest_snapshot(world, t, period)
        row = snapshot[1].get(code) if snapshot is not None else None
        cells[t.id] = None if row is None else (row["state"], float(row["numerator"]))
    return cells


def oracle_pattern(world: World, root: Node, cells: dict[uuid.UUID, tuple[str, float] | None]) -> set[uuid.UUID]:
    nodes = world.subtree(root)
    parent_of = {t.id: (t.parent.id if t.parent is not None and t is not root else None) for t in nodes}
    children = {t.id: [c.id for c in nodes if c.parent is t] for t in nodes}
    forced = {i for i, c in cells.items() if c is not None and c[0] != "REPORTED"}
    count = {i: (c[1] if c is not None else None) for i, c in cells.items()}
    unknown = {i for i in parent_of if count.get(i) is None and i not in forced}
    hidden = {i for i, n in count.items() if i not in forced and n is not None and 0 < n < SUPPRESSION_THRESHOLD}
    # A sum that cannot hold (a not-reported total over a reported term: snapshots of different times) binds nothing
    sums = sorted(
        ((i, kids) for i, kids in children.items() if kids and (i in forced) == all(k in forced for k in kids)),
        key=lambda item: str(item[0]),
    )
    while determined(parent_of, hidden | unknown, fixed=forced):
        lone = next(
            ([c for c in (total, *kids) if c in hidden | unknown][0], total, kids)
            for total, kids in sums
            if sum(1 for c in (total, *kids) if c in hidden | unknown) == 1
        )  # elimination found a determined cell, so a sum with a single unknown exists (trees peel)
        cell, total, kids = lone
        others = [c for c in kids if c != cell] if cell != total else list(kids)
        open_cells = [c for c in others if c not in hidden | unknown and c not in forced]
        if open_cells:
            hidden.add(min(open_cells, key=lambda c: (count[c] == 0, count[c], str(c))))
        else:
            assert cell != total and total not in forced, f"cell {cell} cannot be protected"
            hidden.add(total)
    return hidden | unknown


def engine_cells(world: World, root: Node, code: str, year: int) -> dict[uuid.UUID, tuple[str, float]]:
    """Each tenant's live (state, count) of a student-derived `code` in `year`, as the engine gives it
    with a system session (its counts are checked against raw rows by each code's oracle test)."""
    live = world.live[year]
    return {t.id: (live[t.id, code].state.value, float(live[t.id, code].numerator or 0.0)) for t in world.subtree(root)}


def pattern_for(world: World, root: Node, kind: str, code: str, year: int | None) -> set[uuid.UUID]:
    """The hidden tenants of `code` over `root`'s tree: "live" (in `year`), or a period's snapshots."""
    key = (root.id, kind, code, year)
    if key not in world.patterns:
        if kind != "live":
            cells = snapshot_cells(world, root, kind, code)
        elif code == "FOUR_SPECIAL_STUDENTS":
            cells = live_cells(world, root)  # from the generated rows: the engine is checked against them
        else:
            cells = engine_cells(world, root, code, year)  # type: ignore[arg-type]
        world.patterns[key] = oracle_pattern(world, root, cells)
    return world.patterns[key]


def as_seen(view: View, t: Node, code: str, want: dict[str, Any], kind: str, year: int | None = None) -> dict[str, Any]:
    """`want` (an unsuppressed figure) as this principal sees it: a school's own people see its own
    figures whole; every other reader, API clients included, the tree's pattern (of `code`)."""
    indicator = BY_CODE.get(code)
    if indicator is None or not indicator.student_derived or (not view.client and view.me is t and t.kind == "SCHOOL"):
        return want
    hidden = t.id in pattern_for(view.world, t.root, kind, code, year)  # type: ignore[arg-type]
    SUPPRESSION_SEEN["suppressed" if hidden else "shown"] += 1
    return want | SUPPRESSED if hidden else want


def same(a: Any, b: Any) -> bool:
    """Equal numbers (floats to rounding), or both null."""
    if a is None or b is None or isinstance(a, str) or isinstance(b, str):
        return a == b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def figure(value: Any) -> dict[str, Any]:
    """A snapshot row or an engine IndicatorValue as the API's IndicatorValue shows it."""
    if isinstance(value, dict):
        get = value.get
        return {"indicator": get("indicator"), "state": get("state"), "value": get("value"), "numerator": get("numerator"),
                "denominator": get("denominator"), "unitsTotal": get("units_total"),
                "unitsNotReported": get("units_not_reported")}  # fmt: skip
    return {"indicator": value.indicator, "state": value.state.value, "value": value.value, "numerator": value.numerator,
            "denominator": value.denominator, "unitsTotal": value.units_total,
            "unitsNotReported": value.units_not_reported}  # fmt: skip


def check_figure(ctx: Ctx, where: str, got: dict[str, Any], want: dict[str, Any]) -> None:
    for key, expected in want.items():
        if key in got:
            ctx.check(same(got[key], expected), f"{where}.{key}: {got[key]!r} != oracle {expected!r}")


def moved(approved: dict[str, Any], current: dict[str, Any]) -> bool:
    """Has an indicator moved since approval: its state, value, or the sums behind it (snapshots.py's rule)?"""
    return approved["state"] != current["state"] or any(
        not same(approved[k], current[k]) for k in ("value", "numerator", "denominator", "unitsTotal")
    )


def when(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)


def check_report(ctx: Ctx, t: Node, period: str, got: dict[str, Any]) -> None:
    """One Report of a tenant in the principal's subtree, field by field."""
    view, world = ctx.view, ctx.view.world
    row = world.reports.get((t.id, period)) or {}
    where = f"report({period}) of {t!r}"
    ctx.check(got is not None, f"{where}: null, though {t!r} is in the subtree of {view.me!r}")
    decider = world.by_id.get(row.get("decided_by_tenant_id"))  # type: ignore[arg-type]
    want = {
        "period": period, "state": row.get("state", "OPEN"), "version": row.get("version", 1),
        "submittedBy": row.get("submitted_by"), "decidedBy": row.get("decided_by"), "returnReason": row.get("return_reason"),
        "approvalState": approval_state(world, t, period), "late": is_late(world, t, period), "tenant": {"code": t.code},
        "decidedByTenant": decider and {"code": decider.code},
    }  # fmt: skip
    for key, expected in want.items():
        if key in got:
            answer = {"code": got[key]["code"]} if isinstance(got[key], dict) else got[key]
            ctx.check(answer == expected, f"{where}.{key}: {answer!r} != oracle {expected!r}")
    for key, column in (("submittedAt", "submitted_at"), ("decidedAt", "decided_at")):
        if key in got:
            ctx.check(when(got[key]) == row.get(column), f"{where}.{key}: {got[key]} != oracle {row.get(column)}")
    if "window" in got:
        window, shown = window_of(world, t, period), got["window"]
        answer = shown and (shown.get("opensOn"), shown.get("closesOn"), (shown.get("setBy") or {}).get("code"))
        expected = window and (window["opens_on"].isoformat(), window["closes_on"].isoformat(), world.owner(window).code)
        ctx.check(answer == expected, f"{where}.window: {answer} != oracle {expected}")
    if "events" in got:
        answer = [(e.get("action"), (e.get("actorTenant") or {}).get("code"), e.get("version")) for e in got["events"]]
        events = world.events.get((t.id, period), [])
        expected = [(e["action"], world.by_id[e["actor_tenant_id"]].code, e["version"]) for e in events]
        ctx.check(answer == expected, f"{where}.events: {answer} != oracle {expected}")
    snapshot = latest_snapshot(world, t, period)
    for key in ("snapshot", "changesSinceApproved"):
        if key in got and not view.allows("indicators"):  # an API client also needs indicators:read
            ctx.check(got[key] is None and "PERMISSION_DENIED" in error_codes(ctx.body), f"{where}.{key} without indicators:read")
        elif key in got and snapshot is None:
            ctx.check(got[key] is None, f"{where}.{key}: no version was ever approved, yet {got[key]}")
    if snapshot is None or not view.allows("indicators"):
        return
    version, rows = snapshot
    ordered = [rows[i.code] for i in INDICATORS if i.code in rows]
    if "snapshot" in got:
        frozen = got["snapshot"]
        ctx.check(frozen is not None, f"{where}.snapshot: version {version} was approved, yet null")
        if "version" in frozen:
            ctx.check((frozen["version"], frozen.get("inputVersion", version)) == (version, version), f"{where}.snapshot.version")
        if "takenAt" in frozen:
            ctx.check(when(frozen["takenAt"]) == ordered[0]["as_of"], f"{where}.snapshot.takenAt")
        if "figures" in frozen:
            codes = [f["indicator"] for f in frozen["figures"]]
            ctx.check(codes == [r["indicator"] for r in ordered], f"{where}.snapshot figures' codes: {codes}")
            for f, r in zip(frozen["figures"], ordered, strict=False):
                frozen_figure = as_seen(view, t, r["indicator"], figure(r), period)
                frozen_figure |= {"year": r["year"], "standardsVersion": r["standards_version"]}
                check_figure(ctx, f"{where}.snapshot {r['indicator']}", f, frozen_figure)
                if isinstance(f.get("tenant"), dict):
                    ctx.check(f["tenant"]["code"] == t.code, f"{where}.snapshot figure's tenant")
    if "changesSinceApproved" in got:
        live = world.live[int(period[:4])]
        def approved(r: dict[str, Any]) -> dict[str, Any]:
            return as_seen(view, t, r["indicator"], figure(r), period)

        def current(r: dict[str, Any]) -> dict[str, Any]:
            return as_seen(view, t, r["indicator"], figure(live[t.id, r["indicator"]]), "live", int(period[:4]))

        changed = [(r, current(r)) for r in ordered if moved(approved(r), current(r))]
        answer = got["changesSinceApproved"]
        ctx.check(answer is not None, f"{where}.changesSinceApproved: version {version} was approved, yet null")
        codes, want_codes = [c["indicator"] for c in answer], [r["indicator"] for r, _ in changed]
        ctx.check(codes == want_codes, f"{where}.changesSinceApproved: {codes} != oracle {want_codes}")
        for c, (r, now) in zip(answer, changed, strict=False):
            if "approvedVersion" in c:
                ctx.check(c["approvedVersion"] == version, f"{where}.changesSinceApproved.approvedVersion")
            if isinstance(c.get("approved"), dict):
                check_figure(ctx, f"{where} change {r['indicator']} approved", c["approved"], approved(r))
            if isinstance(c.get("current"), dict):
                check_figure(ctx, f"{where} change {r['indicator']} current", c["current"], now)



# --- reporting completeness: platform/completeness's rules, restated ------------------------------

# Periods a completeness query asks for: the terms of the windows, and a school year and a calendar
# year (enrolment, screening and training are due for those; no window is set for them, so nothing is late).
COMPLETENESS_PERIODS = (*REPORT_PERIODS, "2025SY", "2025", "202603")
# When the figures arrived and the hotlines were recorded: around today, as the windows are.
ARRIVALS = {"long ago": -60, "recently": -10, "yesterday": -1}
HOTLINE_SINCE = {"before the terms": dt.datetime(2025, 6, 1, tzinfo=dt.UTC), "yesterday": None}
# "Due for" from the registry's documentation: which figures a period of each kind asks for, by whom.
DUE = {
    "TERM": ("HOTLINE_CALLS", "CENTRE_ACTIVITY", "CLASS_TERM_HOURS"),
    "SCHOOL_YEAR": ("ENROLMENT", "SCREENING_ROUND"),
    "YEAR": ("TRAINING_CREDITS",),
    "MONTH": (),
}
BUREAU_CLOCK = dt.timezone(dt.timedelta(hours=8))
SPANS = {"2025T1": (dt.date(2025, 9, 1), dt.date(2026, 1, 31)), "2025T2": (dt.date(2026, 2, 1), dt.date(2026, 7, 31)),
         "2024T2": (dt.date(2025, 2, 1), dt.date(2025, 7, 31)), "2025SY": (dt.date(2025, 9, 1), dt.date(2026, 8, 31)),
         "2025": (dt.date(2025, 1, 1), dt.date(2025, 12, 31)), "202603": (dt.date(2026, 3, 1), dt.date(2026, 3, 31))}  # fmt: skip
KIND_OF = {"2025T1": "TERM", "2025T2": "TERM", "2024T2": "TERM", "2025SY": "SCHOOL_YEAR", "2025": "YEAR", "202603": "MONTH"}


def arrivals(draw: Any, world: World) -> None:
    """When each period-keyed record first arrived (and was last corrected), and when each hotline was recorded."""
    noon = dt.datetime.combine(TODAY, dt.time(12), dt.UTC)
    for model in (HotlineCallCount, CentreActivity, SchoolEnrolment, TrainingAttendance, ScreeningRound, ClassTermHours):
        for row in world.rows[model]:
            first = noon + dt.timedelta(days=ARRIVALS[draw(st.sampled_from(sorted(ARRIVALS)), label="arrived")])
            corrected = draw(st.booleans(), label="corrected since")
            row["created_at"], row["updated_at"] = first, noon if corrected else first
    for row in world.rows[Hotline]:
        since = HOTLINE_SINCE[draw(st.sampled_from(sorted(HOTLINE_SINCE)), label="hotline recorded")]
        row["created_at"] = row["updated_at"] = since or noon - dt.timedelta(days=1)


def end_of(day: dt.date) -> dt.datetime:
    """Midnight after `day` on the bureaus' clock (UTC+8): the first instant that is late."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), BUREAU_CLOCK)


def figure_states(world: World, t: Node, period: str) -> dict[str, tuple[str, dt.datetime | None]]:
    """Each figure due for `period`: (state, first arrival) for tenant `t`, from the rows."""
    start, end = SPANS[period]
    window = window_of(world, t, period)
    due = end_of(window["closes_on"]) if window else None  # no window and no grace: never late
    found: dict[str, tuple[str, dt.datetime | None]] = {}
    for code in DUE[KIND_OF[period]]:
        if code in ("HOTLINE_CALLS", "CENTRE_ACTIVITY"):
            owners = ([h for h in world.rows[Hotline] if h["tenant_id"] == t.id and h["status"] == "ACTIVE" and h["created_at"] < end_of(end)]
                      if code == "HOTLINE_CALLS" and t.kind in ("COUNTY", "SCHOOL") else
                      [c for c in world.rows[CounsellingCentre] if c["tenant_id"] == t.id and c["status"] == "OPERATIONAL"
                       and (c["opening_date"] is None or c["opening_date"] <= end)] if code == "CENTRE_ACTIVITY" and t.kind == "COUNTY" else [])  # fmt: skip
            model, link = (HotlineCallCount, "hotline_id") if code == "HOTLINE_CALLS" else (CentreActivity, "centre_id")
            answers = {o["id"]: [r for r in world.rows[model] if r[link] == o["id"] and r["period"] == period] for o in owners}
            owed, present = bool(owners), all(answers.values())
            arrived = max((r["created_at"] for rows in answers.values() for r in rows), default=None)
        elif code == "CLASS_TERM_HOURS":
            # Owed once per class of the term's school year; there when every such class has its hours.
            owners = [c for c in world.rows[SchoolClass] if c["tenant_id"] == t.id and c["school_year"] == int(period[:4])]
            answers = {c["id"]: [r for r in world.rows[ClassTermHours] if r["class_id"] == c["id"] and r["term"] == period] for c in owners}
            owed, present = t.kind == "SCHOOL" and bool(owners), all(answers.values())
            arrived = max((r["created_at"] for rows in answers.values() for r in rows), default=None)
        elif code in ("ENROLMENT", "SCREENING_ROUND"):
            # A school's of the school year; of two rounds, the first recorded is the arrival.
            model = SchoolEnrolment if code == "ENROLMENT" else ScreeningRound
            rows = [r for r in world.rows[model] if r["tenant_id"] == t.id and r["school_year"] == start.year]
            owed, present, arrived = t.kind == "SCHOOL", bool(rows), min((r["created_at"] for r in rows), default=None)
        else:  # TRAINING_CREDITS: owed where the tenant has active full-time or part-time teachers
            teachers = [s for s in world.rows[Staff] if s["tenant_id"] == t.id and s["active"] and s["kind"] in TEACHER_KINDS]
            rows = [a for a in world.rows[TrainingAttendance] if a["tenant_id"] == t.id and a["credit_year"] == start.year]
            owed, present, arrived = bool(teachers), bool(rows), min((r["created_at"] for r in rows), default=None)
        if not owed:
            found[code] = ("NOT_REQUIRED", None)
        elif not present:
            found[code] = ("MISSING", None)
        else:
            found[code] = ("LATE" if due is not None and arrived >= due else "PRESENT", arrived)  # type: ignore[operator]
    return found


def rates_of(states: list[str]) -> dict[str, Any]:
    owed = [s for s in states if s != "NOT_REQUIRED"]
    required, on_time, late = len(owed), owed.count("PRESENT"), owed.count("LATE")
    return {"required": required, "onTime": on_time, "late": late, "missing": required - on_time - late,
            "completeness": (on_time + late) / required if required else None, "timeliness": on_time / required if required else None}  # fmt: skip


def check_rates(ctx: Ctx, where: str, got: dict[str, Any] | None, want: dict[str, Any]) -> None:
    for key, expected in want.items():
        if got is not None and key in got:
            ctx.check(same(got[key], expected), f"{where}.{key}: {got[key]!r} != oracle {expected!r}")


def check_completeness(ctx: Ctx, t: Node, period: str, got: dict[str, Any]) -> None:
    """The completeness of `t`'s subtree, which the principal sees in full (t is in its subtree)."""
    world = ctx.view.world
    where = f"reportingCompleteness({period}) of {t!r}"
    states = {u.id: figure_states(world, u, period) for u in world.subtree(t)}
    codes = list(DUE[KIND_OF[period]])
    for key, expected in (("period", period), ("periodKind", KIND_OF[period])):
        if key in got:
            ctx.check(got[key] == expected, f"{where}.{key}: {got[key]!r} != {expected!r}")
    if "requiredFigures" in got:
        ctx.check([f["code"] for f in got["requiredFigures"]] == codes, f"{where}.requiredFigures")

    def check_entry(u: Node, entry: dict[str, Any]) -> None:
        here = f"{where}, {u!r}"
        mine = states[u.id]
        if isinstance(entry.get("tenant"), dict):
            ctx.check(entry["tenant"]["code"] == u.code, f"{here}: tenant")
        if "figures" in entry:
            answer = [(f.get("code"), f.get("state"), when(f.get("arrivedAt")) if "arrivedAt" in f else mine[f["code"]][1]) for f in entry["figures"]]
            ctx.check(answer == [(c, *mine[c]) for c in codes], f"{here}: figures {answer} != oracle {mine}")
        for key, state in (("missing", "MISSING"), ("late", "LATE")):
            if key in entry:
                ctx.check(entry[key] == [c for c in codes if mine[c][0] == state], f"{here}.{key}: {entry[key]}")
        check_rates(ctx, f"{here}.own", entry.get("own"), rates_of([s for s, _ in mine.values()]))
        check_rates(ctx, f"{here}.subtree", entry.get("subtree"), rates_of([s for x in world.subtree(u) for s, _ in states[x.id].values()]))
        if "deadline" in entry:
            window, shown = window_of(world, u, period), entry["deadline"]
            if window is None:  # nobody above set one, and the deployment sets no grace: never late
                ctx.check(shown is None, f"{here}.deadline: {shown}, but no window applies")
            else:
                last = window["closes_on"].isoformat()
                ctx.check(shown is not None and shown.get("lastDay", last) == last and shown.get("rule", "WINDOW") == "WINDOW",
                          f"{here}.deadline: {shown} != the window closing on {last}")  # fmt: skip

    if isinstance(got.get("tenant"), dict):
        check_entry(t, got["tenant"])
    if "byFigure" in got:
        ctx.check([f["code"] for f in got["byFigure"]] == codes, f"{where}.byFigure codes")
        for f in got["byFigure"]:
            check_rates(ctx, f"{where}.byFigure {f['code']}", f.get("rates"), rates_of([states[x.id][f["code"]][0] for x in world.subtree(t)]))
    if isinstance(got.get("descendants"), dict):
        # The selection asks for the first 20, by code: a county's schools, a city's counties and schools.
        below = sorted((u for u in world.subtree(t) if u is not t), key=lambda u: u.code)[:20]
        nodes = got["descendants"]["nodes"]
        answer = [n["tenant"]["code"] for n in nodes]
        ctx.check(answer == [u.code for u in below], f"{where}.descendants: {answer} != oracle {[u.code for u in below]}")
        for n, u in zip(nodes, below, strict=False):
            check_entry(u, n)


# Target progress, from PROGRESS_RULE and CASCADE_RULE (platform/targets/progress.py's descriptions).
DAYS_PER_YEAR = 365.25
SEVERITY = {"MISSED": 0, "AT_RISK": 1, "NO_DATA": 2, "ON_TRACK": 3, "MET": 4}
CHILDREN_BEHIND_DEFAULT = 20


def in_force(world: World, t: Node, codes: list[str] | None) -> list[dict[str, Any]]:
    """The target in force at `t` per indicator (codes asked in order, else the definitions' order):
    of those set for `t` or above it, the highest value, then the earliest due date, then the nearest."""
    order = list(dict.fromkeys(codes)) if codes is not None else [i.code for i in INDICATORS]
    found = []
    for code in order:
        covering = [r for r in world.records["Target"].values() if r["indicator"] == code and world.owner(r).covers(t)]
        if covering:
            found.append(min(covering, key=lambda r: (-r["value"], r["due_date"], -world.owner(r).depth, str(r["id"]))))
    return found


def history(world: World, t: Node, code: str) -> list[tuple[dt.date, str, dict[str, Any]]]:
    """The latest approved snapshot of each period, placed at the period's end or the day it was frozen if earlier."""
    points = []
    for (tenant_id, period), versions in world.snapshots.items():
        if tenant_id == t.id:
            latest = [versions[v][code] for v in sorted(versions, reverse=True) if code in versions[v]][:1]
            points += [(min(PERIOD_END[period], r["as_of"].date()), period, r) for r in latest]
    return sorted(points, key=lambda p: (p[0], p[1]))


def slope_per_year(points: list[tuple[dt.date, float]]) -> float | None:
    """Least squares through (day, value) points, in value per year; None without two distinct days."""
    if len(points) < 2:
        return None
    first = min(day for day, _ in points)
    xs = [(day - first).days / DAYS_PER_YEAR for day, _ in points]
    ys = [value for _, value in points]
    mean_x, mean_y = math.fsum(xs) / len(xs), math.fsum(ys) / len(ys)
    spread = math.fsum((x - mean_x) ** 2 for x in xs)
    return None if spread == 0 else math.fsum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def standing(world: World, t: Node, code: str, target: float, due: dt.date) -> dict[str, Any]:
    """Where `t`'s subtree stands against a target, by PROGRESS_RULE (1e-9: "at least" forgives rounding)."""
    today = dt.date.today()
    current = world.live[current_school_year()][t.id, code]
    value = current.value
    # Reported snapshot values, then the live one (placed today).
    points = [(on, r["value"]) for on, _, r in history(world, t, code) if r["value"] is not None]
    points = sorted(points + ([(today, value)] if value is not None else []))
    slope = slope_per_year(points)
    if value is not None and value >= target - 1e-9:
        status = "MET"
    elif due < today:
        status = "MISSED"
    elif value is None:
        status = "NO_DATA"
    elif slope is not None:
        status = "ON_TRACK" if value + slope * (due - today).days / DAYS_PER_YEAR >= target - 1e-9 else "AT_RISK"
    else:
        status = "ON_TRACK" if value >= target * 0.9 - 1e-9 else "AT_RISK"
    gap = None if value is None else target - value
    return {"current": current, "value": value, "status": status, "gap": gap, "trend": slope}


def check_progress(ctx: Ctx, where: str, got: dict[str, Any], t: Node, code: str, target: float, due: dt.date) -> None:
    """A TargetProgress of `t`'s subtree, and its children behind (the principal sees every child of its subtree)."""
    world = ctx.view.world
    want = standing(world, t, code, target, due)
    scalars = {"target": target, "dueDate": due.isoformat(), "status": want["status"], "gap": want["gap"], "trend": want["trend"]}
    for key, expected in scalars.items():
        if key in got:
            ctx.check(same(got[key], expected), f"{where}.{key}: {got[key]!r} != oracle {expected!r}")
    if isinstance(got.get("current"), dict):
        check_figure(ctx, f"{where}.current", got["current"], figure(want["current"]))
    if "history" in got:
        answer = [(h["period"], h["value"], h["state"], h["version"]) for h in got["history"]]
        expected = [(period, r["value"], r["state"], r["version"]) for _, period, r in history(world, t, code)]
        ctx.check(answer == expected, f"{where}.history: {answer} != oracle {expected}")
    if "childrenBehind" in got:
        behind = []
        for child in world.children(t):
            mine = standing(world, child, code, target, due)
            number, state = mine["value"], mine["current"].state.value
            if (state == "NOT_REPORTED") if number is None else number < target - 1e-9:
                behind.append((SEVERITY[mine["status"]], -math.inf if number is None else number, child.code, mine))
        behind.sort(key=lambda b: b[:3])
        expected = [(code_, mine["status"]) for _, _, code_, mine in behind[:CHILDREN_BEHIND_DEFAULT]]
        answer = [(c.get("code"), c.get("status")) for c in got["childrenBehind"]]
        ctx.check(answer == expected, f"{where}.childrenBehind: {answer} != oracle {expected}")
        for c, (_, _, _, mine) in zip(got["childrenBehind"], behind, strict=False):
            for key in ("value", "gap", "trend"):
                if key in c:
                    ctx.check(same(c[key], mine[key]), f"{where}.childrenBehind {c.get('code')}.{key}: {c[key]} != {mine[key]}")


def check_adx(ctx: Ctx, period: str, document: str) -> None:
    """The city's and its counties' latest approved figures: a group per tenant with a snapshot (city,
    then counties by code), a value per REPORTED figure (by indicator code); the rest is absent."""
    world, me = ctx.view.world, ctx.view.me
    tags = "{urn:ihe:qrph:adx:2015}"
    root = ET.fromstring(document.encode())
    answer = [(g.get("orgUnit"), g.get("period"), [(v.get("dataElement"), float(v.get("value") or "nan")) for v in g])
              for g in root.iter(f"{tags}group")]  # fmt: skip
    expected = []
    for t in [me, *(c for c in world.children(me) if c.kind == "COUNTY")]:
        snapshot = latest_snapshot(world, t, period)
        if snapshot is not None:
            rows = sorted(snapshot[1].items())
            seen = {code: as_seen(ctx.view, t, code, figure(r), period) for code, r in rows}
            values = [(code, r["value"]) for code, r in rows if seen[code]["state"] == "REPORTED" and r["value"] is not None]
            expected.append((t.code, ADX_SPAN[period], values))
    ctx.check([(c, p, [k for k, _ in v]) for c, p, v in answer] == [(c, p, [k for k, _ in v]) for c, p, v in expected],
              f"adxDocument({period}) of {me!r}: groups {answer} != oracle {expected}")  # fmt: skip
    for (_, _, got), (code, _, want) in zip(answer, expected, strict=True):
        ctx.check(all(same(a, b) for (_, a), (_, b) in zip(got, want, strict=True)), f"adxDocument({period}) values of {code}")


async def load_live_figures(api: Any, world: World, years: set[int] | None = None) -> None:
    """The engine's figures of every tenant of the world, with a system session (the years targets and
    reports ask for, and any other `years`); the principal's must be the same, as for Tenant.indicators."""
    wanted = {current_school_year(), *(int(p[:4]) for p in PERIODS), *(years or ())} - set(world.live)
    if not wanted:
        return
    runtime = api.app.state.runtime
    refs = [TenantRef(id=t.id, path=t.path, depth=t.depth, kind=t.kind) for t in world.tenants]
    async with runtime.sessionmaker() as session:
        as_system(session, "isolation oracle")
        for year in sorted(wanted):
            figures = await compute_indicators(session, refs, year=year, standard=standard(runtime.settings.standards_version))
            world.live[year] = figures


# ---------------------------------------------------------------------------------------------
# The schema, by introspection, and queries drawn from it
# ---------------------------------------------------------------------------------------------

TYPE_REF = "name kind ofType { name kind ofType { name kind ofType { name kind ofType { name kind } } } }"
INTROSPECT = f"""{{ __schema {{
  queryType {{ fields {{ name }} }}
  types {{ name kind possibleTypes {{ name }} enumValues {{ name }}
    fields {{ name args {{ name defaultValue type {{ {TYPE_REF} }} }} type {{ {TYPE_REF} }} }} }} }} }}"""


def unwrap(t: dict[str, Any]) -> tuple[str, str, bool]:
    """(named type, its kind, whether the outermost wrapper is NON_NULL)."""
    required = t["kind"] == "NON_NULL"
    while t.get("ofType"):
        t = t["ofType"]
    return t["name"], t["kind"], required


@dataclass
class Schema:
    types: dict[str, dict[str, Any]]
    root_fields: list[str]
    node_types: list[str]

    def fields(self, type_name: str) -> list[dict[str, Any]]:
        return self.types[type_name]["fields"] or []

    def field(self, type_name: str, name: str) -> dict[str, Any]:
        return next(f for f in self.fields(type_name) if f["name"] == name)

    def connection_node(self, connection: str) -> str:
        return unwrap(self.field(connection, "nodes")["type"])[0]

    def enum_values(self, name: str) -> list[str]:
        return [v["name"] for v in self.types[name]["enumValues"]]

    def selection(self, type_name: str, depth: int = 0, max_depth: int = 2, alias: bool = False) -> str:
        """Every field of `type_name` a client could ask without arguments, nested to `max_depth`.

        `alias` names object fields `<Type>__<field>` (see `unalias`): in `... on A { tenant }
        ... on B { tenant }` a `Tenant!` and a `Tenant` under one name would not validate.
        """
        if type_name == "Tenant" and depth > 0:
            return "__typename id code"
        parts = ["__typename"]
        for f in self.fields(type_name):
            if any(unwrap(a["type"])[2] and a["defaultValue"] is None for a in f["args"]):
                continue  # needs an argument (Tenant.enrolment): asked for as a Tenant field instead
            base, kind, _ = unwrap(f["type"])
            name = f"{type_name}__{f['name']}: {f['name']}" if alias else f["name"]
            if kind in ("SCALAR", "ENUM"):
                parts.append(name)
            elif base == "Tenant":
                parts.append(f"{name} {{ __typename id code }}")
            elif depth >= max_depth:
                continue
            elif base.endswith("Connection"):
                parts.append(f"{name}(first: 20) {{ nodes {{ {self.selection(self.connection_node(base), depth + 1)} }} }}")
            else:
                parts.append(f"{name} {{ {self.selection(base, depth + 1)} }}")
        return " ".join(parts)


def schema_from(data: dict[str, Any]) -> Schema:
    types = {t["name"]: t for t in data["__schema"]["types"]}
    return Schema(
        types=types,
        root_fields=[f["name"] for f in data["__schema"]["queryType"]["fields"]],
        node_types=sorted(t["name"] for t in types["Node"]["possibleTypes"]),
    )


async def schema_of(api: Any) -> Schema:
    """The schema as a client sees it, over HTTP (the guards); the property uses `app_schema()`."""
    return schema_from((await api.post(INTROSPECT)).json()["data"])


@dataclass
class TenantField:
    """One Tenant field with drawn arguments, ready to put in a document."""

    name: str
    args: dict[str, Any]
    text: str


@dataclass(frozen=True)
class Enum:
    value: str


def gql_value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(gql_value(v) for v in value) + "]"
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, str):
        return json.dumps(value)
    return str(value)


def draw_tenant_field(data: Any, schema: Schema, focus: frozenset[str] | None = None) -> TenantField:
    weighted = [
        f for f in schema.fields("Tenant") if focus is None or f["name"] in focus for _ in range(FIELD_WEIGHT.get(f["name"], 1))
    ]
    f = data.draw(st.sampled_from(weighted), label="Tenant field")
    args: dict[str, Any] = {}
    for arg in f["args"]:
        name = arg["name"]
        base, kind, required = unwrap(arg["type"])
        if name == "first":
            args[name] = 100
        elif name in ("after", "last", "before"):
            continue
        elif name == "scope":
            args[name] = data.draw(st.sampled_from(schema.enum_values(base)), label="scope")
        elif name == "kind" and kind == "ENUM":
            pick = data.draw(st.sampled_from([None, *schema.enum_values(base)]), label="kind")
            if pick is not None:
                args[name] = pick
        elif name in ("year", "schoolYear"):
            pick = data.draw(st.sampled_from(([] if required else [None]) + list(YEARS)), label=name)
            if pick is not None:
                args[name] = pick
        elif name == "codes":
            pick = data.draw(st.none() | st.lists(st.sampled_from(sorted(BY_CODE)), max_size=3), label="codes")
            if pick is not None:
                args[name] = pick
        elif name == "indicators":
            # Mostly the codes the worlds set targets for, so that a list names one often enough.
            codes = st.sampled_from(["STATION_COVERAGE", "FULL_TIME_TEACHER_COVERAGE", *sorted(BY_CODE)])
            pick = data.draw(st.none() | st.lists(codes, max_size=3), label="indicators")
            if pick is not None:
                args[name] = pick
        elif name == "period":
            periods = COMPLETENESS_PERIODS if f["name"] == "reportingCompleteness" else REPORT_PERIODS
            args[name] = data.draw(st.sampled_from(periods), label="period")
        elif kind == "ENUM" and not required:
            pick = data.draw(st.sampled_from([None, *schema.enum_values(base)]), label=name)
            if pick is not None:
                args[name] = pick
        elif required and arg["defaultValue"] is None:
            raise AssertionError(f"Tenant.{f['name']} has a required argument {name!r}: teach draw_tenant_field to fill it")
    base, kind, _ = unwrap(f["type"])
    enums = {a["name"] for a in f["args"] if unwrap(a["type"])[1] == "ENUM"}
    arg_text = "(" + ", ".join(f"{k}: {gql_value(Enum(v) if k in enums else v)}" for k, v in args.items()) + ")" if args else ""
    if kind in ("SCALAR", "ENUM"):
        sub = ""
    elif base.endswith("Connection") and schema.connection_node(base) == "Tenant":
        # children: only codes are checked, and a full Tenant selection under a list of 100
        # tenants would ask for more nodes than the document limit (10 million) allows.
        sub = " { nodes { __typename id code } }"
    elif base.endswith("Connection"):
        sub = f" {{ nodes {{ {schema.selection(schema.connection_node(base))} }} }}"
    elif base == "Tenant":
        sub = " { __typename id code }"
    else:
        sub = f" {{ {schema.selection(base)} }}"
    return TenantField(f["name"], args, f"{f['name']}{arg_text}{sub}")


# --- what the oracle expects of a Tenant field on one tenant -------------------------------------


class Refused(Exception):
    def __init__(self, code: str) -> None:
        self.code = code


async def check_tenant_field(ctx: Ctx, schema: Schema, t: Node, tf: TenantField, value: Any) -> None:
    """Check `value`, the answer of `tf` on tenant `t`; raise Refused(code) if the oracle expects a refusal."""
    view, world, name, args = ctx.view, ctx.view.world, tf.name, tf.args
    mine = t.id in view.subtree  # else an ancestor, seen by name only
    base, _, _ = unwrap(schema.field("Tenant", name)["type"])
    is_records = base.endswith("Connection") and "scope" in {a["name"] for a in schema.field("Tenant", name)["args"]}
    if not view.allows(TENANT_FIELD_RESOURCE.get(name)):
        raise Refused("PERMISSION_DENIED")  # a client without the field's read scope
    if name in STUDENT_LISTS and (t is not view.me or t.kind != "SCHOOL"):
        raise Refused(STUDENT_DATA_STAYS_AT_SCHOOL)
    if name in ("studentFiles", "referrals") and t is not view.me:
        raise Refused(STUDENT_REFUSAL)  # never an empty list: a bureau, a sibling, a client of another tenant
    if name in ("studentFiles", "referrals") and not view.reads_students:
        raise Refused("PERMISSION_DENIED")  # the school's own VIEWER or AUDITOR
    if not mine and (name in SUBTREE_FIELDS or (is_records and args.get("scope") == "SUBTREE")):
        raise Refused("ANCESTOR_SUBTREE")
    if value is _ABSENT:
        return
    if name == "report" and not mine:
        ctx.check(value is None, f"LEAK: the report of {t!r}, above {view.me!r}, answered: {value}")
        return
    exact = view.exact
    if name in ("id", "code", "name", "kind", "depth"):
        want = {"id": id_of("Tenant", t.id), "code": t.code, "name": t.name, "kind": t.kind, "depth": t.depth}[name]
        ctx.check(value == want, f"Tenant.{name} of {t!r}: {value!r} != {want!r}")
    elif name == "disclosurePolicy":
        want = {"detailResources": DEFAULT_DETAIL_RESOURCES, "personalRoles": DEFAULT_PERSONAL_ROLES, "isDefault": True}
        ctx.check({k: v for k, v in value.items() if k in want} == {k: v for k, v in want.items() if k in value},
                  f"disclosurePolicy seen from {t!r}: {value} != default {want}")  # fmt: skip
    elif name == "parent":
        ctx.check((value and value["code"]) == (t.parent.code if t.parent else None), f"parent of {t!r}")
    elif name == "ancestors":
        ctx.check([a["code"] for a in value] == [a.code for a in t.ancestors], f"ancestors of {t!r}")
    elif name == "children":
        want = sorted(c.code for c in world.tenants if c.parent is t and c.id in view.visible and args.get("kind") in (None, c.kind))
        got = [n["code"] for n in value["nodes"]]
        ctx.check(set(got) <= set(want), f"LEAK: children of {t!r}: {sorted(set(got) - set(want))}")
        if exact:
            ctx.check(got == want, f"children of {t!r}: {got} != oracle {want}")
    elif is_records:
        node_type = schema.connection_node(base)
        if node_type not in world.records:
            return  # a record type this world does not generate: the walk still checks every id
        scope = args.get("scope", "OWN")

        def owned(row: dict[str, Any]) -> bool:
            owner = world.owner(row)
            in_scope = owner is t if scope == "OWN" else t.covers(owner)
            narrowed = args.get("schoolYear") in (None, row["school_year"]) if node_type in ("SchoolClass", "SchoolActivity") else True
            return in_scope and narrowed and (node_type != "Staff" or args.get("kind") in (None, row["kind"]))

        want = view.records(node_type, owned)
        got = {decode_id(n["id"])[1] for n in value["nodes"]}
        ctx.check(got <= want, f"LEAK: {name}({scope}) of {t!r} shows {len(got - want)} records the oracle hides")
        if exact:
            ctx.check(got == want, f"{name}({scope}) of {t!r}: {len(got)} records, oracle {len(want)}")
    elif name in STUDENT_LISTS:
        node_type = STUDENT_LISTS[name]
        want = view.records(node_type, lambda r: r["tenant_id"] == t.id and args.get("schoolYear") in (None, r.get("school_year")))
        got = {decode_id(n["id"])[1] for n in value["nodes"]}
        ctx.check(got <= want, f"LEAK: {name} of {t!r} shows {len(got - want)} records the oracle hides")
        ctx.check(got == want, f"{name} of {t!r}: {len(got)} records, oracle {len(want)}")
    elif not exact:
        return
    elif name == "report":
        check_report(ctx, t, args["period"], value)
    elif name == "reportingCompleteness":
        check_completeness(ctx, t, args["period"], value)
    elif name in ("childReports", "lateReports"):
        period = args["period"]
        if name == "childReports":
            want = [c for c in world.children(t) if args.get("approvalState") in (None, approval_state(world, c, period))]
        else:
            want = [x for x in sorted(world.subtree(t), key=lambda x: x.code) if x is not t and is_late(world, x, period)]
        got, want_codes = [n["tenant"]["code"] for n in value["nodes"]], [x.code for x in want]
        ctx.check(set(got) <= set(want_codes), f"LEAK: {name}({period}) of {t!r} lists {sorted(set(got) - set(want_codes))}")
        ctx.check(got == want_codes, f"{name}({period}) of {t!r}: {got} != oracle {want_codes}")
        for n, x in zip(value["nodes"], want, strict=False):
            check_report(ctx, x, period, n)
    elif name == "targetProgress":
        want_targets = in_force(world, t, args.get("indicators"))
        got_codes, want_codes = [e["indicator"] for e in value], [r["indicator"] for r in want_targets]
        ctx.check(got_codes == want_codes, f"targetProgress of {t!r}: {got_codes} != oracle {want_codes}")
        for e, r in zip(value, want_targets, strict=False):
            scope, where = world.owner(r), f"targetProgress {r['indicator']} of {t!r}"
            expected = {"value": r["value"], "dueDate": r["due_date"].isoformat(), "inherited": scope is not t,
                        "setBy": world.by_id[r["set_by_id"]].code, "scope": scope.code,
                        # the record itself only where node(id:) would show it: set for the principal's subtree
                        "target": id_of("Target", r["id"]) if view.sees_record(r) else None}  # fmt: skip
            for key, want_value in expected.items():
                if key in e:
                    answer = e[key]["code" if key in ("setBy", "scope") else "id"] if isinstance(e[key], dict) else e[key]
                    ctx.check(answer == want_value, f"{where}.{key}: {answer!r} != oracle {want_value!r}")
            if isinstance(e.get("progress"), dict):
                check_progress(ctx, f"{where}.progress", e["progress"], t, r["indicator"], r["value"], r["due_date"])
    elif name == "staffCounts":
        active = [r for r in world.rows[Staff] if r["active"] and t.covers(world.owner(r))]
        kinds = Counter(r["kind"] for r in active)
        want = {"fullTime": kinds["FULL_TIME"], "partTime": kinds["PART_TIME"], "hiredCounsellors": kinds["HIRED_COUNSELLOR"],
                "homeroomTeachers": kinds["HOMEROOM"], "subjectTeachers": kinds["TEACHER"], "principals": kinds["PRINCIPAL"],
                "total": len(active)}  # fmt: skip
        ctx.check({k: value[k] for k in want if k in value} == {k: v for k, v in want.items() if k in value}, f"staffCounts of {t!r}: oracle {want}")
    elif name in ("studentFiles", "referrals"):
        type_name = "StudentFile" if name == "studentFiles" else "Referral"

        def listed(row: dict[str, Any]) -> bool:
            if row["tenant_id"] != t.id:
                return False
            if name == "studentFiles":
                return args.get("concernLevel") in (None, row["concern_level"])
            return args.get("state") in (None, row["state"])

        want = view.records(type_name, listed)
        got = {decode_id(n["id"])[1] for n in value["nodes"]}
        ctx.check(got <= want, f"LEAK: {name} of {t!r} shows {len(got - want)} records the oracle hides")
        ctx.check(got == want, f"{name} of {t!r}: {len(got)} records, oracle {len(want)}")
    elif name == "crisisPlan":
        rows = [r for r in world.records["CrisisPlan"].values() if r["tenant_id"] == t.id and view.sees_record(r)]
        ctx.check((value and value["id"]) == (id_of("CrisisPlan", rows[0]["id"]) if rows else None), f"crisisPlan of {t!r}")
    elif name == "schoolProfile":
        rows = [r for r in world.records["SchoolProfile"].values() if r["tenant_id"] == t.id and view.sees_record(r)]
        ctx.check((value and value["id"]) == (id_of("SchoolProfile", rows[0]["id"]) if rows else None), f"schoolProfile of {t!r}")
    elif name == "enrolment":
        rows = [r for r in world.rows[SchoolEnrolment] if r["tenant_id"] == t.id and r["school_year"] == args["schoolYear"] and view.sees_record(r)]
        ctx.check(value == (rows[0]["students"] if rows else None), f"enrolment of {t!r} in {args['schoolYear']}: {value}")
    elif name == "creditSummary":
        year = args["year"]
        teachers = [r for r in world.rows[Staff] if r["active"] and r["kind"] in TEACHER_KINDS and t.covers(world.owner(r))]
        ids = {r["id"] for r in teachers}
        done = [a for a in world.rows[TrainingAttendance] if a["staff_id"] in ids and a["completed"] and a["credit_year"] == year]
        total = float(sum(a["credits_awarded"] for a in done))
        want = {"year": year, "teachers": len(teachers), "creditsTotal": total, "teachersTrained": len({a["staff_id"] for a in done}),
                "creditsPerTeacher": total / len(teachers) if teachers else None}  # fmt: skip
        for key, expected in want.items():
            if key in value:
                got = value[key]
                same = got == expected if expected is None or got is None else math.isclose(got, expected, abs_tol=1e-6)
                ctx.check(same, f"creditSummary({year}).{key} of {t!r}: {got} != oracle {expected}")
    elif name == "indicators":
        # The engine's figures over the whole subtree, computed with a system session: what the
        # principal gets must be the full figure (it covers the subtree), never a partial one.
        await load_live_figures(ctx.api, ctx.view.world, {check_year(args.get("year"))})  # the patterns' cells
        runtime = ctx.api.app.state.runtime
        async with runtime.sessionmaker() as session:
            as_system(session, "isolation oracle")
            values = await compute_indicators(
                session, [TenantRef(id=t.id, path=t.path, depth=t.depth, kind=t.kind)], year=check_year(args.get("year")),
                standard=standard(runtime.settings.standards_version),
                codes=list(dict.fromkeys(args["codes"])) if "codes" in args else None,
            )  # fmt: skip
        want_codes = list(dict.fromkeys(args["codes"])) if "codes" in args else [c for (_, c) in values]
        ctx.check([v["indicator"] for v in value] == want_codes, f"indicators of {t!r}: codes")
        for v in value:
            w = values[t.id, v["indicator"]]
            if v["indicator"] == "FOUR_SPECIAL_STUDENTS":
                # The engine's count is the one the generated rows give (the pattern is decided on those)
                cell = live_cells(ctx.view.world, t.root)[t.id]  # type: ignore[arg-type]
                engine = (w.state.value, w.numerator)
                ctx.check(engine == cell, f"FOUR_SPECIAL_STUDENTS of {t!r}: engine {engine} != rows {cell}")
            seen = as_seen(ctx.view, t, v["indicator"], figure(w), "live", check_year(args.get("year")))
            for key, expected in (("numerator", seen["numerator"]), ("denominator", seen["denominator"]),
                                  ("unitsTotal", w.units_total), ("unitsNotReported", w.units_not_reported),
                                  ("state", seen["state"]), ("value", seen["value"])):  # fmt: skip
                if key in v:
                    got = v[key]
                    same = got == expected if not isinstance(expected, float) or got is None else math.isclose(got, expected, abs_tol=1e-9)
                    ctx.check(same, f"indicator {v['indicator']}.{key} of {t!r}: {got} != system {expected}")
    elif name == "gaps":
        if t.kind != "SCHOOL":
            ctx.check(value == [], f"gaps of bureau {t!r}")
            return
        runtime = ctx.api.app.state.runtime
        async with runtime.sessionmaker() as session:
            as_system(session, "isolation oracle")
            gaps = await school_gaps(session, [t.id], year=check_year(args.get("year")), standard=standard(runtime.settings.standards_version))
        ctx.check([g["code"] for g in value] == [g.code for g in gaps.get(t.id, [])], f"gaps of {t!r}")


_ABSENT = object()


# ---------------------------------------------------------------------------------------------
# Queries: one root field each, drawn from the introspected schema
# ---------------------------------------------------------------------------------------------

Check = Callable[[Ctx], Any]


@dataclass
class Query:
    root: str
    text: str
    variables: dict[str, Any]
    check: Check

    def __repr__(self) -> str:
        return f"Query({self.root}, {self.variables}, {self.text[:160]!r})"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))


def draw_query(data: Any, schema: Schema, view: View, focus: frozenset[str] | None = None) -> Query:
    """One query; with `focus`, only of those Tenant fields, under the roots that reach tenants and
    nodes, and node ids of student-level records and rounds (the student wall's own profile)."""
    world = view.world
    roots = schema.root_fields if focus is None else ["tenant", "tenants", "node", "nodes"]
    root = data.draw(st.sampled_from(roots), label="root field")
    all_ids = [id_of("Tenant", t.id) for t in world.tenants] + [
        id_of(name, rid) for name, rows in world.records.items() for rid in rows
        if focus is None or name in STUDENT_LEVEL_TYPES or name == "ScreeningRound"
    ]
    ghost = id_of(data.draw(st.sampled_from(schema.node_types), label="ghost id type"), new_id())
    # "Elsewhere" is the world's other city (and the trees earlier examples left in the database).
    codes = [t.code for t in world.tenants] + ["360799", "2136999999", "not a code"]

    if root == "viewer":
        async def check_viewer(ctx: Ctx) -> None:
            v = ctx.body["data"]["viewer"]
            ctx.check(v["subject"] == subject_of(view) and v["roles"] == sorted(view.roles) and v["scopes"] == sorted(view.scopes), "viewer")
            ctx.check(v["tenant"]["code"] == view.me.code, "viewer.tenant")

        return Query(root, "{ viewer { __typename subject roles scopes tenant { __typename id code } } }", {}, check_viewer)

    if root == "indicatorDefinitions":
        async def check_definitions(ctx: Ctx) -> None:
            ctx.check(ctx.body["data"]["indicatorDefinitions"] and not ctx.body.get("errors"), "indicatorDefinitions")

        return Query(root, "{ indicatorDefinitions { code name unit valueKind } }", {}, check_definitions)

    tf = draw_tenant_field(data, schema, focus)
    nullable_field = not unwrap(schema.field("Tenant", tf.name)["type"])[2]
    def fragments(tenant_selection: str) -> str:
        return " ".join(
            f"... on {n} {{ {tenant_selection if n == 'Tenant' else schema.selection(n, alias=True)} }}" for n in schema.node_types
        )

    async def tenant_answer(ctx: Ctx, t: Node | None, answered: Any, errors_ok: bool = True) -> None:
        """The answer for one tenant: null if unseen; else the drawn field checked (or its refusal)."""
        if t is None or t.id not in view.visible:
            ctx.check(answered is None, f"LEAK: {t!r} answered to {view.me!r}")
            return
        try:
            await check_tenant_field(ctx, schema, t, tf, _ABSENT)
        except Refused as refusal:
            ctx.check(refusal.code in error_codes(ctx.body), f"expected {refusal.code} for {tf.name} on {t!r}")
            if nullable_field:  # the error nulls the field only
                ctx.check(answered is not None and answered.get(tf.name) is None, f"refused {tf.name} on {t!r} not null")
            else:  # ... or, for a non-null field, the tenant
                ctx.check(answered is None, f"refused {tf.name} on {t!r}: the tenant should be null")
            return
        if view.exact:
            ctx.check(answered is not None, f"{t!r} is visible to {view.me!r} but came back null")
        if answered is not None:
            ctx.check(answered["code"] == t.code, "tenant code")
            await check_tenant_field(ctx, schema, t, tf, answered[tf.name])

    if root == "tenant":
        # Half the time one the principal sees (answered), else any (mostly null for a school).
        seen = [t.code for t in world.tenants if t.id in view.visible]
        code = data.draw(st.sampled_from(seen) | st.sampled_from(codes), label="tenant(code:)")

        async def check_tenant(ctx: Ctx) -> None:
            await tenant_answer(ctx, world.by_code.get(code), ctx.body["data"]["tenant"])

        return Query(root, f"query ($c: String!) {{ tenant(code: $c) {{ __typename id code {tf.text} }} }}", {"c": code}, check_tenant)

    if root == "node":
        gid = data.draw(st.sampled_from([*all_ids, ghost]), label="node(id:)")

        async def check_node(ctx: Ctx) -> None:
            await check_one_node(ctx, gid, ctx.body["data"]["node"])

        async def check_one_node(ctx: Ctx, gid: str, answered: Any) -> None:
            type_name, value = decode_id(gid)
            if type_name == "Tenant":
                await tenant_answer(ctx, world.by_id.get(value), answered)
                return
            row = world.records.get(type_name, {}).get(value)
            if row is None or not view.sees_record(row) or not view.allows(NODE_RESOURCE.get(type_name, type_name)):
                ctx.check(answered is None, f"LEAK: node {type_name} of {row and world.owner(row)!r} answered to {view.me!r}")
            elif view.exact:
                ctx.check(answered is not None and answered["id"] == gid, f"{type_name} of {world.owner(row)!r} is visible but came back null")

        return Query(root, f"query ($id: ID!) {{ node(id: $id) {{ __typename id {fragments('code ' + tf.text)} }} }}", {"id": gid}, check_node)

    if root == "nodes":
        gids = data.draw(st.lists(st.sampled_from([*all_ids, ghost]), min_size=1, max_size=8), label="nodes(ids:)")

        async def check_nodes(ctx: Ctx) -> None:
            answers = ctx.body["data"]["nodes"]
            ctx.check(len(answers) == len(gids), "nodes length")
            for gid, answered in zip(gids, answers, strict=True):
                type_name, value = decode_id(gid)
                if type_name == "Tenant":
                    t = world.by_id.get(value)
                    seen = t is not None and value in view.visible
                    ctx.check(seen or answered is None, f"LEAK: nodes shows tenant {t!r}")
                    if view.exact:
                        ctx.check(not seen or answered is not None, f"nodes: visible tenant {t!r} came back null")
                    continue
                row = world.records.get(type_name, {}).get(value)
                seen = row is not None and view.sees_record(row) and view.allows(NODE_RESOURCE.get(type_name, type_name))
                ctx.check(seen or answered is None, f"LEAK: nodes shows {type_name} of {row and world.owner(row)!r}")
                if view.exact:
                    ctx.check(not seen or answered is not None, f"nodes: visible {type_name} came back null")

        # Tenant fields on a list would make one refused ancestor null the whole list: use ids only.
        return Query(root, f"query ($ids: [ID!]!) {{ nodes(ids: $ids) {{ __typename id {fragments('code')} }} }}",
                     {"ids": gids}, check_nodes)  # fmt: skip

    if root == "tenants":
        # Half the time under a tenant the principal sees (a list to check), else anywhere (mostly refused).
        seen = [t.code for t in world.tenants if t.id in view.visible]
        under = data.draw(st.sampled_from([None, *seen]) | st.sampled_from(codes), label="under")
        kind = data.draw(st.sampled_from([None, "CITY", "COUNTY", "SCHOOL"]), label="kind")
        # Drawn from fixed lists (codes differ when an example is replayed; the draws must not).
        tail = data.draw(st.sampled_from(world.tenants), label="search tail of").name[-2:]
        search = data.draw(st.none() | st.sampled_from([tail, "测试", "县", "学校", "市", "1", "-1", "%", "_", "x"]), label="search")
        variables = {"under": under, "kind": kind, "search": search}

        async def check_tenants(ctx: Ctx) -> None:
            base = view.me if under is None else world.by_code.get(under)
            if base is None or base.id not in view.visible:
                refused = ctx.body["data"] is None and ("NOT_FOUND" in error_codes(ctx.body) or not view.exact)
                ctx.check(refused, f"tenants(under: {under}) not refused")
                return
            want = [t for t in sorted(world.tenants, key=lambda t: t.code)
                    if t is not base and base.covers(t) and t.id in view.visible and kind in (None, t.kind)
                    and (search is None or search in t.name)]  # fmt: skip
            refusals = []
            for t in want:
                try:
                    await check_tenant_field(ctx, schema, t, tf, _ABSENT)
                except Refused as refusal:
                    refusals.append(refusal.code)
            if refusals and nullable_field:  # each refused field is null, the list stands
                ctx.check(refusals[0] in error_codes(ctx.body), f"expected {refusals[0]} in a list")
                got = ctx.body["data"]["tenants"]["nodes"]
                ctx.check([n["code"] for n in got] == [t.code for t in want], "tenants with a refused field")
                ctx.check(all(n[tf.name] is None for n in got), f"refused {tf.name} answered in a list")
                return
            if refusals:
                ctx.check(ctx.body["data"] is None and refusals[0] in error_codes(ctx.body), f"expected {refusals[0]} in a list")
                return
            got = ctx.body["data"]["tenants"]["nodes"]
            ctx.check({n["code"] for n in got} <= {t.code for t in want}, f"LEAK: tenants lists {sorted({n['code'] for n in got} - {t.code for t in want})}")
            if view.exact:
                ctx.check([n["code"] for n in got] == [t.code for t in want], f"tenants: {[n['code'] for n in got]} != oracle {[t.code for t in want]}")
            for n in got:
                t = world.by_code[n["code"]]
                await check_tenant_field(ctx, schema, t, tf, n[tf.name])

        text = ("query ($under: String, $kind: TenantKind, $search: String) { tenants(under: $under, kind: $kind, search: $search, first: 100) "
                f"{{ nodes {{ __typename id code {tf.text} }} }} }}")  # fmt: skip
        return Query(root, text, variables, check_tenants)

    if root == "auditEvents":
        # Events are produced by the queries themselves (this example's, and earlier examples' in
        # other cities): every event shown must be of a principal in the asker's subtree.
        personal_only = data.draw(st.booleans(), label="personalOnly")
        by_subject = data.draw(st.none() | st.sampled_from(world.tenants), label="subject of")
        variables = {"p": personal_only, "s": None if by_subject is None else f"user@{by_subject.code}"}

        async def check_audit(ctx: Ctx) -> None:
            if not view.audit:
                ctx.check(ctx.body["data"] is None and "PERMISSION_DENIED" in error_codes(ctx.body), "auditEvents not refused")
                return
            nodes = ctx.body["data"]["auditEvents"]["nodes"]
            for event in nodes:
                ctx.check(event["tenant"] is not None, f"LEAK: an audit event of a tenant outside {view.me!r}'s view: {event}")
                if variables["s"] is not None:
                    ctx.check(event["subject"] == variables["s"], "auditEvents(subject:) filter")
                if personal_only:
                    ctx.check(bool(event["personalFieldsRead"]), "auditEvents(personalOnly:) filter")

        text = ("query ($p: Boolean!, $s: String) { auditEvents(last: 50, personalOnly: $p, subject: $s) "
                f"{{ nodes {{ {schema.selection('AuditEvent')} }} }} }}")  # fmt: skip
        return Query(root, text, variables, check_audit)

    if root in ("deliveries", "deliveryEndpoints"):
        # Only a city's principals get here (root_allowed): the rest are refused before this check.
        type_name = "Delivery" if root == "deliveries" else "DeliveryEndpoint"
        status = period = None
        if root == "deliveries":
            status = data.draw(st.sampled_from([None, *schema.enum_values("DeliveryStatus")]), label="status")
            period = data.draw(st.sampled_from([None, *REPORT_PERIODS]), label="period")

        async def check_deliveries(ctx: Ctx) -> None:
            answer = ctx.body["data"][root]
            got = [decode_id(n["id"])[1] for n in (answer["nodes"] if root == "deliveries" else answer)]
            want = sorted((rid for rid, r in world.records[type_name].items()
                           if r["tenant_id"] == view.me.id and status in (None, r.get("status"))
                           and period in (None, r.get("period"))), key=lambda rid: rid.int)  # fmt: skip
            ctx.check(set(got) <= set(want), f"LEAK: {root} of {view.me!r} shows {len(set(got) - set(want))} rows of others")
            ctx.check(got == want, f"{root} of {view.me!r}: {len(got)} rows, oracle {len(want)}")

        selection = schema.selection(type_name)
        if root == "deliveries":
            text = ("query ($s: DeliveryStatus, $p: String) "
                    f"{{ deliveries(first: 100, status: $s, period: $p) {{ nodes {{ {selection} }} }} }}")  # fmt: skip
            return Query(root, text, {"s": status, "p": period}, check_deliveries)
        return Query(root, f"{{ deliveryEndpoints {{ {selection} }} }}", {}, check_deliveries)

    if root == "adxDocument":
        adx_period = data.draw(st.sampled_from(REPORT_PERIODS), label="ADX period")

        async def check_adx_document(ctx: Ctx) -> None:
            document = ctx.body["data"]["adxDocument"]
            ctx.check(isinstance(document, str), f"adxDocument({adx_period}) of {view.me!r}: {document!r}")
            check_adx(ctx, adx_period, document)

        return Query(root, "query ($p: String!) { adxDocument(period: $p) }", {"p": adx_period}, check_adx_document)

    raise AssertionError(f"root field {root!r} has no generator: add it (and its oracle) to this suite")


# ---------------------------------------------------------------------------------------------
# The property, and the count of checks
# ---------------------------------------------------------------------------------------------

CHECKS: Counter[str] = Counter()
FAILED: Counter[str] = Counter()
TIMES: Counter[str] = Counter()


class _Report:
    """Prints the totals at the end of the run (registered once, from the fixture below)."""

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not CHECKS and not FAILED:
            return
        per = ", ".join(f"{CHECKS[b]:,} on {b} ({TIMES[b]:.1f} s)" for b in sorted(CHECKS))
        terminalreporter.write_line(f"isolation checks: {per}, {sum(FAILED.values())} leaks or mismatches")
        shown = ", ".join(f"{SUPPRESSION_SEEN[k]:,} {k}" for k in sorted(SUPPRESSION_SEEN))
        terminalreporter.write_line(f"student-derived figures checked above the school: {shown or 'none'}")


@pytest.fixture
def report(request: pytest.FixtureRequest) -> None:
    manager = request.config.pluginmanager
    if not manager.has_plugin("runxin-isolation-report"):
        manager.register(_Report(), "runxin-isolation-report")


@pytest.fixture(name="settings")
def roomy_settings(database_url: str, tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    """The e2e settings with the document and cost limits out of the way: this suite asks big
    documents (every node type's fields in one `node`) many times, and limits are tested elsewhere."""
    roomy = {"max_aliases": 10_000, "max_tokens": 1_000_000, "max_query_depth": 50, "max_nodes": 10_000_000,
             "cost_bucket": 10_000_000, "cost_per_second": 1_000_000.0}  # fmt: skip
    known = {f.name for f in dataclasses.fields(Settings)}
    overrides = {k: v for k, v in roomy.items() if k in known}
    return Settings.from_env(env_file=None, data_dir=tmp_path / "data", database_url=database_url, **overrides)


def backend_of(url: str) -> str:
    return "postgres" if url.startswith("postgresql") else "sqlite"


def subject_of(view: View) -> str:
    return f"rx_{view.me.code}" if view.client else f"user@{view.me.code}"


ROLE_NAMES = sorted(PERSONAL_RULES) + [UNKNOWN_ROLE]


@st.composite
def principal_plans(draw: Any, world: World) -> View:
    """A person (roles; scopes on the token grant nothing) or an API client (scopes; roles ignored)."""
    # A third each at a city, at a county, anywhere (mostly schools): bureaus see more, so their
    # answers check more, and only a city's principals get past the delivery fields' refusal.
    level = draw(st.sampled_from(("CITY", "COUNTY", None)), label="principal's level")
    me = draw(st.sampled_from([t for t in world.tenants if level in (None, t.kind)]), label="principal's tenant")
    client = draw(st.integers(0, 2), label="client (2) or person") == 2
    roles = draw(st.frozensets(st.sampled_from(ROLE_NAMES), max_size=2), label="roles")
    if client:
        # Mostly tenants:read (without it every tenant field is refused), plus a few more.
        base = draw(st.sampled_from([frozenset({"tenants:read"}), frozenset({"tenants:read"}), frozenset()]), label="base scope")
        scopes = base | draw(st.frozensets(st.sampled_from(SCOPES), max_size=4), label="scopes")
    else:
        scopes = draw(st.sampled_from([frozenset(), frozenset(), frozenset({"staff.personal:read", "audit:read"})]), label="person's scopes")
    return View(world, me, roles, scopes, client=client)


# The minimum each root field needs: (permission, resource); viewer needs nothing. "city": read, by
# a principal whose own tenant is a city (deliveries are the city bureau's, never a county's or a school's).
ROOT_NEEDS = {
    "node": "read", "nodes": "read", "tenant": "read", "tenants": "read", "indicatorDefinitions": "read", "auditEvents": "audit",
    "deliveries": "city", "deliveryEndpoints": "city", "adxDocument": "city",
}  # fmt: skip
ROOT_RESOURCE = {
    "node": "tenants", "nodes": "tenants", "tenant": "tenants", "tenants": "tenants", "indicatorDefinitions": "indicators",
    "deliveries": "deliveries", "deliveryEndpoints": "deliveries", "adxDocument": "deliveries",
}  # fmt: skip


def root_allowed(view: View, root: str) -> bool:
    need = ROOT_NEEDS.get(root)
    if need is None:
        return True
    if need == "audit":
        return view.audit
    if need == "city" and view.me.kind != "CITY":
        return False
    return view.allows(ROOT_RESOURCE[root])


def needs_live_figures(query: Query) -> bool:
    """Does the oracle of this query need the engine's figures (progress of targets, changes since approval)?"""
    return "progress" in query.text or "changesSinceApproved" in query.text


@st.composite
def plans(
    draw: Any, schema: Schema, principals_max: int, queries_max: int, focus: frozenset[str] | None = None
) -> tuple[World, list[tuple[View, list[Query]]]]:
    """The whole example, drawn before anything runs: the world, its principals and their queries.

    Nothing outside the choices decides a draw: the schema is the app's own (fixed for the
    process), and codes and ids only label what the draws picked.
    """
    world = draw(worlds(), label="world")
    sessions = []
    for _ in range(draw(st.integers(1, principals_max), label="principals")):
        view = draw(principal_plans(world), label="principal")
        count = draw(st.integers(1, queries_max), label="queries")
        queries = [draw_query(_Drawer(draw), schema, view, focus) for _ in range(count)]
        sessions.append((view, queries))
    return world, sessions


class _Drawer:
    """`data.draw(strategy, label=...)` for draw_query, over a composite's `draw`."""

    def __init__(self, draw: Any) -> None:
        self._draw = draw

    def draw(self, strategy: Any, label: str | None = None) -> Any:
        return self._draw(strategy, label=label)


async def run_example(api: Any, database_url: str, world: World, sessions: list[tuple[View, list[Query]]]) -> None:
    backend = backend_of(database_url)
    started = time.perf_counter()
    await load_world(api, world)
    try:
        for view, queries in sessions:
            token = api.tokens.issue(
                subject=subject_of(view), tenant_id=view.me.id, roles=sorted(view.roles), scopes=sorted(view.scopes),
                **({"client_id": subject_of(view)} if view.client else {}),
            )  # fmt: skip
            for query in queries:
                if needs_live_figures(query):
                    await load_live_figures(api, world)
                response = await api.post(query.text, query.variables, token=token)
                ctx = Ctx(view, api, query.text, query.variables, unalias(response.json()))
                try:
                    ctx.check(response.status_code in (200, 400), f"HTTP {response.status_code}")
                    ctx.check("INTERNAL_SERVER_ERROR" not in error_codes(ctx.body), "an unexpected (masked) error")
                    if not root_allowed(view, query.root):
                        ctx.check("PERMISSION_DENIED" in error_codes(ctx.body), f"a principal without the right to ask {query.root} was not refused")
                        walk(ctx, ctx.body.get("data"))
                        ctx.check(not any(v for v in (ctx.body.get("data") or {}).values()), "LEAK: an answer without the right to read")
                    else:
                        walk(ctx, ctx.body.get("data"))
                        if ctx.body.get("data") is not None or query.root in ("tenants", "auditEvents"):
                            await query.check(ctx)
                        else:
                            ctx.fail(f"no data: {ctx.body.get('errors')}")
                except Mismatch:
                    FAILED[backend] += 1
                    raise
                CHECKS[backend] += 1
    finally:
        TIMES[backend] += time.perf_counter() - started


COMMON = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    # No example database: a stored failing example would replay on the next run with new codes,
    # which is fine, but the normal run should depend on nothing but this file.
    "database": None,
}
_APP_SCHEMA: list[Schema] = []


def app_schema(api: Any) -> Schema:
    """The app's schema by introspection, in process (no HTTP, no database): the same for every
    example, so the draws made from it depend on the choices only."""
    if not _APP_SCHEMA:
        from graphql import graphql_sync

        _APP_SCHEMA.append(schema_from(graphql_sync(api.app.state.runtime.schema._schema, INTROSPECT).data))
    return _APP_SCHEMA[0]


@pytest.fixture
def bounded_shrink(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shrink a failure for at most a minute, then print the smallest example found so far."""
    from hypothesis.internal.conjecture import engine

    monkeypatch.setattr(engine, "MAX_SHRINKING_SECONDS", 60)


@settings(max_examples=50, phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink], **COMMON)
@given(data=st.data())
async def test_answers_match_the_oracle(api, database_url, report, bounded_shrink, data) -> None:  # type: ignore[no-untyped-def]
    world, sessions = data.draw(plans(app_schema(api), principals_max=3, queries_max=4), label="plan")
    await run_example(api, database_url, world, sessions)


# The student wall's own profile: every query is about student files, referrals, rounds or the
# crisis plan, asked by principals at every level (people and clients), so the refusal above the
# school, the null node(id:) and the withheld round counts are reached in every run.
STUDENT_FIELDS = frozenset({"studentFiles", "referrals", "screeningRounds", "crisisPlan"})


@settings(max_examples=30, phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink], **COMMON)
@given(data=st.data())
async def test_student_records_stay_at_their_school(api, database_url, report, bounded_shrink, data) -> None:  # type: ignore[no-untyped-def]
    world, sessions = data.draw(plans(app_schema(api), principals_max=4, queries_max=5, focus=STUDENT_FIELDS), label="plan")
    await run_example(api, database_url, world, sessions)


@pytest.mark.slow
@settings(max_examples=250, phases=[Phase.explicit, Phase.reuse, Phase.generate], **COMMON)
@given(data=st.data())
async def test_answers_match_the_oracle_heavy(api, database_url, report, data) -> None:  # type: ignore[no-untyped-def]
    world, sessions = data.draw(plans(app_schema(api), principals_max=5, queries_max=8), label="plan")
    await run_example(api, database_url, world, sessions)



# --- reporting completeness, asked of the tenants around each principal ---------------------------
# The generic property reaches Tenant.reportingCompleteness a few times a run; this one asks it of
# the tenants that matter to each principal (its own, one below, its parent, one of the other city),
# so what each principal sees of it is checked every example.


def completeness_targets(world: World, me: Node) -> list[Node]:
    """The principal's tenant, its first child, its parent (above: refused) and a tenant of the other city."""
    below = world.children(me)[:1]
    other = next(t for t in world.tenants if t.root is not me.root)
    return [me, *below, *([me.parent] if me.parent else []), other]


@settings(max_examples=25, phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink], **COMMON)
@given(data=st.data())
async def test_reporting_completeness_matches_the_oracle(api, database_url, report, bounded_shrink, data) -> None:  # type: ignore[no-untyped-def]
    world = data.draw(worlds(), label="world")
    views = [data.draw(principal_plans(world), label="principal") for _ in range(data.draw(st.integers(1, 3), label="principals"))]
    period = data.draw(st.sampled_from(COMPLETENESS_PERIODS), label="period")
    schema = app_schema(api)
    tf = TenantField("reportingCompleteness", {"period": period},
                     f'reportingCompleteness(period: "{period}") {{ {schema.selection("ReportingCompleteness")} }}')  # fmt: skip
    text = f"query ($c: String!) {{ tenant(code: $c) {{ __typename id code {tf.text} }} }}"
    backend = backend_of(database_url)
    await load_world(api, world)
    for view in views:
        token = api.tokens.issue(
            subject=subject_of(view), tenant_id=view.me.id, roles=sorted(view.roles), scopes=sorted(view.scopes),
            **({"client_id": subject_of(view)} if view.client else {}),
        )  # fmt: skip
        for t in completeness_targets(world, view.me):
            response = await api.post(text, {"c": t.code}, token=token)
            ctx = Ctx(view, api, text, {"c": t.code}, unalias(response.json()))
            try:
                ctx.check(response.status_code == 200 and "INTERNAL_SERVER_ERROR" not in error_codes(ctx.body), f"HTTP {response.status_code}")
                walk(ctx, ctx.body.get("data"))
                answered = (ctx.body.get("data") or {}).get("tenant")
                if not view.allows(ROOT_RESOURCE["tenant"]):
                    ctx.check(answered is None and "PERMISSION_DENIED" in error_codes(ctx.body), "tenant() without the right to read")
                elif t.id not in view.visible:
                    ctx.check(answered is None, f"LEAK: {t!r} answered to {view.me!r}")
                else:
                    try:
                        await check_tenant_field(ctx, schema, t, tf, _ABSENT)
                    except Refused as refusal:  # the field is non-null: the refusal nulls the tenant
                        ctx.check(refusal.code in error_codes(ctx.body) and answered is None, f"expected {refusal.code} on {t!r}")
                    else:
                        ctx.check(answered is not None, f"{t!r} is visible to {view.me!r} but came back null: {ctx.body.get('errors')}")
                        await check_tenant_field(ctx, schema, t, tf, answered[tf.name])
            except Mismatch:
                FAILED[backend] += 1
                raise
            CHECKS[backend] += 1

# ---------------------------------------------------------------------------------------------
# Guards: the generators and the oracle know the whole schema and every role
# ---------------------------------------------------------------------------------------------


async def test_every_root_field_and_node_type_is_generated(api) -> None:  # type: ignore[no-untyped-def]
    schema = await schema_of(api)
    assert set(schema.root_fields) <= COVERED_ROOT_FIELDS, f"add {set(schema.root_fields) - COVERED_ROOT_FIELDS} to draw_query and the oracle"
    missing = set(schema.node_types) - set(NODE_MODELS) - {"Tenant"} - PRODUCED_NODE_TYPES
    assert not missing, f"teach worlds() to generate {missing} so node(id:) and the Tenant lists are checked exactly"
    tenant_fields = {f["name"] for f in schema.fields("Tenant")}
    records = {
        f["name"] for f in schema.fields("Tenant") if "scope" in {a["name"] for a in f["args"]} and unwrap(f["type"])[0].endswith("Connection")
    }
    assert tenant_fields - EXACT_TENANT_FIELDS - records == set(), (
        f"Tenant fields {tenant_fields - EXACT_TENANT_FIELDS - records} are only walked for leaks: add their exact oracle"
    )


def student_record_sweep(draw: Any, schema: Schema) -> tuple[World, list[tuple[View, list[Query]]]]:
    """Every student-level list on every tenant and every student-level record by node(id:), asked by
    a person at each tenant of a random world and by an API client with the student scopes: the
    random queries above reach these fields too rarely to show a leak in one run."""
    world = draw(worlds(), label="world")
    private = [(name, rid) for name, rows in world.records.items() for rid in rows if rid in world.private]
    queries: list[Query] = []
    for t in world.tenants:
        for name, node_type in STUDENT_LISTS.items():
            tf = TenantField(name, {}, f"{name}(first: 100) {{ nodes {{ {schema.selection(node_type)} }} }}")
            queries.append(Query("tenant", f"query ($c: String!) {{ tenant(code: $c) {{ __typename id code {tf.text} }} }}",
                                 {"c": t.code}, functools.partial(_check_student_list, schema, t, tf)))  # fmt: skip
    for name, rid in private:
        gid = id_of(name, rid)
        queries.append(Query("node", "query ($id: ID!) { node(id: $id) { __typename id } }", {"id": gid},
                             functools.partial(_check_private_node, name, rid)))  # fmt: skip
    # A school holding student records, its county and city, and a few tenants anywhere.
    holders = sorted({world.owner(world.records[name][rid]).code for name, rid in private})
    picked = []
    if holders:
        school = world.by_code[draw(st.sampled_from(holders), label="school with student records")]
        picked += [school, *school.ancestors]
    picked += draw(st.lists(st.sampled_from(world.tenants), max_size=3), label="other principals")
    sessions = []
    for t in dict.fromkeys(picked):
        as_client = draw(st.booleans(), label="client")
        scopes = frozenset({"tenants:read", "homeschool:read", "mentorship:read"}) if as_client else frozenset()
        sessions.append((View(world, t, frozenset({"ADMIN"}), scopes, client=as_client), queries))
    return world, sessions


async def _check_student_list(schema: Schema, t: Node, tf: TenantField, ctx: Ctx) -> None:
    answered = ctx.body["data"]["tenant"]
    if t.id not in ctx.view.visible:
        ctx.check(answered is None, f"LEAK: {t!r} answered to {ctx.view.me!r}")
        return
    try:
        await check_tenant_field(ctx, schema, t, tf, _ABSENT)
    except Refused as refusal:
        ctx.check(refusal.code in error_codes(ctx.body), f"expected {refusal.code} for {tf.name} on {t!r}")
        ctx.check(answered is None, f"refused {tf.name} on {t!r}: the tenant should be null")
        return
    ctx.check(answered is not None, f"{tf.name} of its own school {t!r} came back null")
    await check_tenant_field(ctx, schema, t, tf, answered[tf.name])


async def _check_private_node(type_name: str, rid: uuid.UUID, ctx: Ctx) -> None:
    answered = ctx.body["data"]["node"]
    row = ctx.view.world.records[type_name][rid]
    seen = ctx.view.sees_record(row) and ctx.view.allows(NODE_RESOURCE[type_name])
    ctx.check(seen or answered is None, f"LEAK: node {type_name} of {ctx.view.world.owner(row)!r} answered to {ctx.view.me!r}")
    ctx.check(not seen or answered is not None, f"{type_name} of {ctx.view.world.owner(row)!r} came back null to its school")


@settings(max_examples=10, phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink], **COMMON)
@given(data=st.data())
async def test_student_level_records_reach_their_school_only(api, database_url, report, bounded_shrink, data) -> None:  # type: ignore[no-untyped-def]
    world, sessions = data.draw(st.composite(lambda draw: student_record_sweep(draw, app_schema(api)))(), label="sweep")
    await run_example(api, database_url, world, sessions)


def test_oracle_knows_every_role() -> None:
    from runxin.tenants.policy import Role

    assert {r.value for r in Role} <= set(PERSONAL_RULES), (
        f"roles {({r.value for r in Role}) - set(PERSONAL_RULES)} are new: write their rule in PERSONAL_RULES and READ_ROLES"
    )
