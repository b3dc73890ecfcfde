"""Reporting completeness on real databases: an oracle over random writes, scoping, and the statement count.

The oracle test draws a small tree (a city, two counties, two schools each), the entry windows its
bureaus set, hotlines, centres and teachers with their dates, and a random sequence of writes of
every required figure at random instants around the deadlines (a first arrival, then maybe
corrections through the domain services, which update in place; a screening round is not corrected
but another round added, and the first one recorded is the arrival). It then recomputes every tenant's
state per figure and the rates in plain Python from the raw rows, written here from the rules'
definitions (platform/completeness/rules.py and requirements.py docstrings), and compares them with
the service's, for every tenant of the tree as a root (one batch) and for a county's principal.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from runxin.platform.courses.models import ClassTermHours, SchoolClass
from runxin.platform.centres.models import CentreActivity, CounsellingCentre
from runxin.platform.centres.services import record_centre_activity
from runxin.platform.completeness.requirements import REQUIRED_FIGURES
from runxin.platform.completeness import FigureState, completeness
from runxin.platform.hotlines.models import Hotline, HotlineCallCount
from runxin.platform.hotlines.services import record_call_counts
from runxin.platform.periods import parse_period
from runxin.platform.reporting.models import ReportingWindow
from runxin.platform.schools.models import SchoolEnrolment
from runxin.platform.schools.services import record_enrolment
from runxin.platform.staffing.models import Staff
from runxin.platform.students.care import ScreeningRound
from runxin.platform.students.screening import create_round
from runxin.platform.training.models import TrainingAttendance, TrainingProgramme, TrainingSession
from runxin.platform.tree.models import Tenant
from runxin.tenants.principal import Principal
from runxin.tenants.scoping import as_system, bind_principal
from tests.factories.tree import Tree, make_tree

UTC = dt.UTC
CST = dt.timezone(dt.timedelta(hours=8))
PERIODS = ("2025T1", "2025T2", "2025SY", "2025", "2024T2")
# Fresh city codes per example: the database keeps every example's tree.
CITY_CODES = iter(f"{p}{c:02d}00" for c in range(1, 100) for p in ("36", "11", "32", "33", "44", "51", "61"))


def instants(period: str) -> list[dt.datetime]:
    """Moments around the period's end and its possible deadlines, on both sides of midnight in UTC+8."""
    end = parse_period(period).end
    days = (-40, 0, 9, 10, 19, 20, 45)
    return [dt.datetime.combine(end + dt.timedelta(days=d), t, UTC) for d in days for t in (dt.time(15, 59, 59), dt.time(16, 0))]


# Days into the school year a round is held on: its first day, an autumn day, its last day.
ROUND_DAYS = (dt.timedelta(days=0), dt.timedelta(days=44), dt.timedelta(days=364))


def window_days(period: str) -> list[dt.date]:
    end = parse_period(period).end
    return [end + dt.timedelta(days=d) for d in (9, 19)]


# --- the oracle: the rules, restated over raw rows ------------------------------------------------


def day_end(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), CST)


def utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def judged(owed: bool, present: bool, arrived: dt.datetime | None, due: dt.datetime | None) -> tuple[str, dt.datetime | None]:
    """A figure's (state, first arrival): not owed, owed and not there, or there on time or after `due`."""
    if not owed:
        return ("NOT_REQUIRED", None)
    if not present:
        return ("MISSING", None)
    return ("LATE" if due is not None and utc(arrived) >= due else "PRESENT", arrived)  # type: ignore[arg-type]


