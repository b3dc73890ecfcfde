"""The shape of the seeded deployment: cities, counties and schools with their codes, names, ranks,
enrolment and staffing levels, before any row is written.

The proportions come from domain.md: about 35% of schools are of central rank, about 20% small,
about 10% model schools (short of the 15% target), about 20% without their full-time teacher.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from runxin.platform.seed import names
from runxin.platform.tree.paths import child_path

NewId = Callable[[], uuid.UUID]

PROVINCE = "36"  # every seeded city is in one (invented) province with the GB/T 2260 prefix 36
SCHOOL_YEARS = (2024, 2025)
CURRENT_YEAR = 2025

# Telephone area codes of the invented cities, by prefecture number.
AREA_CODES = {1: "0791", 2: "0798", 3: "0799", 4: "0792", 5: "0790", 6: "0701", 7: "0797",
              8: "0796", 9: "0795", 10: "0794", 11: "0793", 12: "0702", 13: "0703"}  # fmt: skip

# School category mix: mostly primary and general secondary, some vocational, a few special.
CATEGORIES = ("21", "31", "34", "36", "51")
CATEGORY_WEIGHTS = (0.63, 0.21, 0.085, 0.055, 0.02)
# Share of each category that ranks as 中心校以上; together about 35% of schools.
CENTRAL_SHARE = {"21": 0.12, "31": 0.55, "34": 1.0, "36": 1.0, "51": 1.0}
# (low, high, mode) students of a non-small school, by category and rank.
ENROLMENT = {
    ("21", True): (500, 3300, 1400), ("21", False): (200, 1400, 550),
    ("31", True): (600, 3000, 1500), ("31", False): (250, 1500, 700),
    ("34", True): (1000, 3500, 2300), ("36", True): (500, 3500, 1600), ("51", True): (80, 300, 150),
}  # fmt: skip
VOCATIONAL_NAMES = ("职业技术学校", "中等专业学校", "职业中等专业学校", "技工学校", "工业学校", "农业职业学校", "卫生职业学校", "商贸职业学校")
SPECIAL_NAMES = ("特殊教育学校", "启智学校", "育才学校")


@dataclass(slots=True, eq=False)
class SchoolPlan:
    id: uuid.UUID
    code: str
    name: str
    path: str
    category: str
    stages: str
    central: bool
    small: bool
    independent: bool
    town: str
    students: dict[int, int]  # school year -> students; a school may not have reported 2025
    cluster_centre_id: uuid.UUID | None = None
    model_level: str = "NONE"
    full_time: int = 0
    part_time: int = 0
    counsellor: bool = False
    homeroom: int = 0
    station: str | None = None  # the kind of its station, None for none

    @property
    def current_students(self) -> int:
        return self.students.get(CURRENT_YEAR, self.students[CURRENT_YEAR - 1])


@dataclass(slots=True, eq=False)
class CountyPlan:
    id: uuid.UUID
    code: str
    name: str
    path: str
    schools: list[SchoolPlan] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class CityPlan:
    id: uuid.UUID
    code: str
    name: str
    path: str
    area_code: str
    counties: list[CountyPlan] = field(default_factory=list)
    # Districts' numbered schools carry the city's name ("赣源市第三中学"): one sequence per city.
    urban_counters: dict[str, int] = field(default_factory=dict)
    urban_names: set[str] = field(default_factory=set)

    def schools(self) -> list[SchoolPlan]:
        return [s for county in self.counties for s in county.schools]


def split(total: int, parts: int, rng: random.Random, *, spread: float, minimum: int) -> list[int]:
    """`total` split into `parts` uneven integers of at least `minimum`, summing exactly to `total`."""
    spare = total - minimum * parts
    weights = [rng.uniform(1 - spread, 1 + spread) for _ in range(parts)]
    shares = [spare * w / sum(weights) for w in weights]
    sizes = [math.floor(s) for s in shares]
    # Largest remainders first; ties by position keep it deterministic.
    order = sorted(range(parts), key=lambda i: (sizes[i] - shares[i], i))
    for i in order[: spare - sum(sizes)]:
        sizes[i] += 1
    return [minimum + s for s in sizes]


class SchoolSequence:
    """The 6-digit sequence of school codes: unique in the deployment, with the gaps real registers have."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._next = 100

    def __call__(self) -> int:
        value = self._next
        self._next += self._rng.choice((1, 1, 1, 2, 3))
        return value


