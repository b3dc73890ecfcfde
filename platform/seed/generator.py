"""Generate the whole seeded deployment as rows, deterministically from (scale, seed).

One `random.Random(seed)` drives everything in a fixed order (cities, then within each city its
tree, institutions, people and targets), so the same scale and seed give byte-identical rows on
any machine with the same Python version. Nothing here touches a database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Callable, Iterator
from decimal import Decimal

from runxin.platform.centres.models import CentreActivity, CounsellingCentre
from runxin.platform.codes import VOCATIONAL_CATEGORIES
from runxin.platform.hotlines.models import Hotline, HotlineCallCount
from runxin.platform.recognitions.models import ModelSchoolRecognition
from runxin.platform.schools.models import SchoolEnrolment, SchoolProfile
from runxin.platform.seed import names
from runxin.platform.seed.courses import add_courses
from runxin.platform.seed.people import add_people
from runxin.platform.seed.reporting import add_reporting
from runxin.platform.seed.rows import TREE_VALID_FROM, WRITE_ORDER, Dataset
from runxin.platform.seed.scales import PROVINCES, Scale
from runxin.platform.seed.homeschool import add_home_school
from runxin.platform.seed.students import add_students
from runxin.platform.seed.tree import CURRENT_YEAR, PROVINCE, CityPlan, CountyPlan, SchoolPlan, SchoolSequence, plan_city, split
from runxin.platform.stations.models import Station
from runxin.platform.targets.models import Target
from runxin.platform.tree.models import Tenant, TenantKind, TenantParentLink

Progress = Callable[[str, int, int], None]

PERIODS = ("2025T1", "2025T2")
SAMPLE_CITY = 7  # the prefecture digits of the sample city (360700), where a scale has it
SCHOOL_HOTLINE_HOURS = ("周一至周五 8:00-17:30", "周一至周五 12:00-14:00, 17:00-21:00", "每日 8:00-22:00")

# The city's targets from its implementation plan: (indicator, value, due date, note).
CITY_TARGETS = (
    ("STATION_COVERAGE", 1.0, dt.date(2023, 12, 31), "中心校以上学校和中职学校全部建成标准化阳光辅导站"),
    ("FULL_TIME_TEACHER_COVERAGE", 0.8, dt.date(2025, 12, 31), "专职心理健康教育教师覆盖率达到80%"),
    ("FULL_TIME_TEACHER_COVERAGE", 1.0, dt.date(2026, 12, 31), "专职心理健康教育教师实现全覆盖"),
    ("MODEL_SCHOOL_SHARE", 0.15, dt.date(2025, 12, 31), "15%的学校创建为市级以上心理健康特色学校"),
    ("CENTRE_COVERAGE", 1.0, dt.date(2023, 12, 31), "各县（市、区）建成青少年健康成长辅导中心"),
    ("COUNTY_HOTLINE_COVERAGE", 1.0, dt.date(2023, 12, 31), "各县（市、区）开通心理援助热线"),
)
# Stricter goals an ambitious county sets for itself.
COUNTY_TARGETS = (
    ("FULL_TIME_TEACHER_COVERAGE", 0.9, dt.date(2025, 12, 31), "本县专职教师覆盖率2025年底达到90%"),
    ("MODEL_SCHOOL_SHARE", 0.2, dt.date(2025, 12, 31), "本县20%的学校创建为市级以上心理健康特色学校"),
)


def generate(scale: Scale, seed: int, progress: Progress | None = None) -> Dataset:
    """Build every row of the seeded deployment in memory."""
    data = Dataset(seed)
    for _ in generate_by_city(scale, seed, data, progress):
        pass
    return data


def generate_by_city(scale: Scale, seed: int, data: Dataset, progress: Progress | None = None) -> Iterator[CityPlan]:
    """Add the deployment's rows to `data` city by city, yielding after each city.

    A caller that writes and then empties `data.rows` at each yield holds one city in memory, not
    the deployment (national scale: about five million rows). The rows are the same either way.
    """
    rng = random.Random(seed)
    counties = split(scale.counties, scale.cities, rng, spread=0.35, minimum=1)
    schools = split(scale.schools, scale.counties, rng, spread=0.45, minimum=5)
    cities = _city_numbers(scale, rng)
    # County names are unique within a province (as in GB/T 2260), so each province has its pool.
    stems: dict[str, list[str]] = {}
    sequence = SchoolSequence(rng)
    if progress is not None:
        progress("generate", 0, len(cities))
    for index, (province, number) in enumerate(cities):
        first = sum(counties[:index])
        city = plan_city(
            number, schools[first : first + counties[index]], rng, data.new_id, stems.setdefault(province, []), sequence, province
        )
        _ensure_gaps(city, rng)
        _add_tree(data, city)
        _add_schools(data, city, rng)
        _add_counties(data, city, rng)
        add_people(data, city, rng)
        _add_targets(data, city, rng)
        add_courses(data, city, seed)  # its own random stream: the rows above do not change with it
        sample = (province == PROVINCE and number == SAMPLE_CITY) or index == 0
        if sample:
            data.sample_codes = _sample_codes(city)
        # Student-level rows for a sample of one city's schools only (seed/students.py: files and
        # screening; seed/homeschool.py: visits and mentors on the same files); then the reporting
        # dates. Each draws from a random stream of its own: the rows above are the same without them.
        add_students(data, city, seed, sample=sample and not data.students_added, sample_school=data.sample_codes[2])
        add_home_school(data, city, seed)
        data.students_added = data.students_added or sample
        add_reporting(data, city, seed)
        if progress is not None:
            progress("generate", index + 1, len(cities))
        yield city


def _city_numbers(scale: Scale, rng: random.Random) -> list[tuple[str, int]]:
    """(province code, prefecture digits) of every city, in generation order."""
    if scale.provinces == 1:
        return [(PROVINCE, n) for n in ([SAMPLE_CITY] if scale.cities == 1 else range(1, scale.cities + 1))]
    per_province = split(scale.cities, scale.provinces, rng, spread=0.35, minimum=1)
    return [
        (province, n)
        for province, count in zip(PROVINCES[: scale.provinces], per_province, strict=True)
        for n in range(1, count + 1)
    ]


def digest(data: Dataset) -> str:
    """A SHA-256 over every row, to compare two seeds without a database."""
    h = hashlib.sha256()
    for model in WRITE_ORDER:
        for row in data.rows[model]:
            h.update(repr(sorted(row.items())).encode())
    return h.hexdigest()


def _ensure_gaps(city: CityPlan, rng: random.Random) -> None:
    """Make sure every city shows the gaps a dashboard must find, even at the tiny scale.

    Proportions alone leave a 20-school city without, say, a big school lacking a full-time
    teacher; a demo that has nothing to flag demonstrates nothing.
    """
    schools = city.schools()
    reported = [s for s in schools if s.independent and CURRENT_YEAR in s.students]
    big = [s for s in reported if s.students[CURRENT_YEAR] > 800]
    if not any(s.full_time == 0 for s in big):
        if not big:
            big = ([s for s in reported if s.central] or reported)[:1]
            big[0].students = dict.fromkeys(big[0].students, 1260)
        victim = rng.choice(big)
        victim.full_time, victim.part_time = 0, max(1, victim.part_time)
    central = [s for s in schools if s.central]
    # A central school without its station is the gap that counts; keep at least one with a station.
    if len(central) >= 2 and all(s.station is not None for s in central):
        rng.choice(central).station = None
    if all(s.station is not None for s in schools):
        rng.choice([s for s in schools if not s.central] or schools).station = None


def _ensure_station_gaps(stations: list[dict], rng: random.Random) -> None:
    """Make sure some operating station is too small, some opens too little and some lacks sandplay."""
    operating = [s for s in stations if s["status"] == "OPERATIONAL"]
    candidates = [s for s in operating if s["kind"] == "SUNSHINE_STATION"] or operating
    if not candidates:
        return
    if not any(s["area_m2"] < 18 for s in operating):
        rng.choice(candidates)["area_m2"] = Decimal("15.5")
    if not any(s["weekly_open_hours"] < 8 for s in operating):
        rng.choice(candidates)["weekly_open_hours"] = Decimal("6.0")
    if all(s["sandplay"] for s in operating):
        rng.choice(candidates)["sandplay"] = False


def _sample_codes(city: CityPlan) -> tuple[str, str, str]:
    county = city.counties[0]
    central = [s for s in county.schools if s.central] or county.schools
    school = next((s for s in central if s.station == "SUNSHINE_STATION"), central[0])
    return city.code, county.code, school.code


def _tenant(
    data: Dataset,
    node: CityPlan | CountyPlan | SchoolPlan,
    kind: TenantKind,
    parent: CityPlan | CountyPlan | None,
    city: CityPlan,
    depth: int,
) -> None:
    data.add(
        Tenant, id=node.id, kind=kind.value, code=node.code, name=node.name,
        parent_id=parent.id if parent else None, path=node.path, depth=depth, root_id=city.id,
    )  # fmt: skip
    if parent is not None:
        data.add(TenantParentLink, tenant_id=node.id, parent_id=parent.id, valid_from=TREE_VALID_FROM, valid_to=None)


def _add_tree(data: Dataset, city: CityPlan) -> None:
    _tenant(data, city, TenantKind.CITY, None, city, 0)
    for county in city.counties:
        _tenant(data, county, TenantKind.COUNTY, city, city, 1)
    for county in city.counties:
        for school in county.schools:
            _tenant(data, school, TenantKind.SCHOOL, county, city, 2)


def _add_schools(data: Dataset, city: CityPlan, rng: random.Random) -> None:
    stations: list[dict] = []
    for school in city.schools():
        owned = {"tenant_id": school.id, "root_id": city.id}
        data.add(
            SchoolProfile, **owned, category=school.category, stages=school.stages, central_rank=school.central,
            small_scale=school.small, vocational=school.category in VOCATIONAL_CATEGORIES, independent=school.independent,
            cluster_centre_id=school.cluster_centre_id,
        )  # fmt: skip
        if school.model_level != "NONE":
            _recognitions(data, city, school, owned)
        for year, students in school.students.items():
            data.add(SchoolEnrolment, **owned, school_year=year, students=students)
        if school.station is not None:
            stations.append(_station(data, school, owned, rng))
        if school.central and rng.random() < 0.85:
            _school_hotline(data, city, school, owned, rng)
    _ensure_station_gaps(stations, rng)


_AWARDED_BY = {"COUNTY": "{county}教育局", "CITY": "{city}教育局", "PROVINCE": "省教育厅", "NATIONAL": "教育部"}
_LEVEL_ZH = {"COUNTY": "县级", "CITY": "市级", "PROVINCE": "省级", "NATIONAL": "全国"}


def _recognitions(data: Dataset, city: CityPlan, school: SchoolPlan, owned: dict) -> None:
    """The recognition behind the school's model level, in force through the seeded years; a school
    of city level or above had a county title first, one that lapsed (titles run five years).

    Drawn from a stream of the school's own, so that the rows drawn after them (and so every other
    seeded figure) are the same as before recognitions were rows.
    """
    rng = random.Random(f"runxin-seed-recognitions/{data.seed}/{school.code}")
    county = next(c for c in city.counties if any(s.id == school.id for s in c.schools))
    granted = dt.date(rng.randint(2021, CURRENT_YEAR - 1), rng.choice((6, 9, 12)), rng.randint(1, 28))

    def add(level: str, on: dt.date) -> None:
        data.add(
            ModelSchoolRecognition, **owned, level=level, title=f"{_LEVEL_ZH[level]}心理健康教育特色学校",
            recognised_on=on, awarded_by=_AWARDED_BY[level].format(county=county.name, city=city.name),
            certificate_no=f"{on.year}-{school.code[-4:]}-{rng.randint(1, 999):03d}",
            valid_until=dt.date(on.year + 5, 12, 31),
        )  # fmt: skip

    if school.model_level != "COUNTY":
        add("COUNTY", dt.date(granted.year - 6, 6, 1))  # lapsed at the end of granted.year - 1
    add(school.model_level, granted)


# Per station kind: P(area ≥ 18 m²), P(open ≥ 8 h), then P(flag) for individual counselling,
# assessment, sandplay, phone and online appointments, duty roster, records, shown to new students.
_STATION_ODDS = {
    "SUNSHINE_STATION": (0.92, 0.90, (0.98, 0.88, 0.85, 0.70, 0.45, 0.90, 0.92, 0.80)),
    "COUNSELLING_ROOM": (0.75, 0.75, (0.90, 0.70, 0.55, 0.50, 0.25, 0.70, 0.75, 0.60)),
    "BASIC_PLACE": (0.20, 0.40, (0.80, 0.40, 0.20, 0.30, 0.10, 0.50, 0.55, 0.40)),
}
_STATION_SUFFIX = {"SUNSHINE_STATION": "阳光辅导站", "COUNSELLING_ROOM": "心理辅导室", "BASIC_PLACE": "心理辅导角"}
_STATION_FLAGS = ("individual_counselling", "assessment", "sandplay", "appointment_phone", "appointment_online",
                  "duty_roster", "records_kept", "shown_to_new_students")  # fmt: skip


def _station(data: Dataset, school: SchoolPlan, owned: dict, rng: random.Random) -> dict:
    kind = school.station
    assert kind is not None
    big_enough, open_enough, flag_odds = _STATION_ODDS[kind]
    # Half-unit steps, as rooms are measured and rosters planned.
    area = Decimal(rng.randint(36, 180) if rng.random() < big_enough else rng.randint(16, 35)) / 2
    hours = Decimal(rng.randint(16, 60) if rng.random() < open_enough else rng.randint(4, 15)) / 2
    planned = kind == "SUNSHINE_STATION" and rng.random() < 0.05
    opened = None if planned else dt.date(2016, 9, 1) + dt.timedelta(days=rng.randint(0, 2900))
    flags = {name: rng.random() < odds for name, odds in zip(_STATION_FLAGS, flag_odds, strict=True)}
    return data.add(
        Station, **owned, name=school.name + _STATION_SUFFIX[kind], kind=kind,
        status="PLANNED" if planned else "OPERATIONAL", opened_on=opened, area_m2=area, weekly_open_hours=hours,
        appointment_in_person=True, **flags,
    )  # fmt: skip


def _phone(city: CityPlan, rng: random.Random) -> str:
    return f"{city.area_code}-{rng.randint(2, 8)}{rng.randrange(10**6):06d}"


def _call_counts(data: Dataset, hotline: dict, owned: dict, calls: tuple[int, int], rng: random.Random) -> None:
    for period in PERIODS:
        n = rng.randint(*calls)
        crisis = round(n * rng.uniform(0.01, 0.08))
        data.add(
            HotlineCallCount, **owned, hotline_id=hotline["id"], period=period, calls=n, crisis_calls=crisis,
            referrals=round(crisis * rng.uniform(0.2, 0.6)),
        )  # fmt: skip


def _school_hotline(data: Dataset, city: CityPlan, school: SchoolPlan, owned: dict, rng: random.Random) -> None:
    active = rng.random() < 0.92
    hotline = data.add(
        Hotline, **owned, number=_phone(city, rng), always_open=False, schedule=rng.choice(SCHOOL_HOTLINE_HOURS),
        status="ACTIVE" if active else "PLANNED",
    )  # fmt: skip
    if active:
        _call_counts(data, hotline, owned, (0, 60), rng)


def _add_counties(data: Dataset, city: CityPlan, rng: random.Random) -> None:
    """A counselling centre and a 24-hour hotline per county; a few centres are still being built."""
    n = len(city.counties)
    # Districts were built first; the laggards are rural counties.
    rural = [c for c in city.counties if not c.name.endswith("区")] or city.counties
    late = rng.sample(rural, min(len(rural), round(n * 0.06)))
    for county in city.counties:
        owned = {"tenant_id": county.id, "root_id": city.id}
        building = county in late
        centre = data.add(
            CounsellingCentre, **owned, name=f"{county.name}青少年健康成长辅导中心",
            status="UNDER_CONSTRUCTION" if building else "OPERATIONAL",
            opening_date=None if building else dt.date(2021, 3, 1) + dt.timedelta(days=rng.randint(0, 1000)),
            address=names.address(rng, county.name), online=rng.random() < 0.85, offline=True,
            volunteer_team_size=rng.randint(0, 8) if building else rng.randint(12, 80),
        )  # fmt: skip
        if not building:
            for period in PERIODS:
                data.add(
                    CentreActivity, **owned, centre_id=centre["id"], period=period,
                    guidance_visits=rng.randint(6, 40), trainings_delivered=rng.randint(1, 8),
                )  # fmt: skip
        hotline = data.add(Hotline, **owned, number=_phone(city, rng), always_open=True, schedule="", status="ACTIVE")
        _call_counts(data, hotline, owned, (60, 600), rng)


def _add_targets(data: Dataset, city: CityPlan, rng: random.Random) -> None:
    for indicator, value, due, note in CITY_TARGETS:
        data.add(
            Target, tenant_id=city.id, root_id=city.id, indicator=indicator, set_by_id=city.id, value=value,
            due_date=due, note=note,
        )  # fmt: skip
    for county in rng.sample(city.counties, min(2, len(city.counties))):
        indicator, value, due, note = rng.choice(COUNTY_TARGETS)
        data.add(
            Target, tenant_id=county.id, root_id=city.id, indicator=indicator, set_by_id=county.id, value=value,
            due_date=due, note=note,
        )  # fmt: skip