def oracle(raw: dict[str, list[Any]], tenants: list[Any], period_id: str, grace: int | None) -> dict[uuid.UUID, dict[str, Any]]:
    """tenant id -> {"deadline": last day or None, "states": {code: (state, arrived)}}."""
    period = parse_period(period_id)
    by_id = {t.id: t for t in tenants}
    windows = {(w.tenant_id, w.period): w for w in raw["windows"]}
    result = {}
    for t in tenants:
        ancestors = [uuid.UUID(hex=p) for p in t.path.strip("/").split("/")][:-1]
        window = next((windows[a, period_id] for a in reversed(ancestors) if (a, period_id) in windows), None)
        last = window.closes_on if window else (period.end + dt.timedelta(days=grace) if grace is not None else None)
        due = day_end(last) if last else None
        states: dict[str, tuple[str, dt.datetime | None]] = {}

        if period.kind == "SCHOOL_YEAR":
            # A school owes its enrolment and a screening round; of several rounds, the first recorded is the arrival.
            for code, rows_of in (("ENROLMENT", raw["enrolment"]), ("SCREENING_ROUND", raw["rounds"])):
                rows = [r for r in rows_of if r.tenant_id == t.id and r.school_year == period.start.year]
                states[code] = judged(t.kind == "SCHOOL", bool(rows), min((utc(r.created_at) for r in rows), default=None), due)
        if period.kind == "TERM":
            for code, owners, link, rows_of in (
                ("HOTLINE_CALLS", [h for h in raw["hotlines"] if h.tenant_id == t.id and h.status == "ACTIVE"
                                   and utc(h.created_at) < day_end(period.end)], "hotline_id", raw["calls"]),
                ("CENTRE_ACTIVITY", [c for c in raw["centres"] if c.tenant_id == t.id and c.status == "OPERATIONAL"
                                     and (c.opening_date is None or c.opening_date <= period.end)], "centre_id", raw["activity"]),
                # Once per class of the term's school year (2025T2 belongs to school year 2025).
                ("CLASS_TERM_HOURS", [c for c in raw["classes"] if c.tenant_id == t.id and c.school_year == int(period.id[:4])],
                 "class_id", raw["term_hours"]),
            ):  # fmt: skip
                kinds = {"HOTLINE_CALLS": ("COUNTY", "SCHOOL"), "CENTRE_ACTIVITY": ("COUNTY",), "CLASS_TERM_HOURS": ("SCHOOL",)}[code]
                answered = {o.id: [r for r in rows_of if getattr(r, link) == o.id and _period_of(r) == period.id] for o in owners}
                present = all(answered.values())
                arrived = max((utc(r.created_at) for rs in answered.values() for r in rs), default=None)
                states[code] = judged(t.kind in kinds and bool(owners), present, arrived, due)
        if period.kind == "YEAR":
            teachers = [s for s in raw["staff"] if s.tenant_id == t.id and s.active and s.kind in ("FULL_TIME", "PART_TIME")
                        and (s.employed_since is None or s.employed_since <= period.end)]  # fmt: skip
            rows = [a for a in raw["attendance"] if a.tenant_id == t.id and a.credit_year == period.start.year]
            states["TRAINING_CREDITS"] = judged(
                bool(teachers), bool(rows), min((utc(r.created_at) for r in rows), default=None), due
            )
        result[t.id] = {"deadline": last, "states": states}
    # Rates: counts over the tenant's own figures, and over its subtree's.
    for tid, entry in result.items():
        own = [s for s, _ in entry["states"].values() if s != "NOT_REQUIRED"]
        entry["own"] = (len(own), own.count("PRESENT"), own.count("LATE"))
    for tid, entry in result.items():
        under = [e for u, e in result.items() if by_id[u].path.startswith(by_id[tid].path)]
        entry["subtree"] = tuple(sum(e["own"][i] for e in under) for i in range(3))
        entry["by_figure"] = {}
        for code in entry["states"]:
            states = [e["states"][code][0] for e in under]
            entry["by_figure"][code] = (len(states) - states.count("NOT_REQUIRED"), states.count("PRESENT"), states.count("LATE"))
    return result


async def raw_rows(session: Any, root_id: uuid.UUID) -> dict[str, list[Any]]:
    async def rows(model: type) -> list[Any]:
        return list((await session.execute(select(model).where(model.root_id == root_id))).scalars())

    return {
        "windows": await rows(ReportingWindow), "enrolment": await rows(SchoolEnrolment), "hotlines": await rows(Hotline),
        "calls": await rows(HotlineCallCount), "centres": await rows(CounsellingCentre), "activity": await rows(CentreActivity),
        "staff": await rows(Staff), "attendance": await rows(TrainingAttendance), "rounds": await rows(ScreeningRound),
        "classes": await rows(SchoolClass), "term_hours": await rows(ClassTermHours),
    }  # fmt: skip


def _period_of(row: Any) -> str:
    # Call counts and centre activity name their period `period`; class hours name it `term`.
    return row.term if isinstance(row, ClassTermHours) else row.period


