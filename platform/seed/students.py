"""Student files, screening and the warning network for a sample of the seeded schools.

A city's files would be about a million rows (every student of 1,200 schools), which the demo
does not need: it shows the domain on `SAMPLE_SCHOOLS` schools of the sample city, a few hundred
students each, with the gaps a bureau should see — schools without a round this year, a round that
missed a few students, students of concern nobody follows yet, a referral awaiting its hospital
certificate. Only these schools have screening rounds: every other school shows the screening
round it owes for the school year MISSING in the reporting completeness (the SCREENING_ROUND
figure) and not screened in SCREENING_DONE, which is the sample's limit, not a finding about
them. Crisis plans are one institutional row per school, so every school of every city gets its
chance of one. A random stream of its own keeps the rest of the seed unchanged.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from runxin.platform.seed import names
from runxin.platform.seed.rows import Dataset
from runxin.platform.seed.tree import CURRENT_YEAR, CityPlan, SchoolPlan
from runxin.platform.staffing.models import ALL_TEACHER_KINDS, Staff
from runxin.platform.students.care import (
    ConcernFollowUp,
    CrisisPlan,
    Referral,
    ScreeningResult,
    ScreeningRound,
    school_year_of,
)
from runxin.platform.students.models import StudentFile

SAMPLE_SCHOOLS = 20
STUDENTS = (180, 420)  # students on file per sampled school
LEVELS = ("NONE", "MILD", "MODERATE", "SEVERE")
LEVEL_WEIGHTS = (0.85, 0.10, 0.04, 0.01)  # screening results, roughly as provincial reports give them
STAGE_GRADES = {"PRIMARY": range(1, 7), "JUNIOR": range(7, 10), "SENIOR": range(10, 13), "VOCATIONAL": range(10, 13)}
PLAN_ADOPTED = (dt.date(2023, 3, 1), dt.date(2024, 9, 10), dt.date(2025, 9, 20))


def add_students(data: Dataset, city: CityPlan, seed: int, *, sample: bool, sample_school: str = "") -> None:
    """Crisis plans for the city's schools and, where `sample`, files and screening for some of them."""
    rng = random.Random(f"runxin-seed-students/{seed}/{city.code}")
    schools = list(city.schools())
    for school in schools:
        if rng.random() < 0.85:
            adopted = rng.choice(PLAN_ADOPTED)
            data.add(
                CrisisPlan, tenant_id=school.id, root_id=city.id, title=f"{school.name}心理危机紧急处置预案",
                adopted_on=adopted, adopted_year=school_year_of(adopted), reviewed_on=None, active=True,
            )  # fmt: skip
    if not sample:
        return
    teachers: dict[object, list[object]] = defaultdict(list)
    for row in data.rows[Staff]:
        if row["kind"] in ALL_TEACHER_KINDS and row["active"]:
            teachers[row["tenant_id"]].append(row["id"])
    # The demo's sample school (the one its school token signs in as) is always among them.
    first = [s for s in schools if s.code == sample_school][:1]
    picked = first + rng.sample(
        [s for s in schools if s not in first], min(SAMPLE_SCHOOLS - len(first), len(schools) - len(first))
    )
    for n, school in enumerate(picked):
        _school(data, city, school, teachers[school.id], rng, gaps=n % 4 == 3, first=n == 0)


def _grades(school: SchoolPlan) -> list[int]:
    grades = [g for stage in school.stages.split(",") for g in STAGE_GRADES.get(stage, ())]
    return grades or list(range(1, 7))


def _school(
    data: Dataset, city: CityPlan, school: SchoolPlan, teachers: list, rng: random.Random, *, gaps: bool, first: bool
) -> None:
    owned = {"tenant_id": school.id, "root_id": city.id}
    grades = _grades(school)
    files = []
    for k in range(rng.randint(*STUDENTS)):
        grade = grades[k % len(grades)]
        gender = rng.choice(("FEMALE", "MALE"))
        born = dt.date(CURRENT_YEAR - grade - 6, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
        files.append(data.add(
            StudentFile, **owned, student_ref=f"{CURRENT_YEAR - grade + 1}{k:04d}", name=names.person_name(rng, gender),
            gender=gender, birth_date=born, grade=grade, class_name=f"{grade}年级({k % 3 + 1})班",
            four_special=rng.choice(("FAMILY", "PSYCHOLOGICAL", "BEHAVIOUR", "PHYSICAL")) if rng.random() < 0.04 else "",
            concern_level="NONE", active=rng.random() < 0.98,
        ))  # fmt: skip
    # A quarter of the sampled schools has not screened this school year (the sample school has).
    years = [CURRENT_YEAR - 1] + ([] if gaps and not first else [CURRENT_YEAR])
    for year in years:
        # Held in the first weeks of the school year, before the counties' deadline for the year's
        # figures (seed/reporting.py WINDOWS), so a round recorded within the week is on time.
        held = dt.date(year, 9, 15) + dt.timedelta(days=rng.randint(0, 25))
        screening = data.add(ScreeningRound, **owned, school_year=year, held_on=held, title=f"{year}学年心理健康筛查",
                             instrument="MHT")  # fmt: skip
        # Some rounds miss a few students (absent that week): not every student is covered.
        missed = set(rng.sample(range(len(files)), rng.randint(1, 5))) if rng.random() < 0.3 else set()
        for k, row in enumerate(files):
            if not row["active"] or k in missed:
                continue
            level = rng.choices(LEVELS, weights=LEVEL_WEIGHTS)[0]
            data.add(ScreeningResult, **owned, round_id=screening["id"], student_id=row["id"], level=level)
            row["concern_level"] = level  # the rounds come in date order: the last one is the latest
    _network(data, owned, files, teachers, rng, first=first)


def _network(data: Dataset, owned: dict, files: list[dict], teachers: list, rng: random.Random, *, first: bool) -> None:
    """Teachers follow most students of concern (at most 2 each); the severe are referred."""
    load: dict[object, int] = defaultdict(int)
    concern = [f for f in files if f["active"] and f["concern_level"] in ("MODERATE", "SEVERE")]
    for k, row in enumerate(concern):
        free = [t for t in teachers if load[t] < 2]
        # About one in seven is not followed yet: the gap CONCERN_FOLLOWED shows (always one at the sample school).
        if not free or rng.random() < 0.15 or (first and k == 0):
            continue
        teacher = rng.choice(free)
        load[teacher] += 1
        data.add(ConcernFollowUp, **owned, student_id=row["id"], staff_id=teacher, started_on=dt.date(CURRENT_YEAR, 11, 3),
                 ended_on=None)  # fmt: skip
    severe = [f for f in concern if f["concern_level"] == "SEVERE"]
    for k, row in enumerate(severe):
        # The first severe student is always awaiting the hospital's certificate (IN_TREATMENT).
        state = "IN_TREATMENT" if k == 0 else rng.choice(("REFERRED", "IN_TREATMENT", "RETURNED", "CLOSED"))
        referred = dt.date(CURRENT_YEAR, 11, rng.randint(5, 25))
        certificate = referred + dt.timedelta(days=rng.randint(20, 60)) if state == "RETURNED" else None
        data.add(
            Referral, **owned, student_id=row["id"], hospital=rng.choice(("市第三人民医院心理科", "市精神卫生中心", "市妇幼保健院儿童心理门诊")),
            referred_on=referred, referred_year=school_year_of(referred), state=state, certificate_received_on=certificate,
            certificate_year=None if certificate is None else school_year_of(certificate),
        )  # fmt: skip
