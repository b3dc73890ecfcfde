"""ORACLE: the teacher-training and model-school indicators, recomputed in plain Python from the raw
rows after a random sequence of writes through the services, against the engine and the rollups.

Hypothesis draws the writes one by one: staff of every kind (some leave, some change post),
programmes of every audience by the city, a county or a school (some change audience afterwards),
sessions in 2024 and 2025 (one over New Year), attendance registered by the programme's owner, and
model-school recognitions recorded by a bureau at or above their level (a school or a county
trying a higher level is refused and writes nothing), some withdrawn, some expiring. The oracle
reads back only raw rows (staff, attendance, sessions, programmes, profiles, recognitions) and
restates each indicator's definition here, with the audience each kind of teacher is trained by
written out, not imported: a rule changed in one place only shows up as a mismatch.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from runxin.platform.errors import Invalid, InvalidMany, PermissionDenied
from runxin.platform.indicators import TenantRef, compute_indicators
from runxin.platform.recognitions.models import ModelSchoolRecognition
from runxin.platform.recognitions.services import create_recognition, revoke_recognition
from runxin.platform.rollup.models import Aggregate
from runxin.platform.schools.models import SchoolProfile
from runxin.platform.schools.services import upsert_school_profile
from runxin.platform.staffing.models import Staff
from runxin.platform.staffing.services import create_staff, update_staff
from runxin.platform.standards import STANDARDS
from runxin.platform.training.models import TrainingAttendance, TrainingProgramme, TrainingSession
from runxin.platform.training.services import create_programme, create_training_session, register_attendance, update_programme
from runxin.tenants.scoping import as_system, bind_principal
from tests.factories.rollup import drain
from tests.factories.tree import make_tree
from tests.integration.test_indicators import principal_for

YEARS = (2024, 2025)
STANDARD = STANDARDS["2023"]
CODES = (
    "TRAINING_COVERAGE",
    "CREDITS_PER_TEACHER",
    "HOMEROOM_TRAINING_COVERAGE",
    "PRINCIPAL_TRAINING_COVERAGE",
    "ALL_TEACHER_TRAINING_COVERAGE",
    "ALL_TEACHER_CREDITS_PER_TEACHER",
    "MODEL_SCHOOL_SHARE",
)
KINDS = ("FULL_TIME", "PART_TIME", "HIRED_COUNSELLOR", "HOMEROOM", "TEACHER", "PRINCIPAL")
AUDIENCES = ("MENTAL_HEALTH_TEACHERS", "HOMEROOM_TEACHERS", "PRINCIPALS", "NEW_TEACHERS", "ALL_STAFF")
LEVELS = ("COUNTY", "CITY", "PROVINCE", "NATIONAL")
# The oracle's own statement of the rules (definitions.py, training/models.py AUDIENCE_KINDS).
MENTAL_HEALTH = {"FULL_TIME", "PART_TIME"}
TEACHERS = {"FULL_TIME", "PART_TIME", "HOMEROOM", "TEACHER", "PRINCIPAL"}
TRAINED_BY = {
    "FULL_TIME": {"MENTAL_HEALTH_TEACHERS", "NEW_TEACHERS", "ALL_STAFF"},
    "PART_TIME": {"MENTAL_HEALTH_TEACHERS", "NEW_TEACHERS", "ALL_STAFF"},
    "HOMEROOM": {"HOMEROOM_TEACHERS", "NEW_TEACHERS", "ALL_STAFF"},
    "TEACHER": {"NEW_TEACHERS", "ALL_STAFF"},
    "PRINCIPAL": {"PRINCIPALS", "NEW_TEACHERS", "ALL_STAFF"},
}
# Who may record a level: a county its county titles; the city (the top of its tree) every level.
WRITER_MAY = {"SCHOOL": set(), "COUNTY": {"COUNTY"}, "CITY": set(LEVELS)}
# Fresh city codes per example: the database lives for the whole test, every example adds a tree.
CITY_CODES = iter(f"{p}{c:02d}00" for p in (36, 35, 34, 33, 32, 31, 37, 41, 42, 43) for c in range(1, 99))
NAMES = itertools.count(1)


async def write(sessionmaker, actor, action) -> bool:  # type: ignore[no-untyped-def]
    """Run `action(session)` as `actor`'s principal (None: a system job) and commit: the written row's id,
    or False when refused."""
    async with sessionmaker() as session:
        if actor is None:
            as_system(session, "oracle writes")
        else:
            bind_principal(session, principal_for(actor))
        try:
            result = getattr(await action(session), "id", True)
        except (Invalid, InvalidMany, PermissionDenied):
            await session.rollback()
            return False
        await session.commit()
        return result


async def random_writes(data: Any, sessionmaker, tree) -> None:  # type: ignore[no-untyped-def]
    schools = tree.all_schools()
    bureaus = [tree.city, *tree.counties]
    staff: list[tuple[Any, Any]] = []  # (staff id, school)
    sessions: list[tuple[Any, Any]] = []  # (session id, programme owner)
    programmes: list[Any] = []
    recognitions: list[tuple[Any, Any]] = []  # (recognition id, writer)
    for school in schools:
        if data.draw(st.integers(0, 4), label="profile?"):  # most schools have a profile
            await write(sessionmaker, school, lambda s, school=school: upsert_school_profile(s, school.id, {}))
    for _ in range(data.draw(st.integers(4, 30), label="writes")):
        op = data.draw(st.sampled_from(("staff", "staff", "staff", "change", "programme", "session", "attend", "attend",
                                        "attend", "recognise", "recognise", "revoke", "audience")), label="op")  # fmt: skip
        if op == "staff":
            school = data.draw(st.sampled_from(schools), label="school")
            kind = data.draw(st.sampled_from(KINDS), label="kind")
            row = await write(
                sessionmaker, school, lambda s, school=school, kind=kind: create_staff(s, tenant_id=school.id, values={"kind": kind, "name": f"老师{next(NAMES)}"})
            )  # fmt: skip
            staff.append((row, school))
        elif op == "change" and staff:
            staff_id, school = data.draw(st.sampled_from(staff), label="staff changed")
            changes = data.draw(st.sampled_from(({"active": False}, {"kind": "PRINCIPAL"}, {"kind": "HOMEROOM"}, {"active": True})))
            await write(sessionmaker, school, lambda s, staff_id=staff_id, changes=changes: update_staff(s, staff_id, changes))
        elif op == "programme":
            owner = data.draw(st.sampled_from([*bureaus, *schools]), label="programme owner")
            values = {"name": f"培训{next(NAMES)}", "level": {"CITY": "CITY", "COUNTY": "COUNTY", "SCHOOL": "SCHOOL"}[owner.kind],
                      "audience": data.draw(st.sampled_from(AUDIENCES), label="audience"), "year": data.draw(st.sampled_from(YEARS))}  # fmt: skip
            row = await write(sessionmaker, owner, lambda s, owner=owner, values=values: create_programme(s, tenant_id=owner.id, values=values))
            programmes.append((row, owner))
        elif op == "session" and programmes:
            programme_id, owner = data.draw(st.sampled_from(programmes), label="programme")
            year = data.draw(st.sampled_from(YEARS), label="session year")
            # Some run over New Year: their credits count in the year they end.
            starts = dt.date(year - 1, 12, 30) if data.draw(st.booleans(), label="over new year") else dt.date(year, 5, 10)
            values = {"title": f"第{next(NAMES)}期", "starts_on": starts, "ends_on": starts + dt.timedelta(days=3),
                      "hours": Decimal(8), "credits": Decimal(data.draw(st.sampled_from(("1.0", "2.5", "4.0"))))}  # fmt: skip
            row = await write(
                sessionmaker, owner, lambda s, p=programme_id, values=values: create_training_session(s, programme_id=p, values=values)
            )
            sessions.append((row, owner))
        elif op == "attend" and sessions and staff:
            session_id, owner = data.draw(st.sampled_from(sessions), label="session")
            mine = [(sid, school) for sid, school in staff if school.path.startswith(owner.path)]
            if not mine:
                continue
            staff_id, _ = data.draw(st.sampled_from(mine), label="attendee")
            completed = data.draw(st.booleans(), label="completed")
            credits = Decimal(data.draw(st.sampled_from(("0", "1.0", "2.5")))) if completed else Decimal(0)
            await write(
                sessionmaker, owner,
                lambda s, a=session_id, b=staff_id, c=completed, d=credits: register_attendance(s, session_id=a, staff_id=b, completed=c, credits_awarded=d),
            )  # fmt: skip
        elif op == "audience" and programmes:
            programme_id, owner = data.draw(st.sampled_from(programmes), label="programme re-aimed")
            audience = data.draw(st.sampled_from(AUDIENCES), label="new audience")
            await write(sessionmaker, owner, lambda s, p=programme_id, a=audience: update_programme(s, p, {"audience": a}))
        elif op == "recognise":
            school = data.draw(st.sampled_from(schools), label="recognised school")
            county = next(c for c in tree.counties if school.path.startswith(c.path))
            writer = data.draw(st.sampled_from((school, county, tree.city)), label="writer")
            level = data.draw(st.sampled_from(LEVELS), label="level")
            granted = dt.date(2023, 1, 1) + dt.timedelta(days=data.draw(st.integers(0, 1200), label="granted"))
            until = data.draw(st.sampled_from((None, dt.date(2024, 12, 31), dt.date(2025, 12, 30), dt.date(2025, 12, 31))))
            if until is not None and until < granted:
                until = None
            values = {"level": level, "title": "特色学校", "recognised_on": granted, "awarded_by": "教育局", "certificate_no": "C-1",
                      "valid_until": until}  # fmt: skip
            row = await write(
                sessionmaker, writer,
                lambda s, w=writer, school=school, v=values: create_recognition(s, writer_tenant_id=w.id, tenant_id=school.id, values=v),
            )  # fmt: skip
            # Then a writer above its level is refused (and wrote nothing), the others record it
            assert bool(row) is (level in WRITER_MAY[writer.kind]), (writer.kind, level)
            if row:
                recognitions.append((row, writer))
        elif op == "revoke" and recognitions:
            recognition_id, writer = data.draw(st.sampled_from(recognitions), label="revoked")
            day = data.draw(st.sampled_from((dt.date(2024, 6, 1), dt.date(2025, 12, 31), dt.date(2026, 1, 1))), label="revoked on")
            await write(
                sessionmaker, writer, lambda s, r=recognition_id, d=day, w=writer: revoke_recognition(s, r, d, writer_tenant_id=w.id)
            )


async def raw_rows(session, model, tree) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    rows = (await session.execute(select(model).where(model.root_id == tree.city.id).execution_options(populate_existing=True))).scalars()
    return [{c.key: getattr(r, c.key) for c in r.__mapper__.column_attrs} for r in rows]


def oracle(tenant, tree, raw: dict[str, list[dict[str, Any]]], year: int) -> dict[str, tuple[int, int, float]]:  # type: ignore[no-untyped-def]
    """(units, units not reported, numerator) of every code over `tenant`'s subtree, from the raw rows."""
    paths = {t.id: t.path for t in [tree.city, *tree.counties, *tree.all_schools()]}
    inside = {tid for tid, path in paths.items() if path.startswith(tenant.path)}
    # The audience of an attendance is its programme's, read through the session (not the copied column).
    programme_of = {s["id"]: s["programme_id"] for s in raw["sessions"]}
    audience_of = {p["id"]: p["audience"] for p in raw["programmes"]}
    done: dict[Any, list[tuple[str, float]]] = {}
    for a in raw["attendance"]:
        if a["completed"] and a["credit_year"] == year:
            done.setdefault(a["staff_id"], []).append((audience_of[programme_of[a["session_id"]]], float(a["credits_awarded"])))
    teachers = [s for s in raw["staff"] if s["active"] and s["tenant_id"] in inside and s["kind"] in TEACHERS]

    def ratio(eligible, hit) -> tuple[int, int, float]:  # type: ignore[no-untyped-def]
        units = [s for s in teachers if eligible(s)]
        return len(units), 0, float(sum(1 for s in units if hit(s, done.get(s["id"], []))))

    def mean(eligible) -> tuple[int, int, float]:  # type: ignore[no-untyped-def]
        units = [s for s in teachers if eligible(s)]
        return len(units), 0, math.fsum(c for s in units for _, c in done.get(s["id"], []))

    year_end = dt.date(year, 12, 31)
    model = {
        r["tenant_id"] for r in raw["recognitions"]
        if r["level"] in ("CITY", "PROVINCE", "NATIONAL") and r["recognised_on"] <= year_end
        and (r["revoked_on"] is None or r["revoked_on"] > year_end) and (r["valid_until"] is None or r["valid_until"] >= year_end)
    }  # fmt: skip
    profiled = {p["tenant_id"] for p in raw["profiles"]}
    schools = [s for s in tree.all_schools() if s.id in inside]
    return {
        "TRAINING_COVERAGE": ratio(lambda s: s["kind"] in MENTAL_HEALTH, lambda s, d: bool(d)),
        "CREDITS_PER_TEACHER": mean(lambda s: s["kind"] in MENTAL_HEALTH),
        "HOMEROOM_TRAINING_COVERAGE": ratio(
            lambda s: s["kind"] == "HOMEROOM", lambda s, d: any(a in ("HOMEROOM_TEACHERS", "ALL_STAFF") for a, _ in d)
        ),
        "PRINCIPAL_TRAINING_COVERAGE": ratio(
            lambda s: s["kind"] == "PRINCIPAL", lambda s, d: any(a in ("PRINCIPALS", "ALL_STAFF") for a, _ in d)
        ),
        "ALL_TEACHER_TRAINING_COVERAGE": ratio(lambda s: True, lambda s, d: any(a in TRAINED_BY[s["kind"]] for a, _ in d)),
        "ALL_TEACHER_CREDITS_PER_TEACHER": mean(lambda s: True),
        "MODEL_SCHOOL_SHARE": (
            len(schools),
            sum(1 for s in schools if s.id not in profiled),
            float(sum(1 for s in schools if s.id in profiled and s.id in model)),
        ),
    }


