"""What a school lacks against the standard, school by school, with the figures.

A gap is a school failing one of the school indicators it is eligible for, so the gap list and
the indicator totals cannot disagree: both read the measures of definitions.py over the same
per-school facts. Two statements for any number of schools: the facts, then the stations of the
schools whose station falls short (skipped when none does).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Float, cast, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from runxin.platform.indicators.courses import ADAPTATION, THEME_MONTHS
from runxin.platform.indicators.definitions import BY_CODE
from runxin.platform.indicators.facts import COUNTING, counted_station, school_facts, station_checks
from runxin.platform.standards import Standard
from runxin.platform.stations.models import Station
from runxin.platform.tree.models import Tenant

# The school indicators a gap can come from (MODEL_SCHOOL_SHARE is an aspiration, not a gap).
CHECKED = (
    "STATION_COVERAGE",
    "STATION_STANDARD_RATE",
    "FULL_TIME_TEACHER_COVERAGE",
    "STAFF_RATIO_COMPLIANCE",
    "SCHOOL_HOTLINE_COVERAGE",
    "COUNSELLOR_COVERAGE",
    # courses and activities
    "THEME_MONTHS_HELD",
    "ADAPTATION_ACTIVITIES",
    "PARENT_TRAINING_HELD",
)
STATION_LABELS = {"SUNSHINE_STATION": "Sunshine station", "COUNSELLING_ROOM": "Counselling room"}


@dataclass(frozen=True, slots=True)
class Gap:
    code: str  # stable SCREAMING_CASE, API-visible
    message: str  # what is missing, against which number
    detail: dict[str, Any] = field(default_factory=dict, hash=False)


async def school_gaps(
    session: AsyncSession, school_ids: Sequence[uuid.UUID], *, year: int, standard: Standard
) -> dict[uuid.UUID, list[Gap]]:
    """List each school's gaps; ids that are not schools visible to the session are left out."""
    ids = list(dict.fromkeys(school_ids))
    if not ids:
        return {}
    facts = school_facts(year=year, standard=standard, where=[Tenant.id.in_(ids)])
    facts = facts.cte("school_facts").prefix_with("MATERIALIZED")  # why: see engine._statement
    columns = []
    for code in CHECKED:
        measure = BY_CODE[code].measure(facts.c, standard)
        reported = measure.reported if measure.reported is not None else true()
        columns += [measure.eligible.label(f"{code}_e"), reported.label(f"{code}_r"), measure.numerator.label(f"{code}_n")]
    rows = (await session.execute(select(facts, *columns), execution_options=COUNTING)).all()
    checks = {row.tenant_id: _checks(row._mapping) for row in rows}
    short = [tenant_id for tenant_id, c in checks.items() if c["STATION_STANDARD_RATE"] == "FAIL" and c["STATION_COVERAGE"] == "MET"]
    stations = await _best_stations(session, short, standard) if short else {}
    return {row.tenant_id: _gaps(row, checks[row.tenant_id], stations.get(row.tenant_id), year, standard) for row in rows}


def _checks(row: Any) -> dict[str, str]:
    # Per checked indicator: NA (not eligible), MISSING (eligible, not reported), MET or FAIL.
    out = {}
    for code in CHECKED:
        if not row[f"{code}_e"]:
            out[code] = "NA"
        elif not row[f"{code}_r"]:
            out[code] = "MISSING"
        else:
            out[code] = "MET" if row[f"{code}_n"] else "FAIL"
    return out


