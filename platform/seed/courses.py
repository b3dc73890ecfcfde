"""Classes, their 2025-26 term hours and the schools' 2025-26 activities, with the gaps a bureau finds.

About one school in eight has not recorded its classes yet (not reported). Most classes hold their
mental-health hour every two weeks and a class meeting a month; at some schools a few classes fall
short, most often in the spring term, and some classes still lack a boy or a girl on their health
committee. Most schools hold both theme months, the adaptation activities of each term and a parent
training; some miss one. Every city shows each of those gaps at least once (`_ensure_gaps`), as the
generator does for stations and staff.

A stream of its own (`random.Random` seeded with the seed and the city's code), so that the rows of
the other domains do not change with this one's.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any

from runxin.platform.courses.models import ClassTermHours, SchoolActivity, SchoolClass
from runxin.platform.courses.terms import school_year_of, term_of
from runxin.platform.seed.names import chinese_number
from runxin.platform.seed.rows import Dataset
from runxin.platform.seed.tree import CURRENT_YEAR, CityPlan, SchoolPlan
from runxin.platform.staffing.models import Staff

YEAR = CURRENT_YEAR
# Teaching weeks of the 2025-26 terms: (autumn, spring).
WEEKS = {"T1": (19, 20), "T2": (18, 19)}
# Grades by stage under the 六三制 of the seeded province (the rules also allow the 五四制's grade 6 junior).
SEED_GRADES = {
    "PRIMARY": range(1, 7),
    "JUNIOR": range(7, 10),
    "SENIOR": range(10, 13),
    "VOCATIONAL": range(10, 13),
    "SPECIAL": range(1, 10),
}
JUNIOR_SENIOR = {7: "初一", 8: "初二", 9: "初三", 10: "高一", 11: "高二", 12: "高三"}
MAX_CLASSES = 80
# Shares of schools: classes recorded; within those, with some classes short of hours; activities held.
CLASSES_RECORDED = 0.88
SHORT_OF_HOURS = 0.22
HELD = {
    "THEME_MONTH_MENTAL_HEALTH": 0.86,
    "THEME_MONTH_LIFE_HEALTH": 0.8,
    "ADAPTATION_TERM_START/1": 0.93,
    "ADAPTATION_PRE_EXAM/1": 0.82,
    "ADAPTATION_TERM_START/2": 0.88,
    "ADAPTATION_PRE_EXAM/2": 0.8,
    "PARENT_TRAINING": 0.78,
}
TITLES = {
    "THEME_MONTH_MENTAL_HEALTH": "5·25心理健康教育主题月活动",
    "THEME_MONTH_LIFE_HEALTH": "“珍爱生命”生命健康主题月活动",
    "ADAPTATION_TERM_START": "新学期入学适应心理讲座",
    "ADAPTATION_PRE_EXAM": "考前心理减压团体辅导",
    "PARENT_TRAINING": "家长学校心理健康知识培训",
}
# When each activity may fall: (first day, last day) of school year 2025-26.
WHEN = {
    "THEME_MONTH_MENTAL_HEALTH": (dt.date(2026, 5, 6), dt.date(2026, 5, 29)),
    "THEME_MONTH_LIFE_HEALTH": (dt.date(2025, 10, 9), dt.date(2025, 10, 30)),
    "ADAPTATION_TERM_START/1": (dt.date(2025, 9, 1), dt.date(2025, 9, 26)),
    "ADAPTATION_PRE_EXAM/1": (dt.date(2025, 12, 22), dt.date(2026, 1, 9)),
    "ADAPTATION_TERM_START/2": (dt.date(2026, 2, 24), dt.date(2026, 3, 13)),
    "ADAPTATION_PRE_EXAM/2": (dt.date(2026, 5, 25), dt.date(2026, 6, 19)),
    "PARENT_TRAINING": (dt.date(2025, 9, 15), dt.date(2026, 6, 30)),
}


def add_courses(data: Dataset, city: CityPlan, seed: int) -> None:
    """Add the classes, term hours and activities of every school of `city` for school year 2025."""
    rng = random.Random(f"runxin-seed-courses/{seed}/{city.code}")
    homeroom = _homeroom_teachers(data, city)
    plans = [(school, rng.random() < CLASSES_RECORDED, rng.random() < SHORT_OF_HOURS) for school in city.schools()]
    plans = _ensure_gaps(plans, rng)
    held = _ensure_missed([{key for key, share in HELD.items() if rng.random() < share} for _ in plans], rng)
    for (school, recorded, short), activities in zip(plans, held, strict=True):
        owned = {"tenant_id": school.id, "root_id": city.id}
        if recorded:
            _classes(data, school, owned, homeroom.get(school.id, []), short, rng)
        _activities(data, school, owned, activities, rng)


def _homeroom_teachers(data: Dataset, city: CityPlan) -> dict[Any, list[Any]]:
    schools = {school.id for school in city.schools()}
    found: dict[Any, list[Any]] = {}
    for row in data.rows[Staff]:
        if row["tenant_id"] in schools and row["kind"] == "HOMEROOM" and row["active"]:
            found.setdefault(row["tenant_id"], []).append(row["id"])
    return found


def _ensure_gaps(plans: list[tuple[SchoolPlan, bool, bool]], rng: random.Random) -> list[tuple[SchoolPlan, bool, bool]]:
    """At least one school without classes, and one whose classes fall short, in every city of 3 schools or more."""
    if len(plans) < 3:
        return plans
    if all(recorded for _, recorded, _ in plans):
        i = rng.randrange(len(plans))
        plans[i] = (plans[i][0], False, plans[i][2])
    if not any(recorded and short for _, recorded, short in plans):
        i = rng.choice([i for i, (_, recorded, _) in enumerate(plans) if recorded])
        plans[i] = (plans[i][0], True, True)
    return plans


def _ensure_missed(held: list[set[str]], rng: random.Random) -> list[set[str]]:
    """At least one school that missed a theme month, and one without parent training (3 schools or more)."""
    if len(held) < 3:
        return held
    for key in ("THEME_MONTH_LIFE_HEALTH", "PARENT_TRAINING"):
        if all(key in activities for activities in held):
            rng.choice(held).discard(key)
    return held


def _grades(school: SchoolPlan) -> list[int]:
    return sorted({g for stage in school.stages.split(",") if stage in SEED_GRADES for g in SEED_GRADES[stage]})


def class_name(school: SchoolPlan, grade: int, number: int) -> str:
    """How a school names a class: 一年级(2)班, 初一(3)班, 高二(1)班, or by intake year at a vocational school."""
    if school.category == "36":
        return f"{YEAR - (grade - 10)}级({number})班"
    if grade in JUNIOR_SENIOR:
        return f"{JUNIOR_SENIOR[grade]}({number})班"
    return f"{chinese_number(grade)}年级({number})班"


def _classes(data: Dataset, school: SchoolPlan, owned: dict, homeroom: list[Any], short: bool, rng: random.Random) -> None:
    grades = _grades(school)
    if not grades:
        return
    # A class per grade at least: a small rural school has classes of a dozen.
    count = max(len(grades), min(MAX_CLASSES, round(school.current_students / rng.randint(38, 50))))
    per_grade = [count // len(grades) + (1 if i < count % len(grades) else 0) for i in range(len(grades))]
    teachers = iter(homeroom)
    for grade, classes in zip(grades, per_grade, strict=True):
        for number in range(1, classes + 1):
            students = max(5, round(school.current_students / count * rng.uniform(0.9, 1.1)))
            # Committee counts: most classes record them, and most have their 2 boys and 2 girls.
            committee = rng.random() < 0.8
            complete = rng.random() < 0.85
            boys = 2 if complete else rng.randint(0, 2)
            girls = 2 if complete or boys < 2 else rng.randint(0, 1)
            if students < boys + girls:
                boys, girls = min(boys, students // 2), min(girls, students - students // 2)
            row = data.add(
                SchoolClass, **owned, school_year=YEAR, grade=grade, name=class_name(school, grade, number),
                homeroom_staff_id=next(teachers, None), students=students,
                health_committee_boys=boys if committee else None, health_committee_girls=girls if committee else None,
            )  # fmt: skip
            # At a school that falls short, its first class does and about a third of the others.
            first = grade == grades[0] and number == 1
            _term_hours(data, row, owned, short and (first or rng.random() < 0.35), rng)


def _term_hours(data: Dataset, school_class: dict, owned: dict, short: bool, rng: random.Random) -> None:
    for term, choices in WEEKS.items():
        if rng.random() < 0.04:  # a term not entered yet
            continue
        weeks = rng.choice(choices)
        hours = math.ceil(weeks / 2) + (rng.randint(0, 2) if rng.random() < 0.3 else 0)
        meetings = weeks // 4 + (1 if rng.random() < 0.2 else 0)
        # A short class falls behind most often in the spring term, on hours or on meetings.
        if short and (term == "T2" or rng.random() < 0.4):
            if rng.random() < 0.7:
                hours = rng.randint(weeks // 4, math.ceil(weeks / 2) - 1)
            else:
                meetings = rng.randint(1, weeks // 4 - 1)
        data.add(
            ClassTermHours, **owned, class_id=school_class["id"], term=f"{YEAR}{term}", teaching_weeks=weeks,
            mental_health_hours=hours, class_meeting_hours=meetings,
        )  # fmt: skip


def _activities(data: Dataset, school: SchoolPlan, owned: dict, held: set[str], rng: random.Random) -> None:
    for key in HELD:
        if key not in held:
            continue
        kind = key.split("/")[0]
        first, last = WHEN[key]
        times = rng.choice((1, 1, 2)) if kind == "PARENT_TRAINING" else 1
        for _ in range(times):
            held_on = first + dt.timedelta(days=rng.randint(0, (last - first).days))
            data.add(
                SchoolActivity, **owned, kind=kind, held_on=held_on, title=TITLES[kind],
                participants=_participants(kind, school, rng), school_year=school_year_of(held_on), term=term_of(held_on),
            )  # fmt: skip


def _participants(kind: str, school: SchoolPlan, rng: random.Random) -> int | None:
    if rng.random() < 0.1:
        return None
    students = school.current_students
    if kind == "PARENT_TRAINING":
        return max(10, round(students * rng.uniform(0.2, 0.7)))
    if kind.startswith("ADAPTATION"):
        return max(10, round(students * rng.uniform(0.15, 0.5)))
    return max(10, round(students * rng.uniform(0.5, 1.0)))
