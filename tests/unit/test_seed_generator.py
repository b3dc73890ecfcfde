"""The seed generator without a database: determinism, valid ids and codes, the proportions of domain.md."""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import subprocess
import sys
import uuid
from collections import Counter

import pytest

from runxin.platform.centres.models import CentreActivity, CounsellingCentre
from runxin.platform.centres.services import validate_centre, validate_centre_activity
from runxin.platform.codes import check_division_code, check_school_code
from runxin.platform.hotlines.models import Hotline, HotlineCallCount
from runxin.platform.hotlines.services import validate_call_counts, validate_hotline
from runxin.platform.recognitions.models import COUNTED_LEVELS, ModelSchoolRecognition, in_force_on
from runxin.platform.recognitions.services import validate_recognition
from runxin.platform.schools.models import SchoolEnrolment, SchoolProfile
from runxin.platform.schools.services import TenantRef, validate_enrolment, validate_school_profile
from runxin.platform.seed import SCALES
from runxin.platform.seed.generator import digest, generate
from runxin.platform.seed.names import chinese_number
from runxin.platform.seed.rows import WRITE_ORDER
from runxin.platform.seed.tree import split
from runxin.platform.staffing.models import Staff
from runxin.platform.staffing.services import validate_staff
from runxin.platform.stations.models import Station
from runxin.platform.stations.services import validate_station
from runxin.platform.students.models import StudentFile
from runxin.platform.targets.models import Target
from runxin.platform.targets.services import validate_target
from runxin.platform.training.models import TrainingAttendance, TrainingProgramme, TrainingSession
from runxin.platform.training.services import validate_attendance, validate_programme, validate_training_session
from runxin.platform.tree.models import Tenant


@pytest.fixture(scope="module")
def city():  # type: ignore[no-untyped-def]
    return generate(SCALES["city"], 7)


def test_same_seed_same_rows_different_seed_different_rows() -> None:
    assert digest(generate(SCALES["tiny"], 7)) == digest(generate(SCALES["tiny"], 7))
    assert digest(generate(SCALES["tiny"], 7)) != digest(generate(SCALES["tiny"], 8))


def test_rows_do_not_depend_on_the_hash_seed() -> None:
    # Set iteration order of strings changes with PYTHONHASHSEED; the rows must not.
    code = "from runxin.platform.seed import SCALES; from runxin.platform.seed.generator import generate, digest; print(digest(generate(SCALES['tiny'], 5)))"
    digests = {
        subprocess.run(
            [sys.executable, "-c", code], env={**os.environ, "PYTHONHASHSEED": str(h)}, capture_output=True, text=True, check=True
        ).stdout
        for h in (0, 1, 4242)
    }
    assert len(digests) == 1


def test_ids_are_unique_time_ordered_uuid7(city) -> None:  # type: ignore[no-untyped-def]
    ids = [row["id"] for model in WRITE_ORDER for row in city.rows[model]]
    assert len(set(ids)) == len(ids)
    assert all(i.version == 7 and i.variant == uuid.RFC_4122 for i in ids)
    # The big tables are inserted in creation order, so their keys arrive ascending (index-friendly).
    for model in (Staff, TrainingAttendance):
        keys = [row["id"] for row in city.rows[model]]
        assert keys == sorted(keys)


def test_codes_are_valid_and_unique(city) -> None:  # type: ignore[no-untyped-def]
    tenants = city.rows[Tenant]
    codes = {t["id"]: t["code"] for t in tenants}
    assert len(set(codes.values())) == len(tenants) == 1 + 12 + 1200
    for t in tenants:
        if t["kind"] == "CITY":
            assert check_division_code(t["code"], "CITY") == "360700"
        elif t["kind"] == "COUNTY":
            check_division_code(t["code"], "COUNTY", parent_code=codes[t["parent_id"]])
        else:
            check_school_code(t["code"], province_prefix=codes[t["parent_id"]][:2])
    # Names are unique within a county, so a county's list of schools never shows twins.
    by_county = Counter((t["parent_id"], t["name"]) for t in tenants if t["kind"] == "SCHOOL")
    assert max(by_county.values()) == 1


