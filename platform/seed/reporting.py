"""The seed's reporting rhythm: entry windows, when each figure arrived, and the gaps a bureau chases.

Each city sets an entry window for its counties for the two terms of 2025-26 and for the school
year's enrolment; each county sets an earlier one for its schools (a few leave it to the city).
The period-keyed figures generated elsewhere then get realistic arrival times: most arrive before
their deadline, some after it (LATE), and some never (the row is dropped: MISSING); a few on-time
figures were corrected after the deadline, which leaves them on time (their first arrival counts,
platform/completeness/rules.py). Training credits arrive in the fortnight after their session. A
screening round arrives within the week after it was held, or late; none is dropped (its results
hang on it, and the sampled schools that did not screen are generated so, seed/students.py). Only
the sampled schools screen: every other school's screening round for the school year is MISSING.
Every city, even at the tiny scale, has at least one school whose call counts are missing and one
whose counts came late: a demo with nothing to chase demonstrates nothing.

The draws come from a stream of their own (seeded with the seed and the city), so the rest of the
deployment is the same row for row as without them, and the result is the same on every machine.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable
from typing import Any

from runxin.platform.centres.models import CentreActivity
from runxin.platform.hotlines.models import HotlineCallCount
from runxin.platform.periods import parse_period
from runxin.platform.reporting.models import ReportingWindow
from runxin.platform.schools.models import SchoolEnrolment
from runxin.platform.seed.rows import Dataset
from runxin.platform.seed.tree import CURRENT_YEAR, CityPlan
from runxin.platform.students.care import ScreeningRound
from runxin.platform.training.models import TrainingAttendance, TrainingSession

# Per period: (opens, the city's deadline for its counties, the counties' usual deadline for their schools).
WINDOWS = {
    "2025T1": (dt.date(2026, 1, 12), dt.date(2026, 2, 27), dt.date(2026, 2, 13)),
    "2025T2": (dt.date(2026, 7, 6), dt.date(2026, 8, 28), dt.date(2026, 8, 14)),
    f"{CURRENT_YEAR}SY": (dt.date(CURRENT_YEAR, 9, 8), dt.date(CURRENT_YEAR, 10, 30), dt.date(CURRENT_YEAR, 10, 16)),
}
COUNTY_WITHOUT_WINDOW = 0.15  # a county that leaves the period to the city's window
MISSING = {"SCHOOL": 0.06, "COUNTY": 0.04}  # figures never sent
LATE = {"SCHOOL": 0.11, "COUNTY": 0.08}  # figures sent after the deadline
CORRECTED = 0.05  # on-time figures corrected after the deadline
BUREAU_OFFSET = dt.timedelta(hours=-8)  # the bureaus' working day is in UTC+8; rows store UTC


def add_reporting(data: Dataset, city: CityPlan, seed: int) -> None:
    """Add the city's entry windows and give its figures arrival times (dropping the missing ones)."""
    rng = random.Random(f"runxin-seed-reporting/{seed}/{city.code}")
    deadline = _windows(data, city, rng)
    kinds = {c.id: "COUNTY" for c in city.counties} | {s.id: "SCHOOL" for s in city.schools()}
    dated = Arrivals(rng, deadline, kinds)
    data.rows[HotlineCallCount] = dated.of(data.rows[HotlineCallCount], lambda r: r["period"], drop=True)
    data.rows[CentreActivity] = dated.of(data.rows[CentreActivity], lambda r: r["period"], drop=True)
    # Enrolment is never dropped here: schools without this year's enrolment are generated already
    # (tree.py), and the staff-ratio gaps the generator ensures stand on the enrolment it kept.
    data.rows[SchoolEnrolment] = dated.of(data.rows[SchoolEnrolment], lambda r: f"{r['school_year']}SY", drop=False)
    data.rows[HotlineCallCount] = dated.ensure_gaps(data.rows[HotlineCallCount], lambda r: r["period"])
    sessions = {row["id"]: row for row in data.rows[TrainingSession] if row["root_id"] == city.id}
    for row in data.rows[TrainingAttendance]:
        session = sessions.get(row["session_id"])
        if session is not None:
            row["created_at"] = row["updated_at"] = office_hours(session["ends_on"] + dt.timedelta(days=rng.randint(0, 14)), rng)
    # Last, so the figures above come out as they did before rounds were a figure.
    data.rows[ScreeningRound] = dated.of(
        data.rows[ScreeningRound], lambda r: f"{r['school_year']}SY", drop=False, earliest=lambda r: r["held_on"]
    )