async def _best_stations(session: AsyncSession, school_ids: list[uuid.UUID], standard: Standard) -> dict[uuid.UUID, dict[str, Any]]:
    """For each school, the station closest to the standard: fewest failed checks, then largest."""
    checks = station_checks(standard)
    statement = select(
        Station.tenant_id,
        Station.id,
        Station.kind,
        # Float: figures for a message; SQLite has no decimals.
        cast(Station.area_m2, Float).label("area"),
        cast(Station.weekly_open_hours, Float).label("hours"),
        *(condition.label(f"ok{i}") for i, condition in enumerate(checks.values())),
    ).where(Station.tenant_id.in_(school_ids), counted_station())
    best: dict[uuid.UUID, dict[str, Any]] = {}
    for row in (await session.execute(statement, execution_options=COUNTING)).all():
        failed = [name for i, name in enumerate(checks) if not row._mapping[f"ok{i}"]]
        candidate = {"id": row.id, "kind": row.kind, "area": row.area, "hours": row.hours, "failed": failed}
        current = best.get(row.tenant_id)
        if current is None or (len(failed), -row.area, str(row.id)) < (len(current["failed"]), -current["area"], str(current["id"])):
            best[row.tenant_id] = candidate
    return best


def _gaps(row: Any, checks: dict[str, str], station: dict[str, Any] | None, year: int, standard: Standard) -> list[Gap]:
    if not row.has_profile:
        return [
            Gap(
                "PROFILE_NOT_REPORTED",
                "The school profile is missing, so its rank, type and model-school level are unknown; "
                "record the profile to check the school against the standard.",
            )
        ]
    gaps: list[Gap] = []
    if checks["STATION_COVERAGE"] == "FAIL":
        reasons = [r for r, flag in (("CENTRAL_RANK", row.central_rank), ("VOCATIONAL", row.vocational)) if flag]
        gaps.append(
            Gap(
                "NO_STATION",
                "No operational sunshine station or counselling room; every central school and above, "
                "and every vocational school, needs one.",
                {"required_because": reasons, "counted_kinds": list(STATION_LABELS)},
            )
        )
    if station is not None:
        gaps += _station_gaps(station, standard)
    if checks["FULL_TIME_TEACHER_COVERAGE"] == "FAIL":
        gaps.append(
            Gap(
                "NO_FULL_TIME_TEACHER",
                "No active full-time mental-health teacher; every independent school needs at least one "
                "(coverage targets: 80% of schools by 2025, 100% by 2026).",
                {"full_time": row.full_time, "part_time": row.part_time},
            )
        )
    if checks["STAFF_RATIO_COMPLIANCE"] == "MISSING":
        gaps.append(
            Gap(
                "ENROLMENT_NOT_REPORTED",
                f"No enrolment reported for school year {year}-{year + 1}; report it so the 1 per "
                f"{standard.students_per_full_time_teacher} staff ratio can be checked.",
                {"school_year": year},
            )
        )
    elif checks["STAFF_RATIO_COMPLIANCE"] == "FAIL":
        gaps.append(_ratio_gap(row, standard))
    if checks["SCHOOL_HOTLINE_COVERAGE"] == "FAIL":
        gaps.append(Gap("NO_HOTLINE", "No active psychological-aid hotline; every central school and above runs one."))
    if checks["COUNSELLOR_COVERAGE"] == "FAIL":
        gaps.append(
            Gap("NO_COUNSELLOR", "No active hired professional counsellor; every central school and above hires one.")
        )
    gaps += _course_gaps(row, checks, year)
    return gaps


# What each missing course column means, for the messages.
THEME_MONTH_LABELS = {"theme_may": ("MAY", "May mental-health education theme month (心理健康教育主题月)"),
                      "theme_october": ("OCTOBER", "October life-health theme month (生命健康主题月)")}  # fmt: skip
ADAPTATION_LABELS = {"ADAPTATION_TERM_START": "at the start of", "ADAPTATION_PRE_EXAM": "before the important exams of"}


