"""Q1-Q4 of bench/compare.py: the GraphQL documents for Runxin and for PostGraphile, the one SQL
statement per query of the raw floor, and how each answer is brought to one comparable shape.

Both servers must give the same answer from the same stored rows before anything is timed, so each
query has a `canonical_*` function per side that reduces the JSON to plain tuples (floats rounded,
lists sorted where neither API promises an order). A mismatch stops the benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Q1 reads these figures of each county (MODEL_SCHOOL_SHARE's units_total is the county's schools).
Q1_CODES = ["MODEL_SCHOOL_SHARE", "STATION_COVERAGE", "FULL_TIME_TEACHER_COVERAGE"]
# Q4 reads this figure of the county back after the school's station write.
Q4_CODE = "STATION_STANDARD_RATE"

RUNXIN_Q1 = """
query CityCounties($code: String!, $codes: [String!], $year: Int) {
  tenant(code: $code) {
    children(first: 100) {
      nodes {
        code name
        staffCounts { fullTime }
        indicators(codes: $codes, year: $year) { indicator numerator denominator value state unitsTotal }
      }
    }
  }
}
"""
PGL_Q1 = """
query CityCounties($code: String!, $codes: [String], $year: Int) {
  tenantByCode(code: $code) {
    children(first: 100, orderBy: CODE_ASC) {
      nodes {
        code name
        staffCounts { fullTime }
        indicatorsList(codes: $codes, year: $year) { indicator numerator denominator value state unitsTotal }
      }
    }
  }
}
"""

RUNXIN_Q2 = """
query CountySchools($code: String!) {
  tenants(under: $code, kind: SCHOOL, first: 100) {
    nodes { code name staffCounts { fullTime partTime hiredCounsellors homeroomTeachers total } }
  }
}
"""
# A county's schools are its children (the tree is city -> county -> school).
PGL_Q2 = """
query CountySchools($code: String!) {
  tenantByCode(code: $code) {
    children(first: 100, orderBy: CODE_ASC, condition: {kind: "SCHOOL"}) {
      nodes { code name staffCounts { fullTime partTime hiredCounsellors homeroomTeachers total } }
    }
  }
}
"""

RUNXIN_Q3 = """
query SchoolPage($code: String!, $year: Int!) {
  tenant(code: $code) {
    code name
    stations(first: 10) { nodes { name kind status areaM2 weeklyOpenHours } }
    staff(first: 100) { nodes { kind name gender birthDate phone personalDataMasked } }
    creditSummary(year: $year) { teachers creditsTotal creditsPerTeacher teachersTrained }
    targetProgress { indicator value dueDate inherited progress { gap current { value state } } }
  }
}
"""
PGL_Q3 = """
query SchoolPage($code: String!, $year: Int!) {
  tenantByCode(code: $code) {
    code name
    stations(first: 10) { nodes { name kind status areaM2 weeklyOpenHours } }
    staff(first: 100) { nodes { kind name gender birthDate phone } }
    creditSummary(year: $year) { teachers creditsTotal creditsPerTeacher teachersTrained }
    targetProgressList(year: $year) { indicator value dueDate inherited currentValue currentState gap }
  }
}
"""

RUNXIN_Q4_WRITE = """
mutation StationHours($id: ID!, $hours: Float!) {
  stationUpdate(input: {id: $id, weeklyOpenHours: $hours}) { station { weeklyOpenHours } userErrors { code message } }
}
"""
RUNXIN_Q4_READ = """
query CountyFigure($code: String!, $codes: [String!], $year: Int) {
  tenant(code: $code) { indicators(codes: $codes, year: $year) { indicator numerator denominator value state } }
}
"""
PGL_Q4_WRITE = """
mutation StationHours($id: UUID!, $hours: BigFloat!) {
  updateStationByRowId(input: {rowId: $id, stationPatch: {weeklyOpenHours: $hours}}) { station { weeklyOpenHours } }
}
"""
PGL_Q4_READ = """
query CountyFigure($code: String!, $codes: [String], $year: Int) {
  tenantByCode(code: $code) { indicatorsList(codes: $codes, year: $year) { indicator numerator denominator value state } }
}
"""

# The raw floor: the same answer in one statement, through the functions PostGraphile calls (the
# least any server built on them can do), returned as one JSON document.
SQL_Q1 = """
SELECT coalesce(json_agg(json_build_object(
           'code', c.code, 'name', c.name, 'fullTime', (postgraphile_bench.tenant_staff_counts(c)).full_time,
           'indicators', (SELECT json_agg(i) FROM postgraphile_bench.tenant_indicators(c, $2::text[], $3) i)
       ) ORDER BY c.code), '[]')
