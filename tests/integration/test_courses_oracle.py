"""ORACLE: the course indicators recomputed in plain Python from the raw rows, after a random
sequence of writes, equal the engine's values and the rollups' stored ones, on both databases.

Hypothesis draws a plan up front: which schools have a profile, the standard in force, and a
sequence of creates and updates of classes, term hours and activities, some of them invalid. Each
write runs through the domain services in a transaction of its own, bound to the school's (or its
county's) principal, as the API does; a refused write rolls back. Then, for the school year under
way and the one before, every tenant of the tree is checked three ways:

- the oracle: the definitions of definitions.py restated over the rows read back (a class's
  school year, its term hours, the activities' dates; the school year and term of an activity from
  its date, not from the columns the service derived), with no SQL;
- the engine: `compute_indicators` over each tenant's subtree;
- the rollups: the workers' stored `aggregate` rows once the outbox is drained.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from runxin.platform.courses.models import ACTIVITY_KINDS, ClassTermHours, SchoolActivity, SchoolClass
from runxin.platform.courses.services import create_activity, create_class, record_term_hours, update_activity, update_class
from runxin.platform.errors import RunxinError
from runxin.platform.indicators import TenantRef, compute_indicators
from runxin.platform.rollup.models import Aggregate
from runxin.platform.schools.models import SchoolProfile
from runxin.platform.standards import STANDARDS
from runxin.platform.tree.models import Tenant
from runxin.tenants.scoping import bind_principal
from tests.factories.rollup import drain
from tests.factories.tree import Tree, make_tree
from tests.integration.test_indicators import principal_for

CLASS_CODES = ("CLASS_HOUR_COMPLIANCE", "CLASS_MEETING_COMPLIANCE", "HEALTH_COMMITTEE_COMPLETE")
SCHOOL_CODES = ("THEME_MONTHS_HELD", "ADAPTATION_ACTIVITIES", "PARENT_TRAINING_HELD")
CODES = CLASS_CODES + SCHOOL_CODES

TODAY = dt.date.today()
YEAR = TODAY.year if TODAY.month >= 9 else TODAY.year - 1  # the school year under way
YEARS = (YEAR - 1, YEAR)
FIRST_DAY = dt.date(YEAR - 1, 9, 1)
NAMES = ("一年级(1)班", "一年级(2)班", "二年级(1)班", "三年级(1)班", "四年级(1)班", "五年级(1)班")
# Fresh city codes per example (the trees of earlier examples stay in the database, settled).
CITY_CODES = iter(f"{p}{n:02d}00" for n in range(1, 100) for p in ("36", "11", "12", "13", "14", "15", "21", "22", "23", "31"))


# --- the plan ---------------------------------------------------------------------------------


@dataclass
class Op:
    kind: str  # class, class_update, hours, activity, activities, activity_update
    school: int  # index of the school (writes) ...
    target: int  # ... or of an earlier class / activity (modulo those that exist)
    values: dict[str, Any]
    by_county: bool  # written by the school's county rather than the school


committee = st.none() | st.integers(0, 3)
committee_fields = {"health_committee_boys": committee, "health_committee_girls": committee}
# Both counts or neither, mostly around the 2 and 2 the standard asks.
committees = st.sampled_from([(None, None), (2, 2), (2, 2), (3, 2), (2, 1), (1, 2), (0, 0), (2, None)]).map(
    lambda pair: {"health_committee_boys": pair[0], "health_committee_girls": pair[1]}
)
class_values = st.fixed_dictionaries(
    {"school_year": st.sampled_from(YEARS), "grade": st.integers(1, 7), "name": st.sampled_from(NAMES)},
    optional={**committee_fields, "students": st.none() | st.integers(0, 60)},
)
class_changes = st.fixed_dictionaries(
    {},
    optional={**committee_fields, "grade": st.integers(1, 6), "name": st.sampled_from(NAMES), "school_year": st.sampled_from(YEARS)},
)


@st.composite
def hours_values(draw: Any) -> dict[str, Any]:
    """A term's hours at the norms' edges: about 1 every 2 weeks or every week, a meeting per 4 weeks."""
    weeks = draw(st.integers(1, 22))
    rate = draw(st.sampled_from((0.5, 1.0)))
    return {
        # Mostly terms of the two school years that have begun (the spring term under way may not have).
        "term": draw(st.sampled_from([f"{YEAR - 1}T1", f"{YEAR - 1}T2", f"{YEAR}T1", f"{YEAR}T2", f"{YEAR - 2}T2"])),
        "teaching_weeks": weeks,
        "mental_health_hours": max(0, math.ceil(weeks * rate) + draw(st.integers(-1, 1))),
        "class_meeting_hours": max(0, weeks // 4 + draw(st.integers(-1, 1))),
    }


# The days that decide something: each term's start and exams, the theme months (and a day off by
# a month), August (in no term), across the two school years; only those already past.
DAYS = [
    day
    for y in (YEAR - 1, YEAR)
    for day in (dt.date(y, 9, 8), dt.date(y, 10, 15), dt.date(y, 11, 3), dt.date(y + 1, 1, 6), dt.date(y + 1, 2, 24),
                dt.date(y + 1, 5, 20), dt.date(y + 1, 6, 12), dt.date(y + 1, 8, 20))
    if day <= TODAY
]  # fmt: skip
days = st.sampled_from(DAYS)
# The days each kind is usually held on (a theme month in its month, an adaptation activity in a term).
FITTING = {
    "THEME_MONTH_MENTAL_HEALTH": [d for d in DAYS if d.month == 5],
    "THEME_MONTH_LIFE_HEALTH": [d for d in DAYS if d.month == 10],
    "ADAPTATION_TERM_START": [d for d in DAYS if d.month in (9, 2)],
    "ADAPTATION_PRE_EXAM": [d for d in DAYS if d.month in (1, 6)],
    "PARENT_TRAINING": DAYS,
}


@st.composite
def activity_values(draw: Any) -> dict[str, Any]:
    kind = draw(st.sampled_from(ACTIVITY_KINDS))
    # Mostly a fitting day, sometimes any (refused for a theme month or in August).
    fitting = FITTING[kind] if FITTING[kind] and draw(st.integers(0, 4)) else DAYS
    values = {"kind": kind, "held_on": draw(st.sampled_from(fitting)), "title": draw(st.sampled_from(("活动", "讲座")))}
    if draw(st.booleans()):
        values["participants"] = draw(st.none() | st.integers(0, 500))
    return values


activity_changes = st.fixed_dictionaries({}, optional={"kind": st.sampled_from(ACTIVITY_KINDS), "held_on": days})
# Most writes go to the first county's two schools, so that a school gathers enough records to meet
# a rule (and its county adds two of them up); the other county's schools get a few.
schools = st.sampled_from([0, 0, 0, 0, 1, 1, 2, 3])


@st.composite
def term_activities(draw: Any) -> dict[str, Any]:
    """A school's adaptation activities or theme months of one school year: all of them, or some."""
    year = draw(st.sampled_from((YEAR - 1, YEAR - 1, YEAR)))  # the year under way has not had its exams yet
    which = draw(st.sampled_from(("adaptation", "autumn adaptation", "theme months")))
    autumn = [("ADAPTATION_TERM_START", dt.date(year, 9, 8)), ("ADAPTATION_PRE_EXAM", dt.date(year + 1, 1, 6))]
    if which == "autumn adaptation":  # the spring term is then begun by term hours, or not at all
        wanted = autumn
    elif which == "adaptation":
        wanted = [*autumn, ("ADAPTATION_TERM_START", dt.date(year + 1, 2, 24)), ("ADAPTATION_PRE_EXAM", dt.date(year + 1, 6, 12))]
    else:
        wanted = [("THEME_MONTH_LIFE_HEALTH", dt.date(year, 10, 15)), ("THEME_MONTH_MENTAL_HEALTH", dt.date(year + 1, 5, 20))]
    every = draw(st.booleans())
    kept = [(kind, day) for kind, day in wanted if day <= TODAY and (every or draw(st.booleans()))]
    return {"list": [{"kind": kind, "held_on": day, "title": "活动"} for kind, day in kept]}


