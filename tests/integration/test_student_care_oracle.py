"""ORACLE: the screening, warning-network, referral and crisis-plan indicators recomputed in plain
Python from the raw rows after a random sequence of writes, compared with the engine and with the
rollups, on both databases.

Hypothesis draws the writes (files, departures, direct concern levels, rounds, results,
follow-ups and their ends, referrals and their moves, crisis plans) over a city of two counties of
two schools; each write runs through its service as the school itself, in a transaction of its
own, and a refused write leaves nothing (the oracle only reads what was committed). The oracle
does not use facts.py: it is the indicator descriptions, written again over lists of rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from runxin.platform.errors import RunxinError
from runxin.platform.indicators import BY_CODE, TenantRef, compute_indicators
from runxin.platform.models import Base
from runxin.platform.rollup.models import Aggregate
from runxin.platform.schools.models import SchoolProfile
from runxin.platform.staffing.models import Staff
from runxin.platform.standards import STANDARDS
from runxin.platform.students.care import ConcernFollowUp, CrisisPlan, Referral, ScreeningResult, ScreeningRound, school_year_of
from runxin.platform.students.crisis import create_crisis_plan, update_crisis_plan
from runxin.platform.students.followups import create_follow_up, end_follow_up
from runxin.platform.students.models import StudentFile
from runxin.platform.students.referrals import create_referral, update_referral
from runxin.platform.students.screening import create_round, record_result, update_round
from runxin.platform.students.services import create_student_file, update_student_file
from runxin.tenants.scoping import as_system, bind_principal
from tests.factories.rollup import drain
from tests.factories.tree import make_tree
from tests.integration.test_scoping import principal_for

YEARS = (2024, 2025)
STRICT = STANDARDS["2023"]
CODES = (
    "STUDENTS_SCREENED",
    "CONCERN_MILD",
    "CONCERN_MODERATE",
    "CONCERN_SEVERE",
    "REFERRALS_OPEN",
    "RETURNED_WITH_CERTIFICATE",
    "SCREENING_DONE",
    "CONCERN_FOLLOWED",
    "CRISIS_PLAN_IN_PLACE",
)
DAYS = (dt.date(2024, 10, 8), dt.date(2025, 3, 1), dt.date(2025, 10, 10), dt.date(2026, 3, 15))
LEVELS = ("NONE", "MILD", "MODERATE", "SEVERE")
STATES = ("REFERRED", "IN_TREATMENT", "RETURNED", "CLOSED")

index = st.integers(0, 30)
file_write = st.tuples(st.just("file"), index, st.integers(1, 12), st.booleans())
round_write = st.tuples(st.just("round"), index, st.sampled_from(DAYS))
mixed = st.lists(
    st.one_of(
        st.tuples(st.just("file"), index, st.integers(1, 12), st.booleans()),
        st.tuples(st.just("leave"), index),
        st.tuples(st.just("concern"), index, st.sampled_from(LEVELS)),
        st.tuples(st.just("round"), index, st.sampled_from(DAYS)),
        st.tuples(st.just("move_round"), index, st.sampled_from(DAYS)),
        st.tuples(st.just("result"), index, index, st.sampled_from(LEVELS)),
        st.tuples(st.just("result"), index, index, st.sampled_from(LEVELS)),
        st.tuples(st.just("follow"), index, index),
        st.tuples(st.just("end"), index),
        st.tuples(st.just("refer"), index, st.sampled_from(DAYS)),
        st.tuples(st.just("move"), index, st.sampled_from(STATES), st.one_of(st.none(), st.sampled_from(DAYS))),
        st.tuples(st.just("plan"), index, st.sampled_from(DAYS), st.booleans()),
    ),
    max_size=40,
)
# Files and rounds first, so that most of the mixed writes have something to act on.
writes = st.tuples(st.lists(file_write, min_size=3, max_size=10), st.lists(round_write, min_size=1, max_size=4), mixed).map(
    lambda parts: [*parts[0], *parts[1], *parts[2]]
)


async def _wipe(engine) -> None:  # type: ignore[no-untyped-def]
    tenant = Base.metadata.tables["tenant"]
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables) + " CASCADE"))
            return
        for table in reversed(Base.metadata.sorted_tables):
            if table is not tenant:
                await conn.execute(table.delete())
        for depth in (2, 1, 0):  # children first: a tenant row refers to its parent
            await conn.execute(tenant.delete().where(tenant.c.depth == depth))


async def _apply(session, kind: str, args: tuple, tree, made: dict[str, list[Any]]) -> None:  # type: ignore[no-untyped-def]
    schools = tree.all_schools()

    def pick(name: str, i: int) -> Any:
        items = made[name]
        if not items:
            raise LookupError
        return items[i % len(items)]

    if kind == "file":
        school = schools[args[0] % len(schools)]
        values = {"student_ref": f"S{len(made['file'])}", "name": "学生", "gender": "FEMALE", "grade": args[1]}
        if args[2]:
            values["four_special"] = "FAMILY"
        made["file"].append((await create_student_file(session, tenant_id=school.id, values=values)).id)
    elif kind == "leave":
        await update_student_file(session, pick("file", args[0]), {"active": False})
    elif kind == "concern":
        await update_student_file(session, pick("file", args[0]), {"concern_level": args[1]})
    elif kind == "round":
        school = schools[args[0] % len(schools)]
        made["round"].append((await create_round(session, tenant_id=school.id, values={"held_on": args[1], "title": "筛查"})).id)
    elif kind == "move_round":
        await update_round(session, pick("round", args[0]), {"held_on": args[1]})
    elif kind == "result":
        await record_result(session, round_id=pick("round", args[0]), student_id=pick("file", args[1]), level=args[2])
    elif kind == "follow":
        values = {"student_id": pick("file", args[0]), "staff_id": pick("staff", args[1]), "started_on": dt.date(2025, 9, 15)}
        made["follow"].append((await create_follow_up(session, values=values, standard=STRICT)).id)
    elif kind == "end":
        await end_follow_up(session, pick("follow", args[0]), dt.date(2025, 12, 1))
    elif kind == "refer":
        values = {"student_id": pick("file", args[0]), "hospital": "市第三人民医院", "referred_on": args[1]}
        made["referral"].append((await create_referral(session, values=values)).id)
    elif kind == "move":
        changes: dict[str, Any] = {"state": args[1]}
        if args[2] is not None:
            changes["certificate_received_on"] = args[2]
        await update_referral(session, pick("referral", args[0]), changes)
    elif kind == "plan":
        school = schools[args[0] % len(schools)]
        existing = (await session.execute(select(CrisisPlan.id).where(CrisisPlan.tenant_id == school.id))).scalar_one_or_none()
        values = {"title": "心理危机紧急处置预案", "adopted_on": args[1], "active": args[2]}
        if existing is None:
            await create_crisis_plan(session, tenant_id=school.id, values=values)
        else:
            await update_crisis_plan(session, existing, values)


async def _owner_of(system_session, kind: str, args: tuple, tree, made) -> Any:  # type: ignore[no-untyped-def]
    """The school a write acts as: the one it names, else the owner of the record it touches."""
    schools = tree.all_schools()
    if kind in ("file", "round", "plan"):
        return schools[args[0] % len(schools)]
    model, name = {
        "leave": (StudentFile, "file"),
        "concern": (StudentFile, "file"),
        "move_round": (ScreeningRound, "round"),
        "result": (ScreeningRound, "round"),
        "follow": (StudentFile, "file"),
        "end": (ConcernFollowUp, "follow"),
        "refer": (StudentFile, "file"),
        "move": (Referral, "referral"),
    }[kind]
    if not made[name]:
        return None
    record_id = made[name][args[0] % len(made[name])]
    tenant_id = (await system_session.execute(select(model.tenant_id).where(model.id == record_id))).scalar_one()
    return next(s for s in schools if s.id == tenant_id)


def _expected(rows: dict[str, list[Any]], school_id, profiled: bool, year: int) -> dict[str, tuple[int, int, float]]:  # type: ignore[no-untyped-def]
    """(units, not reported, numerator) of each code for one school, from the descriptions."""
    own = {name: [r for r in items if r.tenant_id == school_id] for name, items in rows.items()}
    rounds = [r for r in own["round"] if r.school_year == year]
    round_ids = {r.id for r in rounds}
    results = [r for r in own["result"] if r.round_id in round_ids]
    latest = max(rounds, key=lambda r: (r.held_on, r.id)) if rounds else None
    active = [f for f in own["file"] if f.active]
    out: dict[str, tuple[int, int, float]] = {"STUDENTS_SCREENED": (1, 0, len({r.student_id for r in results}))}
    for level in ("MILD", "MODERATE", "SEVERE"):
        n = sum(1 for r in results if latest is not None and r.round_id == latest.id and r.level == level)
        out[f"CONCERN_{level}"] = (1, 0 if latest else 1, n)
    out["REFERRALS_OPEN"] = (
        1,
        0,
        sum(1 for r in own["referral"] if r.state in ("REFERRED", "IN_TREATMENT") and school_year_of(r.referred_on) <= year),
    )
    out["RETURNED_WITH_CERTIFICATE"] = (
        1,
        0,
        sum(1 for r in own["referral"] if r.state == "RETURNED" and school_year_of(r.certificate_received_on) == year),
    )
    covered = any(all(any(x.round_id == r.id and x.student_id == f.id for x in own["result"]) for f in active) for r in rounds)
    open_followed = {u.student_id for u in own["follow"] if u.ended_on is None}
    followed = all(f.id in open_followed for f in active if f.concern_level in ("MODERATE", "SEVERE"))
    plan = any(p.active and school_year_of(p.adopted_on) <= year for p in own["plan"])
    for code, hit in (("SCREENING_DONE", covered), ("CONCERN_FOLLOWED", followed), ("CRISIS_PLAN_IN_PLACE", plan)):
        out[code] = (1, 0 if profiled else 1, float(hit and profiled))
    return out


@pytest.mark.parametrize("database_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
@settings(
    max_examples=30,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=writes, profiled=st.lists(st.booleans(), min_size=4, max_size=4))
async def test_indicators_match_the_oracle(engine, sessionmaker, plan, profiled) -> None:  # type: ignore[no-untyped-def]
    await _wipe(engine)
    async with sessionmaker() as system:
        as_system(system, "oracle arrange")
        tree = await make_tree(system, counties=2, schools_per_county=2)
        made: dict[str, list[Any]] = defaultdict(list)
        for school, has_profile in zip(tree.all_schools(), profiled, strict=True):
            if has_profile:
                system.add(SchoolProfile(tenant_id=school.id, category=school.code[:2]))
            teachers = [
                Staff(tenant_id=school.id, kind=kind, name="教师") for kind in ("HOMEROOM", "TEACHER", "HIRED_COUNSELLOR")
            ]
            system.add_all(teachers)
            await system.flush()
            made["staff"] += [t.id for t in teachers]
        await system.commit()
        # When the writes run, each as its school, each in its own transaction
        for kind, *args in plan:
            # A fresh read: the arranging session's snapshot would not see the writes since.
            await system.commit()
            school = await _owner_of(system, kind, tuple(args), tree, made)
            if school is None:
                continue
            async with sessionmaker() as session:
                bind_principal(session, principal_for(school))
                try:
                    await _apply(session, kind, tuple(args), tree, made)
                    await session.commit()
                except (RunxinError, LookupError):
                    await session.rollback()
        # Then the raw rows, read back
        await system.commit()
        rows = {
            name: list((await system.execute(select(model))).scalars())
            for name, model in (
                ("file", StudentFile),
                ("round", ScreeningRound),
                ("result", ScreeningResult),
                ("follow", ConcernFollowUp),
                ("referral", Referral),
                ("plan", CrisisPlan),
            )
        }
        profiled_ids = {s.id for s, p in zip(tree.all_schools(), profiled, strict=True) if p}
        subtrees = {tree.city.id: tree.all_schools()}
        subtrees |= {county.id: tree.schools[county.code] for county in tree.counties}
        subtrees |= {school.id: [school] for school in tree.all_schools()}
        tenants = [tree.city, *tree.counties, *tree.all_schools()]
        expected: dict[tuple[Any, int, str], tuple[int, int, float]] = {}
        for year in YEARS:
            per_school = {s.id: _expected(rows, s.id, s.id in profiled_ids, year) for s in tree.all_schools()}
            for tenant_id, schools in subtrees.items():
                for code in CODES:
                    cells = [per_school[s.id][code] for s in schools]
                    expected[tenant_id, year, code] = tuple(sum(c[i] for c in cells) for i in range(3))  # type: ignore[assignment]
        # And the engine agrees with the oracle for every tenant, year and code
        for year in YEARS:
            values = await compute_indicators(system, [TenantRef.of(t) for t in tenants], year=year, standard=STRICT, codes=CODES)
            for tenant in tenants:
                for code in CODES:
                    value = values[tenant.id, code]
                    got = (value.units_total, value.units_not_reported, value.numerator if value.denominator else 0.0)
                    assert got == pytest.approx(expected[tenant.id, year, code]), (tenant.code, year, code, plan)
                    if BY_CODE[code].student_derived and value.denominator:
                        assert value.value == value.numerator
    # And the rollups, settled as the workers settle them, agree too
    await drain(sessionmaker, years=YEARS)
    async with sessionmaker() as system:
        as_system(system, "oracle check")
        stored = {
            (a.tenant_id, a.year, a.indicator): (a.units_total, a.units_not_reported, a.numerator)
            for a in (await system.execute(select(Aggregate).where(Aggregate.indicator.in_(CODES)))).scalars()
        }
    for key, triple in expected.items():
        assert stored.get(key) == pytest.approx(triple), (key, stored.get(key), triple, plan)