def _course_gaps(row: Any, checks: dict[str, str], year: int) -> list[Gap]:
    """The activities a school did not hold in school year `year` (seeds/001 §(三)1, §(三)4, §(六)5)."""
    school_year = f"{year}-{year + 1}"
    gaps = []
    if checks["THEME_MONTHS_HELD"] == "FAIL":
        missing = [THEME_MONTH_LABELS[name] for name in THEME_MONTHS if not row._mapping[name]]
        gaps.append(
            Gap(
                "THEME_MONTH_NOT_HELD",
                f"No {' and no '.join(label for _, label in missing)} recorded in school year {school_year}; every school "
                "holds both every school year.",
                {"missing": [month for month, _ in missing], "school_year": year},
            )
        )
    if checks["ADAPTATION_ACTIVITIES"] == "FAIL":
        terms = (1, 2) if row.spring_begun else (1,)
        missing = [(kind, term) for name, (kind, term) in ADAPTATION.items() if term in terms and not row._mapping[name]]
        said = "; ".join(f"none {ADAPTATION_LABELS[kind]} term {year}T{term}" for kind, term in missing)
        gaps.append(
            Gap(
                "ADAPTATION_ACTIVITY_MISSING",
                f"Adaptation lectures or activities: {said}. Every term needs one at its start and one before its "
                "important exams.",
                {"missing": [{"kind": kind, "term": f"{year}T{term}"} for kind, term in missing], "school_year": year},
            )
        )
    if checks["PARENT_TRAINING_HELD"] == "FAIL":
        gaps.append(
            Gap(
                "NO_PARENT_TRAINING",
                f"No parent training in mental-health knowledge recorded in school year {school_year}; every school "
                "trains its parents at least once a year.",
                {"school_year": year},
            )
        )
    return gaps


def _station_gaps(station: dict[str, Any], standard: Standard) -> list[Gap]:
    label = STATION_LABELS.get(station["kind"], "Station")
    base = {"station_id": str(station["id"]), "kind": station["kind"]}
    gaps = []
    if "AREA" in station["failed"]:
        gaps.append(
            Gap(
                "STATION_AREA_BELOW_STANDARD",
                f"{label} is {station['area']:.1f} m²; the standard asks for at least {standard.min_room_area_m2:g} m².",
                base | {"area_m2": station["area"], "min_area_m2": standard.min_room_area_m2},
            )
        )
    if "HOURS" in station["failed"]:
        gaps.append(
            Gap(
                "STATION_HOURS_BELOW_STANDARD",
                f"{label} is open {station['hours']:.1f} hours a week; the standard asks for at least "
                f"{standard.min_open_hours_per_week:g}.",
                base | {"weekly_open_hours": station["hours"], "min_open_hours_per_week": standard.min_open_hours_per_week},
            )
        )
    missing = [name for name in standard.required_room_functions if name in station["failed"]]
    if missing:
        gaps.append(
            Gap(
                "STATION_MISSING_FUNCTION",
                f"{label} does not offer {_words(missing)}; the standard asks for "
                f"{_words(standard.required_room_functions)}.",
                base | {"missing": missing, "required": list(standard.required_room_functions)},
            )
        )
    return gaps


def _ratio_gap(row: Any, standard: Standard) -> Gap:
    per = standard.students_per_full_time_teacher
    counted = row.full_time + (row.part_time if standard.ratio_counts_part_time else 0)
    required = math.ceil(row.students / per)
    which = "full-time and part-time" if standard.ratio_counts_part_time else "full-time only"
    sentences = []
    if counted < required:
        sentences.append(
            f"{row.students:,} students need {required} mental-health teacher{'s' * (required != 1)} at 1 per {per}; "
            f"the school counts {counted} ({which})."
        )
    if row.students > standard.full_time_required_above and row.full_time < 1:
        sentences.append(
            f"A school above {standard.full_time_required_above} students needs at least one full-time teacher; it has none."
        )
    return Gap(
        "STAFF_RATIO_BELOW_STANDARD",
        " ".join(sentences),
        {
            "students": row.students,
            "required_teachers": required,
            "counted_teachers": counted,
            "full_time": row.full_time,
            "part_time": row.part_time,
            "students_per_teacher": per,
            "counts_part_time": standard.ratio_counts_part_time,
            "full_time_required_above": standard.full_time_required_above,
        },
    )


def _words(names: Sequence[str]) -> str:
    words = [name.lower().replace("_", " ") for name in names]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