FROM postgraphile_bench.tenant c
WHERE c.parent_id = (SELECT id FROM public.tenant WHERE code = $1)
"""
SQL_Q2 = """
SELECT coalesce(json_agg(json_build_object('code', s.code, 'name', s.name, 'full_time', c.full_time,
           'part_time', c.part_time, 'hired_counsellors', c.hired_counsellors,
           'homeroom_teachers', c.homeroom_teachers, 'total', c.total) ORDER BY s.code), '[]')
FROM (SELECT t.* FROM postgraphile_bench.tenant t
      WHERE t.parent_id = (SELECT id FROM public.tenant WHERE code = $1) AND t.kind = 'SCHOOL'
      ORDER BY t.code LIMIT 100) s,
     LATERAL postgraphile_bench.tenant_staff_counts(s::postgraphile_bench.tenant) c
"""
SQL_Q3 = """
SELECT json_build_object(
    'code', t.code, 'name', t.name,
    'stations', (SELECT coalesce(json_agg(json_build_object('name', s.name, 'kind', s.kind, 'status', s.status,
                 'areaM2', s.area_m2, 'weeklyOpenHours', s.weekly_open_hours)), '[]')
                 FROM (SELECT * FROM public.station WHERE tenant_id = t.id ORDER BY id LIMIT 10) s),
    'staff', (SELECT coalesce(json_agg(json_build_object('kind', p.kind, 'name', p.name, 'gender', p.gender,
              'birthDate', p.birth_date, 'phone', p.phone)), '[]')
              FROM (SELECT * FROM public.staff WHERE tenant_id = t.id ORDER BY id LIMIT 100) p),
    'creditSummary', (SELECT row_to_json(c) FROM postgraphile_bench.tenant_credit_summary(t, $2) c),
    'targetProgress', (SELECT coalesce(json_agg(p), '[]') FROM postgraphile_bench.tenant_target_progress(t, $2) p)
)
FROM postgraphile_bench.tenant t WHERE t.code = $1
"""
SQL_Q4 = """
WITH written AS (
    UPDATE public.station SET weekly_open_hours = $2 WHERE id = $1 RETURNING weekly_open_hours
)
SELECT json_build_object(
    'written', (SELECT weekly_open_hours FROM written),
    'figure', (SELECT json_agg(i) FROM postgraphile_bench.tenant_indicators(t, $3::text[], $4) i))
