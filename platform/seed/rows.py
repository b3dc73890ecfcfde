"""Rows as plain dicts, with deterministic ids and timestamps, collected per table in insert order.

Why not `runxin.platform.ids.new_id`: real UUIDv7s carry the wall clock and OS randomness, so two
seeds with the same arguments would differ. Seed ids keep the UUIDv7 layout (version 7, RFC 4122
variant) so that they sort and index like real ones: the 48-bit millisecond timestamp is a fixed
base plus the id's ordinal (ids are time-ordered in creation order, one millisecond apart) and
the 74 random bits come from a `random.Random` seeded with the seed. Such ids are predictable,
which is fine for demo and benchmark data and nothing else.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

from runxin.platform.centres.models import CentreActivity, CounsellingCentre
from runxin.platform.courses.models import ClassTermHours, SchoolActivity, SchoolClass
from runxin.platform.db.base import Base, Timestamped
from runxin.platform.homeschool.models import HomeVisit
from runxin.platform.hotlines.models import Hotline, HotlineCallCount
from runxin.platform.mentorship.models import MentorAssignment, MentorTeam, MentorTeamMember
from runxin.platform.reporting.models import ReportingWindow
from runxin.platform.recognitions.models import ModelSchoolRecognition
from runxin.platform.schools.models import SchoolEnrolment, SchoolProfile
from runxin.platform.staffing.models import Staff
from runxin.platform.stations.models import Station
from runxin.platform.students.care import ConcernFollowUp, CrisisPlan, Referral, ScreeningResult, ScreeningRound
from runxin.platform.students.models import StudentFile
from runxin.platform.targets.models import Target
from runxin.platform.training.models import TrainingAttendance, TrainingProgramme, TrainingSession
from runxin.platform.tree.models import Tenant, TenantParentLink

# Every row's created_at / updated_at (but the period figures', which seed/reporting.py dates as they
# arrived), and the base of the id timestamps: a fixed instant keeps two seeds byte-identical (the
# start of the 2025-2026 school year).
BASE_TIME = dt.datetime(2025, 9, 1, tzinfo=dt.UTC)
# When the seeded tree took its shape (TenantParentLink.valid_from).
TREE_VALID_FROM = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)

# Parents before children, so foreign keys hold row by row on both databases.
WRITE_ORDER: tuple[type[Base], ...] = (
    Tenant,
    TenantParentLink,
    SchoolProfile,
    ModelSchoolRecognition,
    SchoolEnrolment,
    CounsellingCentre,
    CentreActivity,
    Hotline,
    HotlineCallCount,
    Station,
    Staff,
    TrainingProgramme,
    TrainingSession,
    TrainingAttendance,
    Target,
    ReportingWindow,  # entry windows of the reporting periods (seed/reporting.py)
    CrisisPlan,
    # Student-level rows of the demo schools (seed/students.py, seed/homeschool.py), after the staff they name.
    StudentFile,
    ScreeningRound,
    ScreeningResult,
    ConcernFollowUp,
    Referral,
    HomeVisit,
    MentorAssignment,
    MentorTeam,
    MentorTeamMember,
    # Courses and activities (a class's homeroom teacher is a Staff row, written above).
    SchoolClass,
    ClassTermHours,
    SchoolActivity,
)

_TIMESTAMPED = frozenset(m for m in WRITE_ORDER if issubclass(m, Timestamped))
_BASE_MS = int(BASE_TIME.timestamp() * 1000)
_RAND_B_MASK = (1 << 62) - 1


class IdStream:
    """UUIDv7-shaped ids from a seeded stream (see the module docstring)."""

    def __init__(self, seed: int) -> None:
        # A stream of its own, so that ids do not shift when the data drawn around them changes.
        self._rng = random.Random(f"runxin-seed-ids/{seed}")
        self._ordinal = 0

    def __call__(self) -> uuid.UUID:
        millis = _BASE_MS + self._ordinal
        self._ordinal += 1
        bits = self._rng.getrandbits(74)
        rand_a, rand_b = bits >> 62, bits & _RAND_B_MASK
        return uuid.UUID(int=(millis << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b)


class Dataset:
    """The generated rows of every table, in insert order."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.new_id = IdStream(seed)
        self.rows: dict[type[Base], list[dict[str, Any]]] = {model: [] for model in WRITE_ORDER}
        self.sample_codes: tuple[str, str, str] = ("", "", "")
        self.students_added = False  # student files go to one sample city only (platform/seed/students.py)

    def add(self, model: type[Base], **values: Any) -> dict[str, Any]:
        """Append a row of `model`; fill its id (unless given) and its timestamps."""
        if "id" not in values:
            values["id"] = self.new_id()
        if model in _TIMESTAMPED:
            values["created_at"] = values["updated_at"] = BASE_TIME
        self.rows[model].append(values)
        return values

    def clear(self) -> None:
        """Forget the rows collected so far (they are written); ids keep counting on."""
        for rows in self.rows.values():
            rows.clear()

    def counts(self) -> dict[str, int]:
        return {model.__tablename__: len(rows) for model, rows in self.rows.items()}