def _windows(data: Dataset, city: CityPlan, rng: random.Random) -> dict[tuple[uuid.UUID, str], dt.date]:
    """Add the windows; return the deadline that applies to each county and school per period."""
    deadline: dict[tuple[uuid.UUID, str], dt.date] = {}
    for period, (opens, for_counties, for_schools) in WINDOWS.items():
        data.add(ReportingWindow, tenant_id=city.id, root_id=city.id, period=period, opens_on=opens, closes_on=for_counties)
        for county in city.counties:
            deadline[county.id, period] = closes = for_counties
            if rng.random() >= COUNTY_WITHOUT_WINDOW:
                closes = for_schools + dt.timedelta(days=rng.choice((0, 0, 0, 7)))
                data.add(ReportingWindow, tenant_id=county.id, root_id=city.id, period=period, opens_on=opens, closes_on=closes)
            for school in county.schools:
                deadline[school.id, period] = closes
    return deadline


class Arrivals:
    """Dates the figures of one city: on time, late, or dropped, and remembers which were which."""

    def __init__(self, rng: random.Random, deadline: dict[tuple[uuid.UUID, str], dt.date], kinds: dict[uuid.UUID, str]) -> None:
        self.rng, self.deadline, self.kinds = rng, deadline, kinds
        self.dropped = 0
        self.late: list[dict[str, Any]] = []

    def of(
        self,
        rows: list[dict[str, Any]],
        period_of: Callable[[dict[str, Any]], str],
        *,
        drop: bool,
        earliest: Callable[[dict[str, Any]], dt.date] | None = None,
    ) -> list[dict[str, Any]]:
        """Date `rows`; with `earliest` (the day a record can first be entered, e.g. the day a round
        was held), a figure arrives within the week after it, never before, even without a window."""
        kept = []
        for row in rows:
            due = self.deadline.get((row["tenant_id"], period_of(row)))
            if due is None:  # another city's row, or a period without a window
                if earliest is not None and row["tenant_id"] in self.kinds:
                    self.arrive(row, earliest(row) + dt.timedelta(days=self.rng.randint(0, 7)))
                kept.append(row)
                continue
            kind, draw = self.kinds[row["tenant_id"]], self.rng.random()
            first = earliest(row) if earliest is not None else None
            if draw < MISSING[kind] and drop:
                self.dropped += kind == "SCHOOL"
                continue
            if draw < MISSING[kind] + LATE[kind] or (first is not None and first > due):
                self.arrive(row, max(due, first or due) + dt.timedelta(days=self.rng.randint(1, 40)))
                if kind == "SCHOOL":
                    self.late.append(row)
            else:
                if first is not None:
                    day = first + dt.timedelta(days=self.rng.randint(0, min(7, (due - first).days)))
                else:
                    # Reports come in from the period's end (or the window's opening) to the deadline.
                    end = min(parse_period(period_of(row)).end, due)
                    day = end + dt.timedelta(days=self.rng.randint(0, (due - end).days))
                self.arrive(row, day)
                if self.rng.random() < CORRECTED:
                    row["updated_at"] = office_hours(due + dt.timedelta(days=self.rng.randint(5, 60)), self.rng)
            kept.append(row)
        return kept

    def arrive(self, row: dict[str, Any], day: dt.date) -> None:
        row["created_at"] = row["updated_at"] = office_hours(day, self.rng)

    def ensure_gaps(self, rows: list[dict[str, Any]], period_of: Callable[[dict[str, Any]], str]) -> list[dict[str, Any]]:
        """At least one school's call counts missing and one's late, whatever the scale."""
        late = {r["id"] for r in self.late}
        schools = [r for r in rows if self.kinds.get(r["tenant_id"]) == "SCHOOL" and r["id"] not in late]
        if not self.late and schools:
            row = self.rng.choice(schools)
            self.arrive(row, self.deadline[row["tenant_id"], period_of(row)] + dt.timedelta(days=self.rng.randint(1, 20)))
            self.late.append(row)
            schools.remove(row)
        if not self.dropped and schools:
            gone = self.rng.choice(schools)
            rows = [r for r in rows if r is not gone]
            self.dropped += 1
        return rows


def office_hours(day: dt.date, rng: random.Random) -> dt.datetime:
    """A moment of a working day in UTC+8, stored in UTC."""
    local = dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.randint(0, 59)))
    return (local + BUREAU_OFFSET).replace(tzinfo=dt.UTC)
