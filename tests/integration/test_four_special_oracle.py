"""FOUR_SPECIAL_STUDENTS against an oracle: after a random sequence of writes to student files (each
by the school itself), plain Python over the raw rows gives every tenant's figure, and the engine
and the incremental rollups give the same, on both databases."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from runxin.platform.indicators import TenantRef, compute_indicators
from runxin.platform.rollup.models import Aggregate
from runxin.platform.standards import STANDARDS
from runxin.platform.students.models import FOUR_SPECIAL_KINDS, StudentFile
from runxin.tenants.scoping import bind_principal
from tests.factories.rollup import drain
from tests.factories.tree import make_tree
from tests.integration.test_indicators import YEAR, principal_for

CODE = "FOUR_SPECIAL_STUDENTS"
STANDARD = STANDARDS["2023"]
_cities = itertools.count(41)

# A write: (school index, what, student index, four-special kinds)
writes = st.lists(
    st.tuples(
        st.integers(0, 5),
        st.sampled_from(["add", "flag", "leave"]),
        st.integers(0, 7),
        st.sets(st.sampled_from(FOUR_SPECIAL_KINDS), max_size=2),
    ),
    max_size=30,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(writes)
async def test_four_special_students_equal_the_oracle(system_session, sessionmaker, plan) -> None:  # type: ignore[no-untyped-def]
    # Given a new city of 2 counties x 3 schools and the random writes, each by its school
    tree = await make_tree(system_session, city_code=f"36{next(_cities):02d}00", counties=2, schools_per_county=3)
    schools = tree.all_schools()
    rows: dict[tuple[int, int], dict] = {}  # the oracle's copy of the files: (school, student) -> fields
    for school_index, what, student, kinds in plan:
        school = schools[school_index]
        async with sessionmaker() as session:
            bind_principal(session, principal_for(school))
            ref = f"S{student}"
            found = (await session.execute(select(StudentFile).where(StudentFile.student_ref == ref))).scalar_one_or_none()
            flags = ",".join(sorted(kinds))
            if what == "add" and found is None:
                session.add(StudentFile(tenant_id=school.id, student_ref=ref, name="学生", gender="MALE", grade=5, four_special=flags))
                rows[school_index, student] = {"active": True, "four_special": flags}
            elif what == "flag" and found is not None:
                found.four_special = flags
                rows[school_index, student]["four_special"] = flags
            elif what == "leave" and found is not None:
                found.active = False
                rows[school_index, student]["active"] = False
            await session.commit()
    # The oracle: a school reports once it has an active file; it counts active files with a flag
    def oracle(indices: list[int]) -> tuple[str, float | None]:
        reported = [i for i in indices if any(r["active"] for (s, _), r in rows.items() if s == i)]
        if not reported:
            return "NOT_REPORTED", None
        return "REPORTED", float(sum(1 for (s, _), r in rows.items() if s in reported and r["active"] and r["four_special"]))

    expected = {school.id: oracle([i]) for i, school in enumerate(schools)}
    for county in tree.counties:
        expected[county.id] = oracle([schools.index(s) for s in tree.schools[county.code]])
    expected[tree.city.id] = oracle(list(range(len(schools))))
    # When the engine computes every tenant, and the rollups settle
    tenants = [tree.city, *tree.counties, *schools]
    values = await compute_indicators(system_session, [TenantRef.of(t) for t in tenants], year=YEAR, standard=STANDARD, codes=[CODE])
    await drain(sessionmaker, years=(YEAR,))
    stored = {
        row.tenant_id: (row.state, row.value)
        for row in (
            await system_session.execute(
                select(Aggregate).where(Aggregate.indicator == CODE, Aggregate.year == YEAR, Aggregate.tenant_id.in_([t.id for t in tenants]))
            )
        ).scalars()
    }
    # Then both say what the oracle says, tenant by tenant
    assert {t.id: (values[t.id, CODE].state.value, values[t.id, CODE].value) for t in tenants} == expected
    assert {t.id: stored.get(t.id, ("NOT_REPORTED", None)) for t in tenants} == expected