def plan_city(
    number: int,
    counties: list[int],
    rng: random.Random,
    new_id: NewId,
    stems: list[str],
    seq: SchoolSequence,
    province: str = PROVINCE,
) -> CityPlan:
    """Plan city number `number` (its prefecture digits) of `province` with the given school count per county."""
    city_id = new_id()
    code = f"{province}{number:02d}00"
    # Outside the seed's own province the area code is made up from the city code (0 + 3 digits).
    area = AREA_CODES[number] if province == PROVINCE else f"0{int(code[:4]) % 900 + 100}"
    city = CityPlan(city_id, code, names.city_name(province, number), child_path(None, city_id), area)
    for (suffix, digits), n_schools in zip(_county_kinds(len(counties), rng), counties, strict=True):
        county_id = new_id()
        county = CountyPlan(
            county_id, f"{code[:4]}{digits:02d}", names.county_stem(rng, stems) + suffix, child_path(city.path, county_id)
        )
        city.counties.append(county)
        _plan_schools(city, county, n_schools, rng, new_id, seq)
    return city


def _county_kinds(n: int, rng: random.Random) -> list[tuple[str, int]]:
    """Suffix and code digits per county: districts 02.., counties 21.., county-level cities 81.."""
    if n > 60:
        raise ValueError(f"{n} counties in one city would run the county codes (21..) into the city range (81..)")
    districts = 1 if n <= 3 else rng.randint(2, 3)
    cities = 0 if n < 4 else (1 if n < 10 else 2)
    kinds = [("区", 2 + i) for i in range(districts)]
    kinds += [("县", 21 + i) for i in range(n - districts - cities)]
    kinds += [("市", 81 + i) for i in range(cities)]
    return kinds


def _plan_schools(
    city: CityPlan, county: CountyPlan, n: int, rng: random.Random, new_id: NewId, seq: SchoolSequence
) -> None:
    town_stems = names.place_names(rng, max(2, round(n / 7)))
    towns = [stem + ("镇" if rng.random() < 0.75 else "乡") for stem in town_stems]
    villages = names.place_names(rng, n, taken=town_stems)
    namer = _Namer(city, county, rng)
    for village in villages:
        category = rng.choices(CATEGORIES, weights=CATEGORY_WEIGHTS)[0]
        central = rng.random() < CENTRAL_SHARE[category]
        small = not central and rng.random() < (0.34 if category == "21" else 0.1)
        independent = not (small and rng.random() < 0.3)
        town = rng.choice(towns)
        name, stages = namer.name(category, central, independent, town, village)
        first = rng.randint(80, 190) if small else round(rng.triangular(*ENROLMENT[(category, central)]))
        students = {SCHOOL_YEARS[0]: first}
        # About 5% of schools have not reported this school year's enrolment yet.
        if rng.random() >= 0.05:
            students[SCHOOL_YEARS[1]] = min(3500, max(80, round(first * rng.uniform(0.93, 1.06))))
        school_id = new_id()
        school = SchoolPlan(
            school_id, f"{category}{city.code[:2]}{seq():06d}", name, child_path(county.path, school_id),
            category, stages, central, small, independent, town, students,
        )  # fmt: skip
        _plan_people(school, rng)
        county.schools.append(school)
    _plan_clusters(county, rng)
    for school in county.schools:
        school.model_level = _model_level(school, rng)
        school.station = _station_kind(school, rng)


def _plan_people(school: SchoolPlan, rng: random.Random) -> None:
    students = school.current_students
    need = math.ceil(students / 800)
    roll = rng.random()
    if not school.independent:
        school.full_time = 0
    elif students > 800:
        # ~10% of big schools have no full-time teacher at all, some more are short of the ratio.
        school.full_time = 0 if roll < 0.10 else rng.randint(1, need - 1) if need > 1 and roll < 0.30 else need
    else:
        school.full_time = 0 if roll < (0.45 if school.small else 0.17) else 1
    if school.small:
        school.part_time = rng.choice((0, 1, 1))
    else:
        school.part_time = rng.choice((1, 1, 2, 2, 3) if school.full_time == 0 else (0, 1, 1, 2))
    school.counsellor = school.central and rng.random() < 0.8
    school.homeroom = rng.randint(1, 4) if school.central else rng.randint(0, 2)


