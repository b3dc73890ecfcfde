"""Course rules: classes, term hours, activities, the school calendar they use, and the class-hour norm."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runxin.platform.config import Settings
from runxin.platform.courses.models import ACTIVITY_KINDS, SchoolClass
from runxin.platform.courses.norms import hours_required, meeting_hours_required, term_meets_hours, term_meets_meetings
from runxin.platform.courses.services import grades_of, validate_activity, validate_class, validate_term_hours
from runxin.platform.courses.terms import school_year_of, term_of, term_period, weeks_elapsed, weeks_in
from runxin.platform.periods import parse_period
from runxin.platform.staffing.models import Staff
from runxin.platform.standards import STANDARDS
from tests.unit.rules import COUNTY, SCHOOL, SIBLING_SCHOOL, codes, messages, problems

DEFAULT, STRICT = STANDARDS["2023"], STANDARDS["2023-strict"]
# The rules' TODAY (tests/unit/rules.py) is 15 June 2025: spring term 2024T2, school year 2024.
GOOD_CLASS = {"school_year": 2024, "grade": 3, "name": "三年级(2)班", "students": 45, "health_committee_boys": 2, "health_committee_girls": 2}
PRIMARY = grades_of("PRIMARY", "21")


# --- the standard -------------------------------------------------------------------------------


def test_the_bureau_sets_an_hour_every_two_weeks_and_one_school_every_week() -> None:
    # seeds/001 §(三)1 and seeds/003 §四6: 1 every 2 weeks, in the default and the lenient version
    assert DEFAULT.class_hours_per_week_required == STANDARDS["2023-lenient"].class_hours_per_week_required == 0.5
    # seeds/000 §三(二)4: 1 a week, in the named strict version
    assert STRICT.class_hours_per_week_required == 1.0
    assert (DEFAULT.class_meeting_hours_per_month, DEFAULT.health_committee_per_gender) == (1, 2)
    assert (STRICT.class_meeting_hours_per_month, STRICT.health_committee_per_gender) == (1, 2)
    # and otherwise the strict version is the default: the bureau's other rules as they are (the
    # school's plan may be stricter elsewhere too, which is another rule's to say)
    for name in BUREAU_RULES:
        assert getattr(STRICT, name) == getattr(DEFAULT, name), name


BUREAU_RULES = (
    "min_room_area_m2", "min_open_hours_per_week", "students_per_full_time_teacher", "full_time_required_above",
    "ratio_counts_part_time", "required_room_functions", "model_school_target_share",
)  # fmt: skip


def test_the_configuration_accepts_every_standard(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    for version in STANDARDS:
        monkeypatch.setenv("RUNXIN_STANDARDS_VERSION", version)
        assert Settings.from_env(env_file=None, data_dir=tmp_path).standards_version == version


@pytest.mark.parametrize(
    ("weeks", "default_hours", "strict_hours", "meetings"),
    [(1, 1, 1, 0), (2, 1, 2, 0), (3, 2, 3, 0), (4, 2, 4, 1), (18, 9, 18, 4), (19, 10, 19, 4), (20, 10, 20, 5), (22, 11, 22, 5)],
)
def test_what_a_term_owes(weeks: int, default_hours: int, strict_hours: int, meetings: int) -> None:
    # A part hour counts whole (19 weeks: 9.5 -> 10); a month is 4 complete teaching weeks.
    assert hours_required(weeks, DEFAULT) == default_hours
    assert hours_required(weeks, STRICT) == strict_hours
    assert meeting_hours_required(weeks, DEFAULT) == meeting_hours_required(weeks, STRICT) == meetings


@given(weeks=st.integers(1, 26), hours=st.integers(0, 130), meetings=st.integers(0, 26))
def test_meeting_the_norm_is_holding_at_least_what_is_owed(weeks: int, hours: int, meetings: int) -> None:
    # The SQL of the indicators compares hours < weeks × rate; for whole hours that is the same as this.
    for standard in STANDARDS.values():
        assert term_meets_hours(weeks, hours, standard) == (hours >= weeks * standard.class_hours_per_week_required)
        assert term_meets_meetings(weeks, meetings, standard) == (meetings * 4 >= (weeks - weeks % 4) * standard.class_meeting_hours_per_month)


# --- the school calendar ------------------------------------------------------------------------


@given(day=st.dates(dt.date(2001, 1, 1), dt.date(2099, 12, 31)))
def test_a_day_lies_in_the_school_year_and_term_the_periods_say(day: dt.date) -> None:
    year = school_year_of(day)
    assert parse_period(f"{year}SY").contains(day)
    term = term_of(day)
    if term is None:
        assert day.month == 8
        assert not any(parse_period(f"{year}T{n}").contains(day) for n in (1, 2))
    else:
        assert parse_period(f"{year}T{term}").contains(day) and term_period(day) == parse_period(f"{year}T{term}")


def test_weeks_of_a_term() -> None:
    autumn, spring = parse_period("2025T1"), parse_period("2025T2")
    assert (weeks_in(autumn), weeks_in(spring)) == (22, 26)
    assert weeks_elapsed(autumn, dt.date(2025, 8, 31)) == 0
    assert weeks_elapsed(autumn, dt.date(2025, 9, 1)) == 1
    assert weeks_elapsed(autumn, dt.date(2025, 9, 8)) == 2
    assert weeks_elapsed(autumn, dt.date(2026, 6, 1)) == 22


# --- classes ------------------------------------------------------------------------------------


def class_problems(values: dict, **kwargs) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return problems(validate_class, values, SCHOOL, **({"grades": PRIMARY} | kwargs))


def test_a_good_class_passes() -> None:
    assert class_problems(GOOD_CLASS) == set()
    # counts are optional: not reported
    assert class_problems({"school_year": 2024, "grade": 1, "name": "一年级(1)班"}) == set()


@pytest.mark.parametrize(
    ("stages", "category", "taught"),
    [
        ("PRIMARY", "21", range(1, 7)),
        ("PRIMARY,JUNIOR", "31", range(1, 10)),  # a nine-year school
        ("JUNIOR", "31", range(6, 10)),  # the 五四制's junior school starts at grade 6
        ("SENIOR", "34", range(10, 13)),
        ("JUNIOR,SENIOR", "34", range(6, 13)),
        ("VOCATIONAL", "36", range(10, 13)),
        ("SPECIAL", "51", range(1, 13)),
        ("", "21", range(1, 7)),  # no stages in the profile: the school code's category decides
        ("", "34", range(6, 13)),
        ("KINDERGARTEN", "11", range(0)),
        ("", "11", range(0)),
    ],
)
def test_the_grades_a_school_teaches(stages: str, category: str, taught: range) -> None:
    assert grades_of(stages, category) == frozenset(taught)


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"grade": 0}, "grade", "GRADE_OUT_OF_RANGE"),
        ({"grade": 13}, "grade", "GRADE_OUT_OF_RANGE"),
        ({"grade": 7}, "grade", "GRADE_NOT_TAUGHT"),
        ({"name": None}, "name", "REQUIRED"),
        ({"name": "  "}, "name", "REQUIRED"),
        ({"school_year": None}, "school_year", "REQUIRED"),
        ({"school_year": 1999}, "school_year", "TOO_SMALL"),
        ({"school_year": 2026}, "school_year", "TOO_LARGE"),  # in June 2025: 2024 under way, 2025 planned
        ({"students": 151}, "students", "TOO_LARGE"),
        ({"health_committee_girls": -1}, "health_committee_girls", "NEGATIVE"),
        ({"students": 3}, "health_committee_boys", "COMMITTEE_EXCEEDS_STUDENTS"),
        ({"students": 1, "health_committee_boys": 0}, "health_committee_girls", "COMMITTEE_EXCEEDS_STUDENTS"),
    ],
)
def test_a_bad_class_names_its_field(change: dict, field: str, code: str) -> None:
    assert class_problems(GOOD_CLASS | change) == {(field, code)}


def test_the_grade_message_says_what_the_school_teaches() -> None:
    message = messages(validate_class, GOOD_CLASS | {"grade": 9}, SCHOOL, grades=PRIMARY)
    assert "grades 1-6" in message and "grade 9" in message and "stages" in message


def test_a_class_of_the_next_school_year_may_be_planned() -> None:
    assert class_problems(GOOD_CLASS | {"school_year": 2025}) == set()


def test_homeroom_teacher_rules() -> None:
    own = Staff(id=uuid.uuid4(), tenant_id=SCHOOL.id, kind="HOMEROOM", name="王老师", active=True)
    sibling = Staff(id=uuid.uuid4(), tenant_id=SIBLING_SCHOOL.id, kind="HOMEROOM", name="李老师", active=True)
    gone = Staff(id=uuid.uuid4(), tenant_id=SCHOOL.id, kind="HOMEROOM", name="赵老师", active=False)
    assert class_problems(GOOD_CLASS, homeroom=own, homeroom_set=True) == set()
    assert class_problems(GOOD_CLASS, homeroom=sibling, homeroom_set=True) == {("homeroom_staff_id", "HOMEROOM_OTHER_SCHOOL")}
    assert class_problems(GOOD_CLASS, homeroom=gone, homeroom_set=True) == {("homeroom_staff_id", "HOMEROOM_INACTIVE")}
    # a teacher who left after being named does not block other changes to the class
    assert class_problems(GOOD_CLASS, homeroom=gone, homeroom_set=False) == set()


def test_a_duplicate_name_and_a_moved_school_year_are_refused() -> None:
    assert class_problems(GOOD_CLASS, name_taken=True) == {("name", "DUPLICATE_CLASS_NAME")}
    assert class_problems(GOOD_CLASS, has_other_year_hours=True) == {("school_year", "CLASS_HAS_TERM_HOURS")}


def test_every_problem_of_a_class_is_reported_at_once() -> None:
    assert codes(validate_class, {"grade": 14, "name": "", "students": -2}, SCHOOL, grades=PRIMARY) == {
        "school_year": "REQUIRED", "grade": "GRADE_OUT_OF_RANGE", "name": "REQUIRED", "students": "NEGATIVE",
    }  # fmt: skip


# --- term hours ---------------------------------------------------------------------------------

CLASS_2024 = SchoolClass(id=uuid.uuid4(), tenant_id=SCHOOL.id, school_year=2024, grade=3, name="三年级(2)班")
GOOD_HOURS = {"term": "2024T1", "teaching_weeks": 19, "mental_health_hours": 10, "class_meeting_hours": 4}


def hours_problems(values: dict, **kwargs) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return problems(validate_term_hours, values, SCHOOL, **({"school_class": CLASS_2024} | kwargs))


def test_good_term_hours_pass_below_the_norm_too() -> None:
    # Below the norm is a gap to show, not bad input.
    assert hours_problems(GOOD_HOURS) == set()
    assert hours_problems(GOOD_HOURS | {"mental_health_hours": 0, "class_meeting_hours": 0}) == set()


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"term": None}, "term", "REQUIRED"),
        ({"term": "2024-T1"}, "term", "PERIOD_FORMAT"),
        ({"term": "2024T3"}, "term", "PERIOD_FORMAT"),
        ({"term": "2024"}, "term", "NOT_A_TERM"),
        ({"term": "202409"}, "term", "NOT_A_TERM"),
        ({"term": "2023T2"}, "term", "TERM_OUTSIDE_SCHOOL_YEAR"),
        ({"term": "2025T1"}, "term", "PERIOD_IN_FUTURE"),
        ({"teaching_weeks": 0}, "teaching_weeks", "TOO_SMALL"),
        ({"teaching_weeks": 23}, "teaching_weeks", "TOO_LARGE"),
        ({"mental_health_hours": 96}, "mental_health_hours", "TOO_LARGE"),
        ({"class_meeting_hours": 20}, "class_meeting_hours", "TOO_LARGE"),
        ({"class_meeting_hours": -1}, "class_meeting_hours", "NEGATIVE"),
        ({"teaching_weeks": None}, "teaching_weeks", "REQUIRED"),
    ],
)
def test_bad_term_hours_name_their_field(change: dict, field: str, code: str) -> None:
    assert hours_problems(GOOD_HOURS | change) == {(field, code)}


def test_a_running_term_is_recorded_with_the_weeks_so_far() -> None:
    # On 15 June 2025 the spring term 2024T2 (from 1 February) has run 20 weeks of its 26
    spring = GOOD_HOURS | {"term": "2024T2"}
    assert hours_problems(spring | {"teaching_weeks": 20}) == set()
    assert hours_problems(spring | {"teaching_weeks": 21}) == {("teaching_weeks", "TEACHING_WEEKS_AHEAD")}
    assert "20 weeks so far" in messages(validate_term_hours, spring | {"teaching_weeks": 21}, SCHOOL, school_class=CLASS_2024)


# --- activities ---------------------------------------------------------------------------------

GOOD_ACTIVITY = {"kind": "PARENT_TRAINING", "held_on": dt.date(2025, 3, 8), "title": "家长学校", "participants": 300}


def test_good_activities_pass() -> None:
    assert codes(validate_activity, GOOD_ACTIVITY, SCHOOL) == {}
    assert codes(validate_activity, GOOD_ACTIVITY | {"held_on": dt.date(2024, 8, 20), "participants": None}, SCHOOL) == {}
    assert codes(validate_activity, GOOD_ACTIVITY | {"kind": "THEME_MONTH_MENTAL_HEALTH", "held_on": dt.date(2025, 5, 25)}, SCHOOL) == {}
    assert codes(validate_activity, GOOD_ACTIVITY | {"kind": "THEME_MONTH_LIFE_HEALTH", "held_on": dt.date(2024, 10, 8)}, SCHOOL) == {}
    assert codes(validate_activity, GOOD_ACTIVITY | {"kind": "ADAPTATION_TERM_START", "held_on": dt.date(2024, 9, 1)}, SCHOOL) == {}


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"kind": "SPORTS_DAY"}, "kind", "NOT_ALLOWED"),
        ({"kind": None}, "kind", "REQUIRED"),
        ({"title": ""}, "title", "REQUIRED"),
        ({"title": "活" * 201}, "title", "TOO_LONG"),
        ({"held_on": None}, "held_on", "REQUIRED"),
        ({"held_on": dt.date(2025, 6, 16)}, "held_on", "DATE_IN_FUTURE"),
        ({"held_on": dt.date(1999, 3, 1)}, "held_on", "TOO_EARLY"),
        ({"kind": "THEME_MONTH_MENTAL_HEALTH", "held_on": dt.date(2025, 4, 30)}, "held_on", "THEME_MONTH_MISMATCH"),
        ({"kind": "THEME_MONTH_LIFE_HEALTH", "held_on": dt.date(2024, 11, 1)}, "held_on", "THEME_MONTH_MISMATCH"),
        ({"kind": "ADAPTATION_PRE_EXAM", "held_on": dt.date(2024, 8, 30)}, "held_on", "OUTSIDE_TERM"),
        ({"participants": 0}, "participants", "TOO_SMALL"),
        ({"participants": 50_001}, "participants", "TOO_LARGE"),
    ],
)
def test_a_bad_activity_names_its_field(change: dict, field: str, code: str) -> None:
    assert problems(validate_activity, GOOD_ACTIVITY | change, SCHOOL) == {(field, code)}


def test_theme_month_messages_cite_the_clause_and_say_what_to_do() -> None:
    message = messages(validate_activity, GOOD_ACTIVITY | {"kind": "THEME_MONTH_LIFE_HEALTH", "held_on": dt.date(2024, 11, 1)}, SCHOOL)
    assert "October" in message and "seeds/001 §(三)4" in message and "another kind" in message


def test_every_kind_is_a_known_one() -> None:
    assert set(ACTIVITY_KINDS) == {
        "THEME_MONTH_MENTAL_HEALTH", "THEME_MONTH_LIFE_HEALTH", "ADAPTATION_TERM_START", "ADAPTATION_PRE_EXAM", "PARENT_TRAINING",
    }  # fmt: skip
    assert COUNTY.kind == "COUNTY"  # (owner kinds are checked by records.create_record: see the e2e tests)