def op(kind: str, values: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[Op]:
    return st.builds(Op, st.just(kind), schools, st.integers(0, 50), values, st.booleans())


# Classes a primary school may have (then the random writes, which may be refused, build on them).
valid_classes = st.lists(
    op(
        "class",
        st.tuples(
            st.fixed_dictionaries({"school_year": st.sampled_from(YEARS), "grade": st.integers(1, 6), "name": st.sampled_from(NAMES)}),
            committees,
        ).map(lambda parts: parts[0] | parts[1]),
    ),
    min_size=1,
    max_size=5,
)


def ops() -> st.SearchStrategy[Op]:
    return st.one_of(
        op("class", class_values), op("class_update", class_changes), op("hours", hours_values()), op("hours", hours_values()),
        op("activity", activity_values()), op("activity", activity_values()), op("activity", activity_values()),
        op("activity_update", activity_changes), op("activities", term_activities()),
        op("activities", term_activities()),
    )  # fmt: skip


@dataclass
class Plan:
    profiles: list[bool]
    standard: str
    writes: list[Op] = field(default_factory=list)


plans = st.builds(
    Plan,
    st.lists(st.integers(0, 9).map(lambda n: n > 0), min_size=4, max_size=4),  # a school in ten has no profile
    st.sampled_from(sorted(STANDARDS)),
    st.tuples(valid_classes, st.lists(ops(), min_size=10, max_size=50)).map(lambda parts: parts[0] + parts[1]),
)


# --- running it -------------------------------------------------------------------------------


async def apply(sessionmaker, tree: Tree, plan: Plan) -> Counter_:  # type: ignore[no-untyped-def]
    schools = tree.all_schools()
    # Records written so far, with the school each belongs to: an update is the owner's (or its county's).
    classes: list[tuple[uuid.UUID, Tenant]] = []
    activities: list[tuple[uuid.UUID, Tenant]] = []
    outcome = Counter_()
    for op in plan.writes:
        targets = classes if op.kind in ("class_update", "hours") else activities if op.kind == "activity_update" else None
        if targets is not None and not targets:
            continue
        record_id, school = targets[op.target % len(targets)] if targets else (None, schools[op.school])
        county = next(c for c in tree.counties if c.id == school.parent_id)
        async with sessionmaker() as session:
            bind_principal(session, principal_for(county if op.by_county else school))
            try:
                if op.kind == "class":
                    classes.append(((await create_class(session, tenant_id=school.id, values=op.values)).id, school))
                elif op.kind == "activity":
                    activities.append(((await create_activity(session, tenant_id=school.id, values=op.values)).id, school))
                elif op.kind == "activities":  # several, each committed on its own
                    for values in op.values["list"]:
                        activities.append(((await create_activity(session, tenant_id=school.id, values=values)).id, school))
                        await session.commit()
                elif op.kind == "class_update":
                    await update_class(session, record_id, op.values)
                elif op.kind == "hours":
                    await record_term_hours(session, record_id, **op.values)
                else:
                    await update_activity(session, record_id, op.values)
                await session.commit()
                outcome.written += 1
            except RunxinError:
                await session.rollback()
                outcome.refused += 1
    return outcome


@dataclass
class Counter_:
    written: int = 0
    refused: int = 0


# --- the oracle -------------------------------------------------------------------------------


def school_year_of(day: dt.date) -> int:
    return day.year if day.month >= 9 else day.year - 1


def term_of(day: dt.date) -> int | None:
    return 1 if day.month >= 9 or day.month == 1 else 2 if day.month <= 7 else None


@dataclass(frozen=True)
class Want:
    units: int
    missing: int
    numerator: float

    @property
    def state(self) -> str:
        return "NOT_APPLICABLE" if self.units == 0 else "NOT_REPORTED" if self.units == self.missing else "REPORTED"


def oracle(rows: dict[str, list[Any]], tenants: list[Tenant], year: int, standard: Any) -> dict[tuple[uuid.UUID, str], Want]:
    """Every course indicator of every tenant's subtree, from the rows alone."""
    profiles = {p.tenant_id for p in rows["profiles"]}
    terms: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for t in rows["hours"]:
        terms[t.class_id].append(t)
    classes = [c for c in rows["classes"] if c.school_year == year]

    def hours_ok(t: Any) -> bool:
        return t.mental_health_hours >= t.teaching_weeks * standard.class_hours_per_week_required

    def meetings_ok(t: Any) -> bool:
        return t.class_meeting_hours >= (t.teaching_weeks // 4) * standard.class_meeting_hours_per_month

    per_class = {
        c.id: {
            "CLASS_HOUR_COMPLIANCE": (bool(terms[c.id]), all(hours_ok(t) for t in terms[c.id])),
            "CLASS_MEETING_COMPLIANCE": (bool(terms[c.id]), all(meetings_ok(t) for t in terms[c.id])),
            "HEALTH_COMMITTEE_COMPLETE": (
                c.health_committee_boys is not None and c.health_committee_girls is not None,
                (c.health_committee_boys or 0) >= standard.health_committee_per_gender
                and (c.health_committee_girls or 0) >= standard.health_committee_per_gender,
            ),
        }
        for c in classes
    }
    held: dict[uuid.UUID, set[tuple[str, int | None]]] = defaultdict(set)
    for a in rows["activities"]:
        if school_year_of(a.held_on) == year:
            held[a.tenant_id].add((a.kind, term_of(a.held_on)))
    class_school = {c.id: c.tenant_id for c in rows["classes"]}
    spring_hours = {class_school[t.class_id] for t in rows["hours"] if t.term == f"{year}T2"}
    per_school = {}
    for school in (t for t in tenants if t.kind == "SCHOOL"):
        kinds = {kind for kind, _ in held[school.id]}
        spring = school.id in spring_hours or any(term == 2 for _, term in held[school.id])
        autumn_done = {("ADAPTATION_TERM_START", 1), ("ADAPTATION_PRE_EXAM", 1)} <= held[school.id]
        spring_done = {("ADAPTATION_TERM_START", 2), ("ADAPTATION_PRE_EXAM", 2)} <= held[school.id]
        reported = school.id in profiles
        per_school[school.id] = {
            "THEME_MONTHS_HELD": (reported, {"THEME_MONTH_MENTAL_HEALTH", "THEME_MONTH_LIFE_HEALTH"} <= kinds),
            "ADAPTATION_ACTIVITIES": (reported, autumn_done and (not spring or spring_done)),
            "PARENT_TRAINING_HELD": (reported, "PARENT_TRAINING" in kinds),
        }
    want = {}
    for tenant in tenants:
        under = {t.id for t in tenants if t.path.startswith(tenant.path)}
        for code in CODES:
            units = [
                facts[code]
                for unit_id, facts in (per_class.items() if code in CLASS_CODES else per_school.items())
                if (class_school[unit_id] if code in CLASS_CODES else unit_id) in under
            ]
            want[tenant.id, code] = Want(
                units=len(units), missing=sum(1 for reported, _ in units if not reported),
                numerator=float(sum(1 for reported, hit in units if reported and hit)),
            )  # fmt: skip
    return want


async def raw_rows(session, tree: Tree) -> dict[str, list[Any]]:  # type: ignore[no-untyped-def]
    ids = [s.id for s in tree.all_schools()]

    async def read(model: type) -> list[Any]:
        statement = select(model).where(model.tenant_id.in_(ids)).execution_options(populate_existing=True)
        return list((await session.execute(statement)).scalars())

    return {
        "profiles": await read(SchoolProfile),
        "classes": await read(SchoolClass),
        "hours": await read(ClassTermHours),
        "activities": await read(SchoolActivity),
    }


def figure(state: str, units: int, missing: int, numerator: float) -> tuple[str, int, int, float]:
    return state, units, missing, round(numerator, 6)


@pytest.fixture
def bounded_shrink(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shrink a failure for at most a minute, then print the smallest example found so far."""
    from hypothesis.internal.conjecture import engine

    monkeypatch.setattr(engine, "MAX_SHRINKING_SECONDS", 60)


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(plan=plans)
async def test_course_indicators_equal_the_oracle_in_the_engine_and_the_rollups(system_session, sessionmaker, bounded_shrink, plan) -> None:  # type: ignore[no-untyped-def]
    # Given a fresh city of 2 counties with 2 primary schools each, some of them with a profile
    tree = await make_tree(system_session, city_code=next(CITY_CODES), counties=2, schools_per_county=2)
    for school, has_profile in zip(tree.all_schools(), plan.profiles, strict=True):
        if has_profile:
            system_session.add(SchoolProfile(tenant_id=school.id, category="21", stages="PRIMARY"))
    await system_session.commit()
    standard = STANDARDS[plan.standard]
    # When the plan's writes run, each in its own transaction, as the school or its county
    outcome = await apply(sessionmaker, tree, plan)
    event(f"writes: {'some' if outcome.written else 'none'} taken, {'some' if outcome.refused else 'none'} refused")
    # and the workers drain the outbox
    await drain(sessionmaker, years=YEARS, standard=plan.standard)
    tenants = [tree.city, *tree.counties, *tree.all_schools()]
    rows = await raw_rows(system_session, tree)
    stored = {
        (row.tenant_id, row.year, row.indicator): row
        for row in (
            await system_session.execute(
                select(Aggregate).where(Aggregate.tenant_id.in_([t.id for t in tenants])).execution_options(populate_existing=True)
            )
        ).scalars()
    }
    for year in YEARS:
        want = oracle(rows, tenants, year, standard)
        for code in CODES:  # how often each rule is met, and failed, somewhere (see --hypothesis-show-statistics)
            figures = [want[t.id, code] for t in tree.all_schools()]
            if any(f.numerator for f in figures):
                event(f"{code} met")
            if any(f.numerator < f.units - f.missing for f in figures):
                event(f"{code} failed")
        # Then the engine agrees with the oracle for every tenant and code
        got = await compute_indicators(system_session, [TenantRef.of(t) for t in tenants], year=year, standard=standard, codes=list(CODES))
        for key, expected in want.items():
            value = got[key]
            assert figure(value.state.value, value.units_total, value.units_not_reported, value.numerator) == figure(
                expected.state, expected.units, expected.missing, expected.numerator
            ), (year, key[1], next(t.code for t in tenants if t.id == key[0]), rows)
            # and so do the rollups' stored figures
            cell = stored.get((key[0], year, key[1]))
            assert cell is not None, ("no stored cell", year, key)
            assert figure(cell.state, cell.units_total, cell.units_not_reported, cell.numerator) == figure(
                expected.state, expected.units, expected.missing, expected.numerator
            ), ("stored", year, key[1])
            assert cell.standards_version == plan.standard
