"""Importing the bureaus' templates on SQLite and PostgreSQL: all of a file or nothing, every bad
cell reported, a re-import changes nothing, locked periods refuse, and the subtree is the limit."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from runxin.platform.hotlines.models import Hotline, HotlineCallCount
from runxin.platform.reporting.models import Report
from runxin.platform.rollup.models import RollupDirty
from runxin.platform.spreadsheets.importing import ImportRejected, import_workbook
from runxin.platform.staffing.models import Staff
from runxin.platform.stations.models import Station
from runxin.platform.training.models import TrainingAttendance, TrainingSession
from runxin.platform.tree.models import Tenant
from runxin.tenants.principal import Principal
from runxin.tenants.scoping import bind_principal
from tests.factories.tree import make_tree
from tests.factories.workbooks import filled, teacher

TODAY = dt.date(2026, 3, 15)


def principal_for(tenant: Tenant) -> Principal:
    return Principal(
        subject=f"clerk@{tenant.code}",
        tenant_id=tenant.id,
        tenant_path=tenant.path,
        tenant_kind=tenant.kind,
        roles=frozenset({"ADMIN"}),
    )


async def run_import(sessionmaker, tenant: Tenant, content: bytes, *, as_: Tenant | None = None):  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        bind_principal(session, principal_for(as_ or tenant))
        root = (await session.execute(select(Tenant).where(Tenant.id == tenant.id))).scalar_one()
        try:
            result = await import_workbook(session, root, content, today=TODAY)
        except ImportRejected:
            await session.rollback()
            raise
        await session.commit()
        return result


async def count(system_session, model) -> int:  # type: ignore[no-untyped-def]
    return (await system_session.execute(select(func.count()).select_from(model))).scalar_one()


async def test_one_bad_cell_writes_nothing_then_the_good_file_writes_and_a_reimport_changes_nothing(
    sessionmaker, system_session
) -> None:  # type: ignore[no-untyped-def]
    # Given a county with two schools
    tree = await make_tree(system_session, counties=1, schools_per_county=2)
    county = tree.counties[0]
    first, second = tree.schools[county.code]
    rows = [teacher(f"{i:04d}", unit_code=(first if i % 2 else second).code) for i in range(1, 21)]
    # When a roster with one bad birth date (a teacher of 6, employed before 18) is imported by the county
    bad = [*rows[:7], {**rows[7], "birth_date": dt.date(2020, 1, 1)}, *rows[8:]]
    with pytest.raises(ImportRejected) as rejected:
        await run_import(sessionmaker, county, filled("staff", bad))
    # Then the one cell is named (sheet, row, column, reason in Chinese and English) and nothing is written
    age, employed = rejected.value.errors
    assert (age.sheet, age.row, age.column, age.code) == ("教职工名册", 10, "F", "AGE_OUT_OF_RANGE")
    assert (employed.row, employed.column, employed.code) == (10, "J", "EMPLOYED_UNDER_AGE")
    error = age
    assert "年龄" in error.zh and "years old" in error.en
    assert await count(system_session, Staff) == 0
    # When the corrected file is imported
    result = await run_import(sessionmaker, county, filled("staff", rows))
    # Then every teacher is created in their school, with the codes' leading zeros
    assert (result.created, result.updated, result.unchanged) == (20, 0, 0)
    stored = (await system_session.execute(select(Staff.staff_code, Staff.tenant_id, Staff.qualifications))).all()
    assert {s.staff_code for s in stored} == {f"{i:04d}" for i in range(1, 21)}
    assert {s.qualifications for s in stored} == {"PSY_DEGREE,TEACHER_CERT"}
    # And the rollup outbox marked both schools
    marked = set((await system_session.execute(select(RollupDirty.tenant_id))).scalars())
    assert {first.id, second.id} <= marked
    # When the same file is imported again, nothing changes
    stamps = dict((await system_session.execute(select(Staff.id, Staff.updated_at))).all())
    again = await run_import(sessionmaker, county, filled("staff", rows))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 20)
    assert dict((await system_session.execute(select(Staff.id, Staff.updated_at))).all()) == stamps
    # And a file changing one phone updates that one row
    changed = await run_import(sessionmaker, county, filled("staff", [{**rows[0], "phone": "13900000000"}, *rows[1:]]))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 19)


async def test_every_bad_cell_is_reported_at_once(sessionmaker, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    school = tree.all_schools()[0]
    rows = [
        teacher("A1", kind="保安"),  # not a choice
        teacher("A2", birth_date="1988-13-01"),  # not a date
        teacher("A3", phone=1381234567),  # ten digits: not a mobile
        teacher("A1"),  # the same staff number again
        teacher("A5", name=None),  # required
        teacher("A6", qualifications="博士"),
        teacher("A7", unit_code="2136999999"),  # not a school of this tenant
    ]
    with pytest.raises(ImportRejected) as rejected:
        await run_import(sessionmaker, school, filled("staff", rows))
    found = {(e.row, e.column, e.code) for e in rejected.value.errors}
    assert found == {
        (3, "D", "CHOICE_UNKNOWN"),
        (4, "F", "DATE_FORMAT"),
        (5, "G", "PHONE_FORMAT"),
        (6, "B", "DUPLICATE_ROW"),
        (7, "C", "REQUIRED"),
        (8, "H", "QUALIFICATION_UNKNOWN"),
        (9, "A", "UNIT_OUTSIDE"),
    }
    assert all(e.zh and e.en and e.sheet == "教职工名册" for e in rejected.value.errors)
    assert await count(system_session, Staff) == 0


async def test_a_school_cannot_import_into_its_sibling(sessionmaker, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=2)
    school, sibling = tree.all_schools()
    with pytest.raises(ImportRejected) as rejected:
        await run_import(sessionmaker, school, filled("staff", [teacher("0001", unit_code=sibling.code)]))
    assert [e.code for e in rejected.value.errors] == ["UNIT_OUTSIDE"]
    assert await count(system_session, Staff) == 0


async def arrange_hotline(system_session, county: Tenant) -> Hotline:  # type: ignore[no-untyped-def]
    hotline = Hotline(tenant_id=county.id, root_id=county.root_id, number="07978123456", always_open=True, status="ACTIVE")
    system_session.add(hotline)
    await system_session.flush()
    return hotline


async def test_call_counts_import_and_a_locked_period_refuses(sessionmaker, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    county = tree.counties[0]
    hotline = await arrange_hotline(system_session, county)
    rows = [{"number": "0797-8123456", "period": "202501", "calls": 40, "crisis_calls": 9, "referrals": 5},
            {"number": "0797 8123456", "period": 202502, "calls": 35, "crisis_calls": 3, "referrals": 1}]  # fmt: skip
    result = await run_import(sessionmaker, county, filled("calls", rows))
    assert (result.created, result.unchanged) == (2, 0)
    stored = dict((await system_session.execute(select(HotlineCallCount.period, HotlineCallCount.calls))).all())
    assert stored == {"202501": 40, "202502": 35}
    # A number typed as a number loses its zero: refused with the reason
    with pytest.raises(ImportRejected) as rejected:
        await run_import(sessionmaker, county, filled("calls", [{**rows[0], "number": 7978123456}]))
    assert [(e.column, e.code) for e in rejected.value.errors] == [("A", "CODE_NOT_TEXT")]
    # When the county's report for 202502 is approved, a file changing it is refused whole
    system_session.add(Report(tenant_id=county.id, root_id=county.root_id, period="202502", state="APPROVED", version=1))
    await system_session.flush()
    with pytest.raises(ImportRejected) as rejected:
        await run_import(sessionmaker, county, filled("calls", [{**rows[0], "calls": 41}, {**rows[1], "calls": 36}]))
    assert [(e.row, e.column, e.code) for e in rejected.value.errors] == [(4, "B", "PERIOD_LOCKED")]
    stored = dict((await system_session.execute(select(HotlineCallCount.period, HotlineCallCount.calls))).all())
    assert stored == {"202501": 40, "202502": 35}
    assert hotline.id is not None


async def test_stations_and_training_import_and_reimport(sessionmaker, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=2)
    county = tree.counties[0]
    first, second = tree.schools[county.code]
    stations = [{"unit_code": s.code, "name": "阳光辅导站", "kind": "阳光辅导站", "area_m2": 24.5, "weekly_open_hours": 10,
                 "individual_counselling": "是", "opened_on": dt.date(2024, 9, 1)} for s in (first, second)]  # fmt: skip
    assert (await run_import(sessionmaker, county, filled("stations", stations))).created == 2
    assert (await run_import(sessionmaker, county, filled("stations", stations))).unchanged == 2
    changed = await run_import(sessionmaker, county, filled("stations", [stations[0], {**stations[1], "area_m2": 16}]))
    assert (changed.updated, changed.unchanged) == (1, 1)
    area = (await system_session.execute(select(Station.area_m2).where(Station.tenant_id == second.id))).scalar_one()
    assert area == Decimal(16)
    # Training: the county's session, attended by teachers of both schools
    await run_import(
        sessionmaker, county, filled("staff", [teacher("0001", unit_code=first.code), teacher("0002", unit_code=second.code)])
    )
    session_cells = {"programme": "心理健康教育教师培训", "level": "县级", "year": 2025, "session": "第一期",
                     "starts_on": dt.date(2025, 10, 10), "ends_on": dt.date(2025, 10, 12), "hours": 16, "credits": 2}  # fmt: skip
    rows = [{**session_cells, "unit_code": first.code, "staff_code": "0001", "credits_awarded": 2},
            {**session_cells, "unit_code": second.code, "staff_code": "0002", "completed": "否", "credits_awarded": 0}]  # fmt: skip
    result = await run_import(sessionmaker, county, filled("training", rows))
    assert result.created == 4  # the programme, the session and two attendances
    assert (await run_import(sessionmaker, county, filled("training", rows))).unchanged == 2
    owners = dict((await system_session.execute(select(TrainingAttendance.tenant_id, TrainingAttendance.credits_awarded))).all())
    assert owners == {first.id: Decimal(2), second.id: Decimal(0)}
    assert await count(system_session, TrainingSession) == 1
    # A teacher not on any roster is named
    with pytest.raises(ImportRejected) as rejected:
        await run_import(sessionmaker, county, filled("training", [{**rows[0], "staff_code": "9999"}]))
    assert [(e.column, e.code) for e in rejected.value.errors] == [("J", "STAFF_UNKNOWN")]


async def test_a_file_that_is_no_template_is_named(sessionmaker, system_session) -> None:  # type: ignore[no-untyped-def]
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    with pytest.raises(ImportRejected) as rejected:
        await run_import(sessionmaker, tree.counties[0], b"not a workbook")
    assert rejected.value.errors[0].code == "FILE_UNREADABLE"
    book = load_workbook(io.BytesIO(filled("staff", [teacher("1")])))
    book["教职工名册"].title = "Sheet1"
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(ImportRejected) as rejected:
        await run_import(sessionmaker, tree.counties[0], buffer.getvalue())
    assert rejected.value.errors[0].code == "NO_TEMPLATE_SHEET"


async def test_principals_subject_teachers_and_training_by_audience_import(sessionmaker, system_session) -> None:  # type: ignore[no-untyped-def]
    # Given a county whose school's roster lists a principal (校长) and a subject teacher (学科教师)
    tree = await make_tree(system_session, counties=1, schools_per_county=1)
    county = tree.counties[0]
    school = tree.schools[county.code][0]
    roster = [teacher("P1", unit_code=school.code, kind="校长"), teacher("T1", unit_code=school.code, kind="学科教师")]
    assert (await run_import(sessionmaker, county, filled("staff", roster))).created == 2
    kinds = set((await system_session.execute(select(Staff.staff_code, Staff.kind))).all())
    assert kinds == {("P1", "PRINCIPAL"), ("T1", "TEACHER")}
    # When the county imports principals' training (培训对象 校长) both attended
    cells = {"programme": "校长心理健康教育培训", "level": "县级", "year": 2025, "session": "第一期", "audience": "校长",
             "starts_on": dt.date(2025, 10, 10), "ends_on": dt.date(2025, 10, 11), "hours": 8, "credits": 1}  # fmt: skip
    rows = [{**cells, "unit_code": school.code, "staff_code": code, "credits_awarded": 1} for code in ("P1", "T1")]
    assert (await run_import(sessionmaker, county, filled("training", rows))).created == 4
    # Then the programme and each attendance carry the audience
    audiences = set((await system_session.execute(select(TrainingAttendance.audience))).scalars())
    assert audiences == {"PRINCIPALS"}
    # And a later file that names another audience for the same programme is refused, cell by cell
    with pytest.raises(ImportRejected) as rejected:
        await run_import(sessionmaker, county, filled("training", [{**rows[0], "audience": "班主任"}]))
    assert [e.code for e in rejected.value.errors] == ["AUDIENCE_DIFFERS"]