# --- random worlds of writes -------------------------------------------------------------------


@st.composite
def plans(draw: Any) -> dict[str, Any]:
    """Indices into the tree (city 0, counties 1-2, schools 3-6) and the writes to make, with their instants."""
    bureaus, counties, schools = (0, 1, 2), (1, 2), (3, 4, 5, 6)
    plan: dict[str, Any] = {"grace": draw(st.sampled_from((None, 0, 30)), label="grace days")}
    plan["windows"] = [(b, p, draw(st.sampled_from(window_days(p)))) for p in PERIODS for b in bureaus if draw(st.booleans())]
    plan["hotlines"] = [
        (
            t,
            draw(st.sampled_from(("ACTIVE", "ACTIVE", "SUSPENDED"))),
            draw(st.sampled_from(instants("2025T1") + instants("2025T2"))),
        )
        for t in (*counties, *schools)
        for _ in range(draw(st.integers(0, 2)))
    ]
    plan["centres"] = [
        (
            t,
            status,
            None
            if status != "OPERATIONAL"
            else draw(st.sampled_from((dt.date(2021, 3, 1), dt.date(2026, 1, 31), dt.date(2026, 2, 1)))),
        )
        for t in counties
        if draw(st.booleans())
        for status in [draw(st.sampled_from(("OPERATIONAL", "OPERATIONAL", "UNDER_CONSTRUCTION")))]
    ]
    plan["staff"] = [
        (t, draw(st.sampled_from(("FULL_TIME", "PART_TIME", "HOMEROOM"))), draw(st.booleans()),
         draw(st.sampled_from((None, dt.date(2020, 9, 1), dt.date(2026, 3, 1)))))
        for t in range(7)
        for _ in range(draw(st.integers(0, 2)))
    ]  # fmt: skip

    def writes(periods: tuple[str, ...]) -> list[tuple[str, list[dt.datetime]]]:
        return [(p, sorted(draw(st.lists(st.sampled_from(instants(p)), max_size=3)))) for p in periods]

    plan["calls"] = [(h, writes(("2025T1", "2025T2", "2024T2"))) for h in range(len(plan["hotlines"]))]
    plan["activity"] = [(c, writes(("2025T1", "2025T2"))) for c in range(len(plan["centres"]))]
    plan["enrolment"] = [(s, writes(("2025SY", "2024SY"))) for s in schools]
    # Classes of a school year (0-2 per school), and each one's hours for some terms of it.
    plan["classes"] = [(s, draw(st.sampled_from((2024, 2025)))) for s in schools for _ in range(draw(st.integers(0, 2)))]
    plan["term_hours"] = [
        (c, f"{year}T{term}", draw(st.sampled_from(instants(f"{year}T{term}"))))
        for c, (_, year) in enumerate(plan["classes"])
        for term in draw(st.sets(st.sampled_from((1, 2))))
    ]
    # Screening rounds are not corrected in place: each write is another round of its school year (a
    # school may hold a second one), held on a day of that year, through the service or as a row.
    plan["rounds"] = [
        (s, period, at, draw(st.sampled_from(ROUND_DAYS)), draw(st.booleans()))
        for s in schools
        for period, moments in writes(("2025SY", "2024SY"))
        for at in moments
    ]
    plan["attendance"] = [
        (s, draw(st.sampled_from((2024, 2025))), draw(st.sampled_from(instants("2025"))))
        for s in range(len(plan["staff"]))
        for _ in range(draw(st.integers(0, 2)))
    ]
    return plan


def tenants_of(tree: Tree) -> list[Tenant]:
    return [tree.city, *tree.counties, *tree.all_schools()]


async def stamp(session: Any, model: type, row_id: uuid.UUID, **moments: dt.datetime) -> None:
    """Say when a write happened: the services stamp the wall clock."""
    await session.execute(update(model).where(model.id == row_id).values(**moments))


