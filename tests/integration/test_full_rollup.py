"""The set-based full rollup against the incremental chain, on both databases: after a random
sequence of writes the two roads agree cell for cell; a corrupted cell is found (and only cells
outside the tolerance), the repair rewrites it, and the command line exits non-zero on a difference."""

from __future__ import annotations

import datetime as dt
import os
import random
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from runxin.platform.indicators.definitions import INDICATORS
from runxin.platform.rollup.full import full_rollup
from runxin.platform.rollup.models import Aggregate
from runxin.platform.schools.models import SchoolProfile
from runxin.platform.staffing.models import Staff
from runxin.platform.standards import STANDARDS
from runxin.platform.stations.models import Station
from runxin.platform.training.models import TrainingAttendance, TrainingProgramme, TrainingSession
from runxin.platform.tree.models import Tenant
from runxin.tenants.scoping import as_system, bind_principal
from tests.factories.rollup import drain
from tests.factories.tree import make_tree
from tests.integration.test_indicators import YEAR, add, centre, enrol, hotline, principal_for, profile, recognition, staff, station

STANDARD = STANDARDS["2023"]
YEARS = (YEAR, YEAR + 1)  # two years: the full pass lays every year's cells out side by side


async def snapshot(session) -> dict:  # type: ignore[no-untyped-def]
    """Every stored cell's figures, keyed by (tenant, year, indicator)."""
    statement = select(Aggregate).where(Aggregate.year.in_(YEARS)).execution_options(populate_existing=True)
    return {
        (row.tenant_id, row.year, row.indicator): (
            row.state,
            row.standards_version,
            row.units_total,
            row.units_not_reported,
            round(row.numerator, 9),
            None if row.value is None else round(row.value, 9),
        )
        for row in (await session.execute(statement)).scalars()
    }


async def check(sessionmaker, *, repair: bool = False):  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        as_system(session, "test check")
        result = await full_rollup(session, years=YEARS, standard=STANDARD, repair=repair)
        await session.commit()
    return result


async def random_writes(system_session, sessionmaker, tree, rng: random.Random, count: int) -> None:  # type: ignore[no-untyped-def]
    """`count` writes through scoped sessions (so each marks its tenant), settled now and then."""
    schools = tree.all_schools()
    programme = TrainingProgramme(tenant_id=tree.counties[0].id, name="县级培训", level="COUNTY", year=YEAR)
    await add(system_session, programme)
    courses = []
    for year in YEARS:
        course = TrainingSession(
            tenant_id=tree.counties[0].id, programme_id=programme.id, title=f"培训{year}", starts_on=dt.date(year, 3, 1),
            ends_on=dt.date(year, 3, 2), hours=Decimal(12), credits=Decimal("2.5"),
        )  # fmt: skip
        courses.append(course)
    await add(system_session, *courses)
    for _ in range(count):
        kind = rng.choice(["profile", "station", "suspend", "staff", "retire", "enrol", "hotline", "centre", "training"])
        school = rng.choice(schools)
        owner = {"hotline": rng.choice([*tree.counties, *schools]), "centre": rng.choice(tree.counties)}.get(kind, school)
        if kind == "staff":  # teachers anywhere in the tree: the city's own count at the city level only
            owner = rng.choice([tree.city, *tree.counties, school])
        async with sessionmaker() as session:
            bind_principal(session, principal_for(owner))
            if kind == "profile":
                current = (await session.execute(select(SchoolProfile).where(SchoolProfile.tenant_id == owner.id))).scalar()
                if current is None:
                    session.add(profile(owner, central_rank=rng.random() < 0.5, independent=rng.random() < 0.8))
                else:
                    session.add(recognition(owner, rng.choice(["CITY", "COUNTY"]), revoked_on=rng.choice([None, dt.date(YEAR, 3, 1)])))
                    current.vocational = rng.random() < 0.3
            elif kind == "station":
                session.add(station(owner, area=rng.choice(["12", "20"]), hours=rng.choice(["6", "10"])))
            elif kind == "suspend":
                found = (await session.execute(select(Station).where(Station.tenant_id == owner.id))).scalars().first()
                if found is not None:
                    found.status = rng.choice(["SUSPENDED", "OPERATIONAL"])
            elif kind == "staff":
                session.add_all(staff(owner, rng.choice(["FULL_TIME", "PART_TIME", "HIRED_COUNSELLOR"]), rng.randint(1, 2)))
            elif kind == "retire":
                found = (await session.execute(select(Staff).where(Staff.tenant_id == owner.id))).scalars().first()
                if found is not None:
                    found.active = False
            elif kind == "enrol":
                session.add(enrol(owner, rng.randint(50, 2500), year=rng.choice(YEARS)))
            elif kind == "hotline":
                session.add(hotline(owner, rng.choice(["ACTIVE", "PLANNED"])))
            elif kind == "centre":
                session.add(centre(owner, rng.choice(["OPERATIONAL", "PLANNED"]), volunteers=rng.choice([0, 12])))
            else:
                teacher = (
                    (await session.execute(select(Staff).where(Staff.tenant_id == owner.id, Staff.active))).scalars().first()
                )
                if teacher is not None:
                    course = rng.choice(courses)
                    session.add(
                        TrainingAttendance(
                            tenant_id=owner.id, session_id=course.id, staff_id=teacher.id,
                            credits_awarded=Decimal(rng.choice(["0.1", "0.2", "1.7", "2.5"])), credit_year=course.ends_on.year,
                        )
                    )  # fmt: skip
            try:
                await session.commit()
            except IntegrityError:  # a second enrolment for the same year: the random write is skipped
                await session.rollback()
        if rng.random() < 0.3:
            await drain(sessionmaker, years=YEARS)
    await drain(sessionmaker, years=YEARS)