def test_proportions_follow_the_domain(city) -> None:  # type: ignore[no-untyped-def]
    profiles = city.rows[SchoolProfile]
    n = len(profiles)

    def share(predicate) -> float:  # type: ignore[no-untyped-def]
        return sum(1 for p in profiles if predicate(p)) / n

    assert 0.30 < share(lambda p: p["central_rank"]) < 0.40
    assert 0.15 < share(lambda p: p["small_scale"]) < 0.25
    year_end = dt.date(2025, 12, 31)
    model_schools = {
        r["tenant_id"] for r in city.rows[ModelSchoolRecognition] if r["level"] in COUNTED_LEVELS and in_force_on(r, year_end)
    }
    assert 0.07 < share(lambda p: p["tenant_id"] in model_schools) < 0.13
    assert share(lambda p: p["cluster_centre_id"] is not None) > 0.05
    categories = Counter(p["category"] for p in profiles)
    assert categories["21"] > categories["31"] > categories["36"] > 0 and categories["51"] > 0
    students: dict[uuid.UUID, dict[int, int]] = {}
    for row in city.rows[SchoolEnrolment]:
        students.setdefault(row["tenant_id"], {})[row["school_year"]] = row["students"]
    assert 0.03 < sum(2025 not in years for years in students.values()) / n < 0.08
    assert all(80 <= s <= 3500 for years in students.values() for s in years.values())
    full_time = Counter(s["tenant_id"] for s in city.rows[Staff] if s["kind"] == "FULL_TIME")
    assert 0.70 < sum(1 for t in students if full_time[t]) / n < 0.85
    big = [t for t, years in students.items() if years.get(2025, 0) > 800]
    assert 0.05 < sum(1 for t in big if not full_time[t]) / len(big) < 0.15


def test_staff_look_like_people(city) -> None:  # type: ignore[no-untyped-def]
    staff = city.rows[Staff]
    assert all(re.fullmatch(r"1[358]\d{9}", s["phone"]) for s in staff)
    assert all(2 <= len(s["name"]) <= 3 for s in staff)
    assert {s["kind"] for s in staff} == {"FULL_TIME", "PART_TIME", "HIRED_COUNSELLOR", "HOMEROOM", "TEACHER", "PRINCIPAL"}
    # One principal per school; subject teachers only at the demo schools, as their students' mentors
    # (elsewhere they would only multiply the rows).
    principals = Counter(s["tenant_id"] for s in staff if s["kind"] == "PRINCIPAL")
    assert set(principals.values()) == {1} and len(principals) == len(city.rows[SchoolProfile])
    with_files = {r["tenant_id"] for r in city.rows[StudentFile]}
    assert with_files and {s["tenant_id"] for s in staff if s["kind"] == "TEACHER"} <= with_files
    assert all(s["employed_since"].year >= s["birth_date"].year + 22 for s in staff)


def test_split_and_numbers() -> None:
    sizes = split(15_000, 100, random.Random(1), spread=0.45, minimum=5)
    assert sum(sizes) == 15_000 and min(sizes) >= 5
    assert [chinese_number(n) for n in (1, 10, 12, 20, 23)] == ["一", "十", "十二", "二十", "二十三"]


def test_seeded_rows_pass_the_domain_rules(city) -> None:  # type: ignore[no-untyped-def]
    # Seeded data is what users could have entered: every row passes its domain's validation.
    # After every 2025 session has ended and while the spring term 2025T2 runs.
    today = dt.date(2026, 3, 1)
    tenants = {row["id"]: Tenant(**row) for row in city.rows[Tenant]}
    sessions = {row["id"]: TrainingSession(**row) for row in city.rows[TrainingSession]}
    programmes = {row["id"]: row for row in city.rows[TrainingProgramme]}
    rules = {
        SchoolEnrolment: validate_enrolment,
        CounsellingCentre: validate_centre,
        CentreActivity: validate_centre_activity,
        Hotline: validate_hotline,
        HotlineCallCount: validate_call_counts,
        Station: validate_station,
        Staff: validate_staff,
        TrainingProgramme: validate_programme,
        TrainingSession: validate_training_session,
    }
    for model, validate in rules.items():
        for row in city.rows[model]:
            validate(row, tenants[row["tenant_id"]], today=today)
    for row in city.rows[SchoolProfile]:
        centre = tenants.get(row["cluster_centre_id"])
        ref = TenantRef(centre.id, centre.kind, centre.parent_id) if centre is not None else None
        validate_school_profile(row, tenants[row["tenant_id"]], today=today, cluster_centre=ref)
    for row in city.rows[Target]:
        validate_target(row, tenants[row["tenant_id"]], today=today, setter=tenants[row["set_by_id"]])
    for row in city.rows[TrainingAttendance]:
        session = sessions[row["session_id"]]
        owner = tenants[programmes[session.programme_id]["tenant_id"]]
        validate_attendance(row, tenants[row["tenant_id"]], today=today, training_session=session, programme_owner=owner)
        assert row["audience"] == programmes[session.programme_id]["audience"]
    # each recognition as the bureau entitled to its level would record it (the county for a
    # county title, the city for the others)
    for row in city.rows[ModelSchoolRecognition]:
        school = tenants[row["tenant_id"]]
        county = tenants[school.parent_id]
        writer = county if row["level"] == "COUNTY" else tenants[county.parent_id]
        validate_recognition(row, school, today=today, writer=writer, creating=True)