async def write(session: Any, tree: Tree, plan: dict[str, Any]) -> None:
    ts = tenants_of(tree)
    for b, period, closes in plan["windows"]:
        session.add(
            ReportingWindow(
                tenant_id=ts[b].id, root_id=tree.city.id, period=period, opens_on=closes - dt.timedelta(days=60), closes_on=closes
            )
        )
    hotlines = []
    for i, (t, status, created) in enumerate(plan["hotlines"]):
        row = Hotline(tenant_id=ts[t].id, root_id=tree.city.id, number=f"0791-86{i:06d}", always_open=True, status=status,
                      created_at=created, updated_at=created)  # fmt: skip
        session.add(row)
        hotlines.append(row)
    centres = []
    for t, status, opened in plan["centres"]:
        row = CounsellingCentre(tenant_id=ts[t].id, root_id=tree.city.id, name="中心", status=status, opening_date=opened)
        session.add(row)
        centres.append(row)
    staff = []
    for t, kind, active, since in plan["staff"]:
        row = Staff(tenant_id=ts[t].id, root_id=tree.city.id, kind=kind, name="张老师", active=active, employed_since=since)
        session.add(row)
        staff.append(row)
    programme = TrainingProgramme(tenant_id=tree.city.id, root_id=tree.city.id, name="培训", level="CITY", year=2025)
    session.add(programme)
    await session.flush()
    # A session per attendance row: (session, teacher) is unique.
    for s, year, at in plan["attendance"]:
        course = TrainingSession(tenant_id=tree.city.id, root_id=tree.city.id, programme_id=programme.id, title="一期",
                                 starts_on=dt.date(year, 3, 1), ends_on=dt.date(year, 3, 2), hours=Decimal(8), credits=Decimal(2))  # fmt: skip
        session.add(course)
        await session.flush()
        teacher = staff[s]
        session.add(TrainingAttendance(tenant_id=teacher.tenant_id, root_id=tree.city.id, session_id=course.id, staff_id=teacher.id,
                                       credits_awarded=Decimal(2), credit_year=year, created_at=at, updated_at=at))  # fmt: skip
    # Figures: the first write makes the row; later ones correct it through the domain service.
    for h, periods in plan["calls"]:
        for period, moments in periods:
            for n, at in enumerate(moments):
                row = await record_call_counts(session, hotlines[h].id, period, 10 + n, 1, 0)
                await session.flush()
                await stamp(session, HotlineCallCount, row.id, **({"created_at": at} if n == 0 else {}), updated_at=at)
    for c, periods in plan["activity"]:
        for period, moments in periods:
            for n, at in enumerate(moments):
                row = await record_centre_activity(session, centres[c].id, period, 3 + n, 1)
                await session.flush()
                await stamp(session, CentreActivity, row.id, **({"created_at": at} if n == 0 else {}), updated_at=at)
    for s, periods in plan["enrolment"]:
        for period, moments in periods:
            for n, at in enumerate(moments):
                row = await record_enrolment(session, ts[s].id, parse_period(period).start.year, 400 + n)
                await session.flush()
                await stamp(session, SchoolEnrolment, row.id, **({"created_at": at} if n == 0 else {}), updated_at=at)
    for s, period, at, into, through_service in plan["rounds"]:
        year = parse_period(period).start.year
        held = dt.date(year, 9, 1) + into
        if through_service:
            created = await create_round(session, tenant_id=ts[s].id, values={"held_on": held, "title": f"{year}学年筛查"})
            await session.flush()
            await stamp(session, ScreeningRound, created.id, created_at=at, updated_at=at)
        else:
            session.add(ScreeningRound(tenant_id=ts[s].id, root_id=tree.city.id, school_year=year, held_on=held,
                                       title=f"{year}学年筛查", instrument="MHT", created_at=at, updated_at=at))  # fmt: skip
    classes = []
    for n, (s, year) in enumerate(plan["classes"]):
        row = SchoolClass(tenant_id=ts[s].id, root_id=tree.city.id, school_year=year, grade=1, name=f"1年级({n + 1})班")
        session.add(row)
        classes.append(row)
    await session.flush()
    for c, term, at in plan["term_hours"]:
        session.add(ClassTermHours(tenant_id=classes[c].tenant_id, root_id=tree.city.id, class_id=classes[c].id, term=term,
                                   teaching_weeks=18, mental_health_hours=9, class_meeting_hours=4, created_at=at, updated_at=at))  # fmt: skip
    await session.commit()