FROM postgraphile_bench.tenant t WHERE t.code = $5
"""


@dataclass(frozen=True)
class StationPick:
    """A station Q4 writes: its UUID, its Runxin global id, and the two weekly hours it alternates
    between (both at least 8, so the write changes the record and never a figure)."""

    school: str  # the code of the school that owns it (its DATA_OFFICER writes it)
    id: str
    gid: str
    hours: tuple[float, float]


@dataclass(frozen=True)
class Sample:
    """The tenants and records the queries are asked about."""

    city: str
    county: str
    school: str  # Q3's school; Q4 writes its station first
    year: int
    stations: tuple[StationPick, ...]  # Q4 writes these in turn (schools of the county), not one hot row

    def q4_writes(self) -> list[tuple[StationPick, float]]:
        """The writes of Q4 in order: every station to its first value, then every one back."""
        return [(station, station.hours[r]) for r in (0, 1) for station in self.stations]


def _num(value: Any) -> float | None:
    return None if value is None else round(float(value), 6)


def _figures(rows: list[dict[str, Any]]) -> tuple:
    return tuple(
        sorted(
            (r["indicator"], _num(r["numerator"]), _num(r["denominator"]), _num(r["value"]), r["state"], r.get("unitsTotal"))
            for r in rows
        )
    )


def q1_runxin(data: dict) -> tuple:
    nodes = data["tenant"]["children"]["nodes"]
    return tuple((n["code"], n["name"], n["staffCounts"]["fullTime"], _figures(n["indicators"])) for n in nodes)


def q1_pgl(data: dict) -> tuple:
    nodes = data["tenantByCode"]["children"]["nodes"]
    return tuple((n["code"], n["name"], n["staffCounts"]["fullTime"], _figures(n["indicatorsList"])) for n in nodes)


def q1_sql(rows: list[dict]) -> tuple:
    return tuple(
        (r["code"], r["name"], r["fullTime"], _figures([{**i, "unitsTotal": i["units_total"]} for i in r["indicators"] or []]))
        for r in rows
    )


_COUNTS = ("fullTime", "partTime", "hiredCounsellors", "homeroomTeachers", "total")
_SQL_COUNTS = ("full_time", "part_time", "hired_counsellors", "homeroom_teachers", "total")


def q2_runxin(data: dict) -> tuple:
    return tuple((n["code"], n["name"], *(n["staffCounts"][k] for k in _COUNTS)) for n in data["tenants"]["nodes"])


def q2_pgl(data: dict) -> tuple:
    nodes = data["tenantByCode"]["children"]["nodes"]
    return tuple((n["code"], n["name"], *(n["staffCounts"][k] for k in _COUNTS)) for n in nodes)


def q2_sql(rows: list[dict]) -> tuple:
    return tuple((r["code"], r["name"], *(r[k] for k in _SQL_COUNTS)) for r in rows)


def _station(s: dict) -> tuple:
    return (s["name"], s["kind"], s["status"], _num(s["areaM2"]), _num(s["weeklyOpenHours"]))


def _staff(p: dict) -> tuple:
    return (p["kind"], p["name"], p["gender"], p["birthDate"], p["phone"] or None)


def _credits(c: dict | None) -> tuple | None:
    if c is None:
        return None
    return (c["teachers"], _num(c["creditsTotal"]), _num(c["creditsPerTeacher"]), c["teachersTrained"])


def q3_runxin(data: dict) -> tuple:
    t = data["tenant"]
    if any(p["personalDataMasked"] for p in t["staff"]["nodes"]):
        raise ValueError("the school's own user sees its staff masked; the policy says it sees them in full")
    progress = tuple(
        sorted(
            (
                e["indicator"],
                _num(e["value"]),
                e["dueDate"],
                e["inherited"],
                _num((e["progress"]["current"] or {}).get("value")),
                (e["progress"]["current"] or {}).get("state"),
                _num(e["progress"]["gap"]),
            )
            for e in t["targetProgress"]
        )
    )
    return (
        t["code"],
        t["name"],
        tuple(sorted(_station(s) for s in t["stations"]["nodes"])),
        tuple(sorted(_staff(p) for p in t["staff"]["nodes"])),
        _credits(t["creditSummary"]),
        progress,
    )


def _progress_rows(rows: list[dict], keys: tuple[str, ...]) -> tuple:
    return tuple(
        sorted(
            (r[keys[0]], _num(r[keys[1]]), r[keys[2]], r[keys[3]], _num(r[keys[4]]), r[keys[5]], _num(r[keys[6]])) for r in rows
        )
    )


def q3_pgl(data: dict) -> tuple:
    t = data["tenantByCode"]
    return (
        t["code"],
        t["name"],
        tuple(sorted(_station(s) for s in t["stations"]["nodes"])),
        tuple(sorted(_staff(p) for p in t["staff"]["nodes"])),
        _credits(t["creditSummary"]),
        _progress_rows(
            t["targetProgressList"], ("indicator", "value", "dueDate", "inherited", "currentValue", "currentState", "gap")
        ),
    )


def q3_sql(doc: dict) -> tuple:
    c = doc["creditSummary"]
    credits = (
        None if c is None else (c["teachers"], _num(c["credits_total"]), _num(c["credits_per_teacher"]), c["teachers_trained"])
    )
    return (
        doc["code"],
        doc["name"],
        tuple(sorted(_station(s) for s in doc["stations"])),
        tuple(sorted(_staff(p) for p in doc["staff"])),
        credits,
        _progress_rows(
            doc["targetProgress"], ("indicator", "value", "due_date", "inherited", "current_value", "current_state", "gap")
        ),
    )


def q4_runxin(write: dict, read: dict) -> tuple:
    update = write["stationUpdate"]
    if update["userErrors"]:
        raise ValueError(f"stationUpdate refused: {update['userErrors']}")
    return (_num(update["station"]["weeklyOpenHours"]), _figures(read["tenant"]["indicators"]))


def q4_pgl(write: dict, read: dict) -> tuple:
    station = write["updateStationByRowId"]["station"]
    return (_num(station["weeklyOpenHours"]), _figures(read["tenantByCode"]["indicatorsList"]))


def q4_sql(doc: dict) -> tuple:
    return (_num(doc["written"]), _figures(doc["figure"] or []))


def runxin_variables(sample: Sample) -> dict[str, dict]:
    """The variables of each Runxin document."""
    return {
        "Q1": {"code": sample.city, "codes": Q1_CODES, "year": sample.year},
        "Q2": {"code": sample.county},
        "Q3": {"code": sample.school, "year": sample.year},
        "Q4_READ": {"code": sample.county, "codes": [Q4_CODE], "year": sample.year},
    }


def q4_write_variables(station: StationPick, hours: float, runxin: bool) -> dict:
    if runxin:
        return {"id": station.gid, "hours": hours}
    return {"id": station.id, "hours": f"{hours:.1f}"}