async def test_after_random_writes_the_full_pass_equals_the_incremental_figures(system_session, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    # Given a city of 3 counties and 12 schools after 60 random writes, each settled by the chain
    rng = random.Random(20261203)
    tree = await make_tree(system_session, counties=3, schools_per_county=4)
    await random_writes(system_session, sessionmaker, tree, rng, 60)
    incremental = await snapshot(system_session)
    tenants = 1 + 3 + 12
    assert len(incremental) == tenants * len(INDICATORS) * len(YEARS)
    assert len({cell[0] for cell in incremental.values()}) >= 2  # the writes left more than one kind of state

    # When the full pass checks every cell
    result = await check(sessionmaker)
    # Then it agrees with the chain everywhere
    assert result.cells == tenants * len(INDICATORS) * len(YEARS) and result.mismatches == []

    # And when every cell is lost and the full pass rewrites them from the raw records alone
    await system_session.execute(delete(Aggregate))
    rewritten = await check(sessionmaker, repair=True)
    # Then it reported each one missing and wrote back exactly the chain's figures
    assert rewritten.written == len(incremental) and all(m.stored is None for m in rewritten.mismatches)
    assert await snapshot(system_session) == incremental


async def test_check_names_each_corrupted_cell_within_the_tolerance_and_the_repair_restores_it(
    system_session, sessionmaker
) -> None:  # type: ignore[no-untyped-def]
    # Given a settled city with credits (decimal sums) and stations
    rng = random.Random(7)
    tree = await make_tree(system_session, counties=2, schools_per_county=3)
    await random_writes(system_session, sessionmaker, tree, rng, 40)
    before = await snapshot(system_session)
    county, school = tree.counties[0], tree.all_schools()[-1]

    def cell(tenant: Tenant, code: str, year: int = YEAR):  # type: ignore[no-untyped-def]
        return (Aggregate.tenant_id == tenant.id, Aggregate.indicator == code, Aggregate.year == year)

    # When cells are corrupted in every way the comparison looks at
    await system_session.execute(
        update(Aggregate).where(*cell(tree.city, "MODEL_SCHOOL_SHARE")).values(numerator=Aggregate.numerator + 0.001)
    )
    await system_session.execute(update(Aggregate).where(*cell(county, "STATION_COVERAGE", YEAR + 1)).values(state="SUPPRESSED"))
    await system_session.execute(
        update(Aggregate).where(*cell(county, "CENTRE_COVERAGE")).values(standards_version="2023-lenient")
    )
    await system_session.execute(
        update(Aggregate)
        .where(*cell(school, "STAFF_RATIO_COMPLIANCE"))
        .values(units_not_reported=Aggregate.units_not_reported + 1)
    )
    await system_session.execute(update(Aggregate).where(*cell(school, "COUNSELLOR_COVERAGE")).values(units_total=7))
    await system_session.execute(delete(Aggregate).where(*cell(tree.city, "TRAINING_COVERAGE", YEAR + 1)))
    # ... and one only in the last bits, as a different order of adding credits gives
    await system_session.execute(
        update(Aggregate).where(*cell(tree.city, "CREDITS_PER_TEACHER")).values(numerator=Aggregate.numerator * (1 + 1e-12))
    )
    report = await check(sessionmaker)
    # Then the check names exactly the corrupted cells, with what is stored and what it should be
    found = {(m.tenant_code, m.year, m.indicator): m for m in report.mismatches}
    assert set(found) == {
        (tree.city.code, YEAR, "MODEL_SCHOOL_SHARE"),
        (county.code, YEAR + 1, "STATION_COVERAGE"),
        (county.code, YEAR, "CENTRE_COVERAGE"),
        (school.code, YEAR, "STAFF_RATIO_COMPLIANCE"),
        (school.code, YEAR, "COUNSELLOR_COVERAGE"),
        (tree.city.code, YEAR + 1, "TRAINING_COVERAGE"),
    }
    assert found[tree.city.code, YEAR + 1, "TRAINING_COVERAGE"].stored is None
    station_cell = before[county.id, YEAR + 1, "STATION_COVERAGE"]
    assert found[county.code, YEAR + 1, "STATION_COVERAGE"].stored == ("SUPPRESSED", station_cell[5])
    assert found[county.code, YEAR + 1, "STATION_COVERAGE"].full == (station_cell[0], station_cell[5])
    # (listed top down: the city's cells first)
    assert report.mismatches[0].tenant_code == tree.city.code

    # When the full pass repairs
    repaired = await check(sessionmaker, repair=True)
    # Then it wrote those cells, the figures are the chain's again, and the next check is clean
    assert repaired.written == 6
    after = await snapshot(system_session)
    assert after == before
    assert (await check(sessionmaker)).mismatches == []


def runxin(database_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    years = ",".join(str(year) for year in YEARS)
    env = os.environ | {"COLUMNS": "250", "NO_COLOR": "1", "TERM": "dumb", "RUNXIN_ROLLUP_YEARS": years}
    command = [
        str(Path(sys.executable).with_name("runxin")),
        "rollup",
        *args,
        "--database-url",
        database_url,
        "--data-dir",
        str(tmp_path),
    ]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)


async def test_the_command_exits_non_zero_on_a_difference_and_repairs_without_check(
    database_url, system_session, sessionmaker, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=2)
    school = tree.all_schools()[0]
    await add(system_session, profile(school, central_rank=True, independent=True), station(school))
    await drain(sessionmaker, years=YEARS)
    clean = runxin(database_url, tmp_path, "--full", "--check")
    assert clean.returncode == 0, clean.stderr
    assert "0 differ" in clean.stderr and "compute" in clean.stderr  # the summary and its phases

    # When a county cell is tampered with
    await system_session.execute(
        update(Aggregate)
        .where(Aggregate.tenant_id == tree.counties[0].id, Aggregate.indicator == "STATION_COVERAGE", Aggregate.year == YEAR)
        .values(numerator=0.0, value=0.0)
    )
    # Then --check names it and exits 1, without writing
    checked = runxin(database_url, tmp_path, "--full", "--check")
    assert checked.returncode == 1, checked.stderr
    assert "1 differ" in checked.stderr and tree.counties[0].code in checked.stderr and "STATION_COVERAGE" in checked.stderr
    assert runxin(database_url, tmp_path, "--full", "--check").returncode == 1
    # And without --check it repairs (exit 0), after which the check is clean
    fixed = runxin(database_url, tmp_path, "--full")
    assert fixed.returncode == 0 and "1 repaired, 1 written" in fixed.stderr, fixed.stderr
    assert runxin(database_url, tmp_path, "--full", "--check").returncode == 0
