"""The seeded classes, term hours and activities: what users could have entered, with gaps to find."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest

from runxin.platform.courses.models import ClassTermHours, SchoolActivity, SchoolClass
from runxin.platform.courses.norms import term_meets_hours, term_meets_meetings
from runxin.platform.courses.services import grades_of, validate_activity, validate_class, validate_term_hours
from runxin.platform.schools.models import SchoolProfile
from runxin.platform.seed import SCALES
from runxin.platform.seed.generator import generate
from runxin.platform.staffing.models import Staff
from runxin.platform.standards import STANDARDS
from runxin.platform.tree.models import Tenant

# After the seeded school year 2025-26 ended.
TODAY = dt.date(2026, 8, 31)


@pytest.fixture(scope="module")
def city():  # type: ignore[no-untyped-def]
    return generate(SCALES["city"], 7)


def test_seeded_course_rows_pass_the_domain_rules(city) -> None:  # type: ignore[no-untyped-def]
    tenants = {row["id"]: Tenant(**row) for row in city.rows[Tenant]}
    profiles = {row["tenant_id"]: row for row in city.rows[SchoolProfile]}
    staff = {row["id"]: Staff(**row) for row in city.rows[Staff]}
    classes = {row["id"]: SchoolClass(**row) for row in city.rows[SchoolClass]}
    names = defaultdict(list)
    for row in city.rows[SchoolClass]:
        tenant = tenants[row["tenant_id"]]
        grades = grades_of(profiles[tenant.id]["stages"], tenant.code[:2])
        homeroom = staff.get(row["homeroom_staff_id"])
        validate_class(row, tenant, today=TODAY, grades=grades, homeroom=homeroom, homeroom_set=True)
        names[tenant.id, row["school_year"]].append(row["name"])
    assert all(len(set(found)) == len(found) for found in names.values()), "class names repeat in a school year"
    for row in city.rows[ClassTermHours]:
        school_class = classes[row["class_id"]]
        assert row["tenant_id"] == school_class.tenant_id
        validate_term_hours(row, tenants[row["tenant_id"]], today=TODAY, school_class=school_class)
    for row in city.rows[SchoolActivity]:
        validate_activity(row, tenants[row["tenant_id"]], today=TODAY)


def test_every_course_gap_shows_up(city) -> None:  # type: ignore[no-untyped-def]
    standard = STANDARDS["2023"]
    schools = [row["id"] for row in city.rows[Tenant] if row["kind"] == "SCHOOL"]
    with_classes = {row["tenant_id"] for row in city.rows[SchoolClass]}
    held = defaultdict(set)
    for row in city.rows[SchoolActivity]:
        held[row["tenant_id"]].add(row["kind"])
    terms = city.rows[ClassTermHours]
    short_hours = [t for t in terms if not term_meets_hours(t["teaching_weeks"], t["mental_health_hours"], standard)]
    short_meetings = [t for t in terms if not term_meets_meetings(t["teaching_weeks"], t["class_meeting_hours"], standard)]
    incomplete = [c for c in city.rows[SchoolClass] if c["health_committee_boys"] is not None and min(c["health_committee_boys"], c["health_committee_girls"]) < 2]
    unreported = [c for c in city.rows[SchoolClass] if c["health_committee_boys"] is None]
    # Some schools have not recorded their classes; most have
    assert 0.05 < 1 - len(with_classes) / len(schools) < 0.2
    # Some terms fall short on hours and on meetings, most do not
    assert 0 < len(short_hours) / len(terms) < 0.15 and 0 < len(short_meetings) / len(terms) < 0.15
    # Some committees are incomplete, some not recorded
    assert incomplete and unreported
    # Some schools missed a theme month or the parent training; most held them
    for kind in ("THEME_MONTH_MENTAL_HEALTH", "THEME_MONTH_LIFE_HEALTH", "PARENT_TRAINING"):
        missed = sum(1 for school in schools if kind not in held[school])
        assert 0.05 < missed / len(schools) < 0.35, kind
    # and under the strict standard (1 hour a week) most classes fall short
    strict = STANDARDS["2023-strict"]
    assert sum(1 for t in terms if not term_meets_hours(t["teaching_weeks"], t["mental_health_hours"], strict)) / len(terms) > 0.5


def test_even_the_tiny_city_shows_the_gaps() -> None:
    tiny = generate(SCALES["tiny"], 7)
    schools = {row["id"] for row in tiny.rows[Tenant] if row["kind"] == "SCHOOL"}
    held = defaultdict(set)
    for row in tiny.rows[SchoolActivity]:
        held[row["tenant_id"]].add(row["kind"])
    assert schools - {row["tenant_id"] for row in tiny.rows[SchoolClass]}, "a school without classes"
    assert any("THEME_MONTH_LIFE_HEALTH" not in held[s] for s in schools) and any("PARENT_TRAINING" not in held[s] for s in schools)
    standard = STANDARDS["2023"]
    assert any(
        not (term_meets_hours(t["teaching_weeks"], t["mental_health_hours"], standard) and term_meets_meetings(t["teaching_weeks"], t["class_meeting_hours"], standard))
        for t in tiny.rows[ClassTermHours]
    ), "a class short of the norm"