def _plan_clusters(county: CountyPlan, rng: random.Random) -> None:
    """Cover most small schools by a central primary school, of their own town where there is one."""
    centres = [s for s in county.schools if s.central and s.category == "21"] or [s for s in county.schools if s.central]
    for school in county.schools:
        if school.small and centres and rng.random() < 0.6:
            same_town = [c for c in centres if c.town == school.town]
            school.cluster_centre_id = rng.choice(same_town or centres).id


def _model_level(school: SchoolPlan, rng: random.Random) -> str:
    roll = rng.random()
    if roll < (0.22 if school.central else 0.035):
        return rng.choices(("CITY", "PROVINCE", "NATIONAL"), weights=(0.70, 0.24, 0.06))[0]
    if roll < (0.30 if school.central else 0.08):
        return "COUNTY"
    return "NONE"


def _station_kind(school: SchoolPlan, rng: random.Random) -> str | None:
    roll = rng.random()
    if school.central or school.category == "36":
        return "SUNSHINE_STATION" if roll < 0.92 else "COUNSELLING_ROOM" if roll < 0.95 else None
    if not school.small:
        return "COUNSELLING_ROOM" if roll < 0.45 else "BASIC_PLACE" if roll < 0.55 else None
    if school.cluster_centre_id is not None:
        return "BASIC_PLACE" if roll < 0.1 else None
    return "BASIC_PLACE" if roll < 0.5 else "COUNSELLING_ROOM" if roll < 0.6 else None


class _Namer:
    """School names of one county, unique within it (and, for city-named schools, within the city)."""

    def __init__(self, city: CityPlan, county: CountyPlan, rng: random.Random) -> None:
        self.rng = rng
        self.county = county.name
        district = county.name.endswith("区")
        # A district's numbered schools belong to the city's sequence, a county's to its own.
        self.seat = city.name if district else county.name
        self.counters = city.urban_counters if district else {}
        self.used = city.urban_names if district else set()
        self.town_central: set[str] = set()
        self.town_middle: set[str] = set()

    def numbered(self, kind: str) -> str:
        while True:
            self.counters[kind] = self.counters.get(kind, 0) + 1
            name = f"{self.seat}第{names.chinese_number(self.counters[kind])}{kind}"
            if name not in self.used:
                self.used.add(name)
                return name

    def special(self, kind: str, candidates: tuple[str, ...]) -> str:
        for suffix in candidates:
            if self.county + suffix not in self.used:
                self.used.add(self.county + suffix)
                return self.county + suffix
        return self.numbered(kind)

    def name(self, category: str, central: bool, independent: bool, town: str, village: str) -> tuple[str, str]:
        rng = self.rng
        if category == "21":
            if not central:
                return f"{town}{village}{'小学' if independent else '教学点'}", "PRIMARY"
            if town not in self.town_central and rng.random() < 0.7:
                self.town_central.add(town)
                return f"{town}中心小学", "PRIMARY"
            if self.seat + "实验小学" not in self.used and rng.random() < 0.25:
                self.used.add(self.seat + "实验小学")
                return self.seat + "实验小学", "PRIMARY"
            return self.numbered("小学"), "PRIMARY"
        if category == "31":
            if not central:
                if rng.random() < 0.25:
                    return f"{town}{village}九年制学校", "PRIMARY,JUNIOR"
                return f"{town}{village}中学", "JUNIOR"
            if town not in self.town_middle and rng.random() < 0.6:
                self.town_middle.add(town)
                return f"{town}中学", "JUNIOR"
            return self.numbered("中学"), "JUNIOR"
        if category == "34":
            stages = "JUNIOR,SENIOR" if rng.random() < 0.4 else "SENIOR"
            if self.seat + "实验中学" not in self.used and rng.random() < 0.2:
                self.used.add(self.seat + "实验中学")
                return self.seat + "实验中学", stages
            return self.numbered("中学"), stages
        if category == "36":
            return self.special("职业技术学校", VOCATIONAL_NAMES), "VOCATIONAL"
        return self.special("特殊教育学校", SPECIAL_NAMES), "SPECIAL"