def principal_for(tenant: Tenant) -> Principal:
    return Principal(
        subject=f"user@{tenant.code}",
        tenant_id=tenant.id,
        tenant_path=tenant.path,
        tenant_kind=tenant.kind,
        roles=frozenset({"ADMIN"}),
    )


def compare(answer: Any, want: dict[uuid.UUID, dict[str, Any]], tenants: dict[uuid.UUID, Tenant], where: str) -> None:
    for entry in [answer.root, *answer.descendants]:
        w = want[entry.tenant.id]
        here = f"{where}, tenant {entry.tenant.code}"
        got_states = {f.code: (f.state.value, f.arrived_at) for f in entry.figures}
        assert got_states == w["states"], f"{here}: states {got_states} != oracle {w['states']}"
        assert (entry.deadline.last_day if entry.deadline else None) == w["deadline"], f"{here}: deadline"
        assert (entry.own.required, entry.own.on_time, entry.own.late) == w["own"], f"{here}: own rates"
        assert (entry.subtree.required, entry.subtree.on_time, entry.subtree.late) == w["subtree"], f"{here}: subtree rates"
        by_figure = {c: (r.required, r.on_time, r.late) for c, r in entry.subtree_by_figure.items()}
        assert by_figure == w["by_figure"], f"{here}: by figure {by_figure} != oracle {w['by_figure']}"
    root = tenants[answer.root.tenant.id]
    under = sorted((t for t in tenants.values() if t.path.startswith(root.path) and t.id != root.id), key=lambda t: t.code)
    assert [e.tenant.code for e in answer.descendants] == [t.code for t in under], f"{where}: descendants"


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
@given(plan=plans())
async def test_states_and_rates_match_the_oracle(system_session, sessionmaker, plan) -> None:  # type: ignore[no-untyped-def]
    # Given a fresh tree and a random sequence of writes at random instants
    tree = await make_tree(system_session, city_code=next(CITY_CODES), counties=2, schools_per_county=2)
    async with sessionmaker() as session:
        as_system(session, "completeness oracle: writes")
        await write(session, tree, plan)
    tenants = {t.id: t for t in tenants_of(tree)}
    raw = await raw_rows(system_session, tree.city.id)
    for period in PERIODS:
        want = oracle(raw, list(tenants.values()), period, plan["grace"])
        # When every tenant of the tree is asked for in one batch (nested subtrees included)
        async with sessionmaker() as session:
            as_system(session, "completeness oracle: reads")
            found = await completeness(
                session, [t.path for t in tenants.values()], parse_period(period), grace_days=plan["grace"]
            )
        # Then each subtree's answer is the oracle's
        assert set(found) == {t.path for t in tenants.values()}
        for answer in found.values():
            compare(answer, want, tenants, f"{period} as system, root {answer.root.tenant.code}")
        # And a county's own principal gets the same for its subtree
        county = tree.counties[0]
        async with sessionmaker() as session:
            bind_principal(session, principal_for(county))
            scoped = await completeness(session, [county.path], parse_period(period), grace_days=plan["grace"])
        compare(scoped[county.path], want, tenants, f"{period} as {county.code}")