@pytest.fixture
def bounded_shrink(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shrink a failure for at most a minute, then report the smallest example found so far."""
    from hypothesis.internal.conjecture import engine

    monkeypatch.setattr(engine, "MAX_SHRINKING_SECONDS", 60)


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
async def test_training_and_model_school_figures_match_the_oracle(system_session, sessionmaker, bounded_shrink, data) -> None:  # type: ignore[no-untyped-def]
    # Given a fresh tree and a random sequence of writes through the services
    shape = data.draw(st.tuples(st.integers(1, 2), st.integers(1, 3)), label="counties, schools per county")
    tree = await make_tree(system_session, city_code=next(CITY_CODES), counties=shape[0], schools_per_county=shape[1])
    await random_writes(data, sessionmaker, tree)
    tenants = [tree.city, *tree.counties, *tree.all_schools()]
    async with sessionmaker() as session:
        as_system(session, "oracle reads")
        raw = {
            "staff": await raw_rows(session, Staff, tree),
            "attendance": await raw_rows(session, TrainingAttendance, tree),
            "sessions": await raw_rows(session, TrainingSession, tree),
            "programmes": await raw_rows(session, TrainingProgramme, tree),
            "profiles": await raw_rows(session, SchoolProfile, tree),
            "recognitions": await raw_rows(session, ModelSchoolRecognition, tree),
        }
        engine = {
            year: await compute_indicators(session, [TenantRef.of(t) for t in tenants], year=year, standard=STANDARD, codes=list(CODES))
            for year in YEARS
        }
    # When the rollups settle, as the workers would
    await drain(sessionmaker, years=YEARS)
    async with sessionmaker() as session:
        as_system(session, "oracle reads")
        stored = {
            (row.tenant_id, row.year, row.indicator): row
            for row in (
                await session.execute(select(Aggregate).where(Aggregate.root_id == tree.city.id, Aggregate.indicator.in_(CODES)))
            ).scalars()
        }
    # Then at every level, for both years, the engine and the stored rollups equal the oracle
    for year in YEARS:
        for tenant in tenants:
            want = oracle(tenant, tree, raw, year)
            for code in CODES:
                units, missing, numerator = want[code]
                value = engine[year][tenant.id, code]
                got = (value.units_total, value.units_not_reported, round(value.numerator, 6))
                assert got == (units, missing, round(numerator, 6)), (code, year, tenant.kind, tenant.code)
                row = stored[tenant.id, year, code]
                assert (row.units_total, row.units_not_reported, round(row.numerator, 6)) == got, ("rollup", code, year, tenant.code)
                assert row.state == value.state.value


def test_the_oracle_restates_every_kind_and_audience() -> None:
    # The oracle's tables cover what the code knows: a new kind or audience must be added here too
    from runxin.platform.staffing.models import ALL_TEACHER_KINDS, STAFF_KINDS
    from runxin.platform.training.models import AUDIENCES as CODE_AUDIENCES

    assert set(KINDS) == set(STAFF_KINDS) and TEACHERS == set(ALL_TEACHER_KINDS) and set(TRAINED_BY) == TEACHERS
    assert set(AUDIENCES) == set(CODE_AUDIENCES)


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
