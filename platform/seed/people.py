"""Staff of the seeded schools and the 2025 training they attended.

The city trains its full-time teachers twice a year; each county trains all its full-time and
part-time teachers through the year and its homeroom teachers once or twice (domain.md §5).
Every school has its principal, whom the city trains once in the year in mental-health basics
(seeds/001 §(二)2); some miss it. Subject teachers are not seeded: they would multiply the staff
rows for no figure the demo shows. Attendance belongs to the teacher's school, so a school sees
its teachers' credits.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from decimal import Decimal

from runxin.platform.seed import names
from runxin.platform.seed.rows import Dataset
from runxin.platform.seed.tree import CityPlan, CountyPlan, SchoolPlan
from runxin.platform.staffing.models import Staff
from runxin.platform.training.models import TrainingAttendance, TrainingProgramme, TrainingSession

YEAR = 2025
_GENDERS = ("FEMALE", "MALE", "UNDISCLOSED")
# Mental-health teaching is mostly done by women; homeroom teaching a little less so.
_GENDER_WEIGHTS = {"HOMEROOM": (0.62, 0.37, 0.01), "OTHER": (0.72, 0.27, 0.01)}
_QUALIFICATIONS = {
    "FULL_TIME": (("PSY_DEGREE,TEACHER_CERT", "PSY_DEGREE,TEACHER_CERT,COUNSELLOR_CERT", "TEACHER_CERT,COUNSELLOR_CERT", "TEACHER_CERT"),
                  (0.50, 0.30, 0.15, 0.05)),
    "PART_TIME": (("TEACHER_CERT", "TEACHER_CERT,COUNSELLOR_CERT", "PSY_DEGREE,TEACHER_CERT"), (0.60, 0.35, 0.05)),
    "HIRED_COUNSELLOR": (("COUNSELLOR_CERT", "PSY_DEGREE,COUNSELLOR_CERT"), (0.45, 0.55)),
    "HOMEROOM": (("TEACHER_CERT",), (1.0,)),
    "PRINCIPAL": (("TEACHER_CERT",), (1.0,)),
}  # fmt: skip
# Credits per session length (hours), half-credit steps as continuing-education registers keep them.
_CREDITS = {3: Decimal("0.5"), 4: Decimal("0.5"), 6: Decimal("1.0"), 8: Decimal("1.0"), 12: Decimal("1.5"), 16: Decimal("2.0")}
_NO_CREDIT = Decimal("0.0")

Attendee = tuple[uuid.UUID, uuid.UUID]  # (staff id, the staff's school tenant id)


def add_people(data: Dataset, city: CityPlan, rng: random.Random) -> None:
    """Add the staff of every school of `city`, and the city's and counties' 2025 training."""
    full_time: list[Attendee] = []
    county_groups: list[tuple[CountyPlan, list[Attendee], list[Attendee]]] = []
    for county in city.counties:
        teachers: list[Attendee] = []
        homeroom: list[Attendee] = []
        for school in county.schools:
            for kind, staff_id, active in _add_school_staff(data, city, school, rng):
                if not active:
                    continue
                attendee = (staff_id, school.id)
                if kind == "FULL_TIME":
                    full_time.append(attendee)
                if kind in ("FULL_TIME", "PART_TIME"):
                    teachers.append(attendee)
                elif kind == "HOMEROOM":
                    homeroom.append(attendee)
        county_groups.append((county, teachers, homeroom))
    city_owned = {"tenant_id": city.id, "root_id": city.id}
    programme = _programme(data, city_owned, f"{city.name}{YEAR}年心理健康教育专职教师培训", "CITY", "MENTAL_HEALTH_TEACHERS")
    months = (rng.randint(3, 5), rng.randint(9, 11))
    _sessions(data, city, programme, city_owned, months, (12, 16), 2, full_time, 0.9, rng)
    for county, teachers, homeroom in county_groups:
        owned = {"tenant_id": county.id, "root_id": city.id}
        name = county.name
        programme = _programme(data, owned, f"{name}{YEAR}年心理健康教育教师全员培训", "COUNTY", "MENTAL_HEALTH_TEACHERS")
        months = tuple(sorted(rng.sample((3, 4, 5, 6, 7, 9, 10, 11, 12), rng.randint(3, 6))))
        _sessions(data, city, programme, owned, months, (3, 4, 6, 8), 1, teachers, 0.85, rng)
        programme = _programme(data, owned, f"{name}{YEAR}年班主任心理健康教育专题培训", "COUNTY", "HOMEROOM_TEACHERS")
        months = tuple(sorted(rng.sample((2, 8), rng.randint(1, 2))))
        _sessions(data, city, programme, owned, months, (4, 6), 1, homeroom, 0.8, rng)
    _add_principals(data, city)


def _add_principals(data: Dataset, city: CityPlan) -> None:
    # A stream of its own: the rows drawn before principals were seeded stay as they were.
    rng = random.Random(f"runxin-seed-principals/{data.seed}/{city.code}")
    principals: list[Attendee] = []
    for school in city.schools():
        row = _staff(data, {"tenant_id": school.id, "root_id": city.id}, "PRINCIPAL", False, rng)
        if row["active"]:
            principals.append((row["id"], school.id))
    city_owned = {"tenant_id": city.id, "root_id": city.id}
    name = f"{city.name}{YEAR}年中小学校长心理健康教育专题培训"
    programme = _programme(data, city_owned, name, "CITY", "PRINCIPALS")
    _sessions(data, city, programme, city_owned, (rng.randint(6, 8),), (8, 12), 2, principals, 0.75, rng)


def _add_school_staff(data: Dataset, city: CityPlan, school: SchoolPlan, rng: random.Random) -> list[tuple[str, uuid.UUID, bool]]:
    owned = {"tenant_id": school.id, "root_id": city.id}
    # Each central school has one strong (骨干) mental-health teacher: its first full-time teacher,
    # or a part-time one where it has none; a few have not named one.
    strong_pending = school.central and rng.random() < 0.95
    added = []
    plan = (("FULL_TIME", school.full_time), ("PART_TIME", school.part_time),
            ("HIRED_COUNSELLOR", int(school.counsellor)), ("HOMEROOM", school.homeroom))  # fmt: skip
    for kind, count in plan:
        for _ in range(count):
            strong = strong_pending and kind in ("FULL_TIME", "PART_TIME")
            strong_pending = strong_pending and not strong
            row = _staff(data, owned, kind, strong, rng)
            added.append((kind, row["id"], row["active"]))
    return added


def _staff(data: Dataset, owned: dict, kind: str, strong: bool, rng: random.Random) -> dict:
    gender = rng.choices(_GENDERS, weights=_GENDER_WEIGHTS["HOMEROOM" if kind == "HOMEROOM" else "OTHER"])[0]
    age = rng.randint(23, 58)
    birth = dt.date(YEAR - age, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
    start = rng.randint(birth.year + 22, YEAR)
    # Teachers mostly start with the school year; the others during the year before its summer.
    employed = dt.date(start, 9, 1) if rng.random() < 0.8 else dt.date(start, 1, 1) + dt.timedelta(days=rng.randint(0, 230))
    qualifications, weights = _QUALIFICATIONS[kind]
    return data.add(
        Staff, **owned, kind=kind, name=names.person_name(rng, gender), gender=gender, birth_date=birth,
        phone=names.mobile_number(rng), qualifications=rng.choices(qualifications, weights=weights)[0],
        strong_teacher=strong, employed_since=employed, active=rng.random() < 0.97,
    )  # fmt: skip


def _programme(data: Dataset, owned: dict, name: str, level: str, audience: str) -> dict:
    return data.add(TrainingProgramme, **owned, name=name, level=level, audience=audience, year=YEAR)


def _sessions(
    data: Dataset,
    city: CityPlan,
    programme: dict,
    owned: dict,
    months: tuple[int, ...],
    hour_choices: tuple[int, ...],
    days: int,
    attendees: list[Attendee],
    turnout: float,
    rng: random.Random,
) -> None:
    topics = rng.sample(names.TRAINING_TOPICS, len(months))
    for number, (month, topic) in enumerate(zip(months, topics, strict=True), start=1):
        hours = rng.choice(hour_choices)
        credits = _CREDITS[hours]
        starts = dt.date(YEAR, month, rng.randint(5, 25))
        session = data.add(
            TrainingSession, **owned, programme_id=programme["id"], title=f"第{names.chinese_number(number)}期：{topic}",
            starts_on=starts, ends_on=starts + dt.timedelta(days=days - 1), hours=Decimal(hours), credits=credits,
        )  # fmt: skip
        for staff_id, school_id in attendees:
            if rng.random() < turnout:
                completed = rng.random() < 0.95
                data.add(
                    TrainingAttendance, tenant_id=school_id, root_id=city.id, session_id=session["id"], staff_id=staff_id,
                    completed=completed, credits_awarded=credits if completed else _NO_CREDIT,
                    credit_year=session["ends_on"].year, audience=programme["audience"],
                )  # fmt: skip