async def test_a_school_sees_only_its_own_subtree(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    # Given two schools of one county, each with an active hotline and the first with counts
    tree = await make_tree(system_session, city_code="320100", counties=1, schools_per_county=2)
    first, second = tree.all_schools()
    for i, school in enumerate((first, second)):
        hotline = Hotline(tenant_id=school.id, root_id=tree.city.id, number=f"025-8{i}123456", always_open=True, status="ACTIVE",
                          created_at=dt.datetime(2025, 9, 1, tzinfo=UTC))  # fmt: skip
        system_session.add(hotline)
        await system_session.flush()
        if i == 0:
            system_session.add(
                HotlineCallCount(tenant_id=school.id, root_id=tree.city.id, hotline_id=hotline.id, period="2025T1", calls=3)
            )
    await system_session.commit()
    # When the second school asks for its own subtree, and for its county's (which it sees by name only)
    async with sessionmaker() as session:
        bind_principal(session, principal_for(second))
        found = await completeness(session, [second.path, tree.counties[0].path], parse_period("2025T1"))
    # Then it gets its own figure
    answer = found[second.path]
    assert [(f.code, f.state) for f in answer.root.figures] == [
        ("HOTLINE_CALLS", FigureState.MISSING),
        ("CENTRE_ACTIVITY", FigureState.NOT_REQUIRED),
        ("CLASS_TERM_HOURS", FigureState.NOT_REQUIRED),
    ]
    assert answer.descendants == []
    # And over the county it sees by name only, nothing of its sibling: the rates there would look
    # complete and be wrong, which is why the API refuses an ancestor's subtree (ANCESTOR_SUBTREE)
    above = found[tree.counties[0].path]
    assert [e.tenant.code for e in above.descendants] == [second.code]
    assert (above.root.subtree.required, above.root.subtree.on_time) == (1, 0)


@pytest.mark.parametrize("schools", [3, 9])
async def test_a_batch_takes_two_statements_plus_one_per_figure(system_session, sessionmaker, engine, schools) -> None:  # type: ignore[no-untyped-def]
    # Given a city whose counties have `schools` schools each
    tree = await make_tree(system_session, city_code=next(CITY_CODES), counties=3, schools_per_county=schools)
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.strip().upper() not in ("BEGIN", "COMMIT", "ROLLBACK") and not statement.startswith("SELECT set_config("):
            statements.append(statement)

    from sqlalchemy import event

    # When the city and each of its counties are asked for in one batch, for a term
    async with sessionmaker() as session:
        as_system(session, "statement count")
        event.listen(engine.sync_engine, "before_cursor_execute", count)
        try:
            found = await completeness(session, [tree.city.path, *(c.path for c in tree.counties)], parse_period("2025T1"))
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", count)
    # Then every subtree is answered, in the tenants, the windows and one statement per figure due for a term
    assert len(found) == 4 and len(found[tree.city.path].descendants) == 3 + 3 * schools
    term_figures = sum(1 for figure in REQUIRED_FIGURES if "TERM" in figure.period_kinds)
    assert len(statements) == 2 + term_figures, statements


def test_instants_straddle_the_deadlines() -> None:
    # The drawn instants must put some writes just before and just after midnight UTC+8 of a deadline day.
    for period in PERIODS:
        moments = instants(period)
        for last in window_days(period):
            assert any(m < day_end(last) <= m + dt.timedelta(seconds=1) for m in moments)
    assert len(set(itertools.chain.from_iterable(instants(p) for p in PERIODS))) > 20


async def test_the_demo_seed_shows_missing_and_late_figures(sessionmaker) -> None:  # type: ignore[no-untyped-def]
    # Given the tiny seed
    from runxin.platform.seed import seed_database

    summary = await seed_database(sessionmaker, scale="tiny", seed=7)
    async with sessionmaker() as session:
        as_system(session, "test")
        city = (await session.execute(select(Tenant).where(Tenant.code == summary.city_code))).scalar_one()
        terms = await completeness_of_terms(session, city.path)
        year = (await completeness(session, [city.path], parse_period("2025SY")))[city.path]
    # Then over the two terms some schools miss their call counts and some sent them late
    states = [f.state for found in terms for e in found.descendants if e.tenant.kind == "SCHOOL" for f in e.figures]
    assert FigureState.LATE in states and FigureState.MISSING in states
    for found in terms:
        rates = found.root.subtree
        assert rates.required > 0 and rates.timeliness <= rates.completeness <= 1  # type: ignore[operator]
        # And every county and school has the deadline of a window: its county's or the city's
        assert all(e.deadline is not None for e in found.descendants)
    assert any(found.root.subtree.timeliness < 1 for found in terms)  # type: ignore[operator]
    # And for the school year, the sampled schools that did not screen miss their round, the others sent it
    rounds = [f for e in year.descendants if e.tenant.kind == "SCHOOL" for f in e.figures if f.code == "SCREENING_ROUND"]
    assert FigureState.MISSING in {f.state for f in rounds} and FigureState.PRESENT in {f.state for f in rounds}
    # (recorded once held, from 15 September on the bureaus' clock: not at the seed's base time)
    held_from = dt.datetime(2025, 9, 15, tzinfo=CST)
    assert all(f.arrived_at >= held_from for f in rounds if f.state is not FigureState.MISSING)  # type: ignore[operator]


async def completeness_of_terms(session: Any, path: str) -> list[Any]:
    return [(await completeness(session, [path], parse_period(term)))[path] for term in ("2025T1", "2025T2")]
