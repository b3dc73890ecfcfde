"""Where a target stands: the trend of an indicator, the status of a target, and which target applies.

Pure functions over plain values, kept apart from the statements that read them (reading.py) and
from the API that shows them, so that one target's progress, a tenant's effective targets and the
children behind are judged by the same rules, and the rules are tested without a database.

Every indicator is higher-is-better (definitions.py): more coverage, more compliance, more credits.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from runxin.platform.periods import parse_period

DAYS_PER_YEAR = 365.25
# Without a trend, a value within this share of the target still counts as on track.
ON_TRACK_SHARE = 0.9
# Values are ratios of sums read back from floats (2/3 stored and read again): "at least the target"
# forgives the last bits of rounding rather than call a met target at risk.
TOLERANCE = 1e-9


class TargetStatus(enum.StrEnum):
    MET = "MET"
    ON_TRACK = "ON_TRACK"
    AT_RISK = "AT_RISK"
    MISSED = "MISSED"
    NO_DATA = "NO_DATA"


# The one statement of the rule: the API shows it as the description of every progress field.
PROGRESS_RULE = (
    "Where a target stands for the indicator over a tenant's subtree (every indicator is higher-is-better), "
    "checked in this order: MET when the current value (the live figure for the current school year) is at least "
    "the target; MISSED when the due date has passed without that; NO_DATA when there is no reported current value; "
    "ON_TRACK when the trend carried on from the current value reaches the target by the due date, or, without a "
    "trend, when the current value is at least 90% of the target; AT_RISK otherwise. The trend is the least-squares "
    "slope per year through the latest approved snapshot value of each reporting period (placed at the period's "
    "end, or on the day it was frozen if that came first) and the current value (placed today); it needs two "
    "values on different days."
)

# Which target applies where; the API shows it with the effective targets of a tenant.
CASCADE_RULE = (
    "The target in force at a tenant for an indicator is the strictest of the targets set for the tenant itself or "
    "for a tenant above it: the highest value, then the earliest due date (then the one set nearest the tenant). "
    "Targets cascade from the city down; a county may set a stricter one for its subtree, never a looser one "
    "(a lower value due on the same day or later is refused)."
)

# Worst first: a missed target, then one at risk, then no data, then on track (a child below the
# target may still be on track to reach it).
SEVERITY = {
    TargetStatus.MISSED: 0,
    TargetStatus.AT_RISK: 1,
    TargetStatus.NO_DATA: 2,
    TargetStatus.ON_TRACK: 3,
    TargetStatus.MET: 4,
}


# --- history and trend ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    """The latest approved snapshot of one indicator over one tenant's subtree for one period."""

    period: str
    version: int
    value: float | None  # None unless state is REPORTED
    state: str
    on: dt.date  # where the value sits in time (see `point_date`)
    numerator: float | None = None  # the sum behind the value (what small-count suppression decides on)


def point_date(period: str, frozen_at: dt.datetime | dt.date) -> dt.date:
    """A snapshot's day on the time axis: its period's end, or the day it was frozen if that came first.

    A period may be approved before it ends (a school year approved in June ends on 31 August); its
    figures then describe the day they were frozen, and placing them at the period's end would put
    them after today's live value and bend the trend.
    """
    frozen = frozen_at.date() if isinstance(frozen_at, dt.datetime) else frozen_at
    return min(parse_period(period).end, frozen)


def series(history: Iterable[HistoryPoint], current: float | None, today: dt.date) -> list[tuple[dt.date, float]]:
    """The (day, value) points a trend is fitted through: reported snapshot values, then the live one."""
    points = [(point.on, point.value) for point in history if point.value is not None]
    if current is not None:
        points.append((today, current))
    return sorted(points)


def trend(points: Sequence[tuple[dt.date, float]]) -> float | None:
    """The least-squares slope of `points`, in value per year; None without two distinct days."""
    if len(points) < 2:
        return None
    # Years from the first day: small numbers keep the sums exact enough.
    first = min(day for day, _ in points)
    xs = [(day - first).days / DAYS_PER_YEAR for day, _ in points]
    ys = [float(value) for _, value in points]
    mean_x, mean_y = math.fsum(xs) / len(xs), math.fsum(ys) / len(ys)
    spread = math.fsum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return None
    return math.fsum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def projected(current: float, slope: float, today: dt.date, due_date: dt.date) -> float:
    """The value on `due_date` if it keeps moving from today's value at `slope` per year.

    Carried on from the current value rather than read off the fitted line: a value that jumped
    lately (a station opened this month) is where the subtree stands now, and the line would lag.
    """
    return current + slope * (due_date - today).days / DAYS_PER_YEAR


def reaches(value: float, target: float) -> bool:
    return value >= target - TOLERANCE


def target_status(
    current: float | None, target: float, due_date: dt.date, today: dt.date, slope: float | None = None
) -> TargetStatus:
    """The status of PROGRESS_RULE."""
    if current is not None and reaches(current, target):
        return TargetStatus.MET
    if due_date < today:
        return TargetStatus.MISSED
    if current is None:
        return TargetStatus.NO_DATA
    if slope is not None:
        return TargetStatus.ON_TRACK if reaches(projected(current, slope, today, due_date), target) else TargetStatus.AT_RISK
    return TargetStatus.ON_TRACK if reaches(current, target * ON_TRACK_SHARE) else TargetStatus.AT_RISK


def is_behind(current: float | None, state: str, target: float) -> bool:
    """Is a child behind the target: its value below it, or eligible units that report nothing?

    A child where the indicator does not apply (no eligible unit: NOT_APPLICABLE) is not behind.
    """
    if current is None:
        return state == "NOT_REPORTED"
    return not reaches(current, target)


def worst_first(status: TargetStatus, current: float | None, code: str) -> tuple[int, float, str]:
    """Sort key of the children behind: by status (SEVERITY), then the lowest value, none lowest of all."""
    return SEVERITY[status], -math.inf if current is None else current, code


# --- cascade --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CoveringTarget:
    """A target as seen from a tenant in its scope: what it asks, for which subtree, set by whom."""

    id: uuid.UUID
    indicator: str
    value: float
    due_date: dt.date
    scope_id: uuid.UUID
    scope_path: str
    scope_name: str
    set_by_id: uuid.UUID
    set_by_path: str
    set_by_name: str

    def covers(self, path: str) -> bool:
        """Does the target apply to the tenant at `path` (the scope itself or a tenant below it)?"""
        return path.startswith(self.scope_path)


def strictness(target: CoveringTarget) -> tuple[float, dt.date, int, str]:
    """Sort key, strictest first: highest value, earliest due date, then the scope nearest the tenant
    (a county restating its city's target names its own), then the id, so the choice is stable."""
    return -target.value, target.due_date, -len(target.scope_path), str(target.id)


def strictest(targets: Iterable[CoveringTarget]) -> CoveringTarget | None:
    """The strictest of `targets` by `strictness` (None when there is none)."""
    return min(targets, key=strictness, default=None)


def effective_targets(targets: Iterable[CoveringTarget], path: str) -> dict[str, CoveringTarget]:
    """The target in force at the tenant at `path` for each indicator that has one (CASCADE_RULE)."""
    by_indicator: dict[str, list[CoveringTarget]] = {}
    for target in targets:
        if target.covers(path):
            by_indicator.setdefault(target.indicator, []).append(target)
    return {code: strictest(found) for code, found in by_indicator.items()}  # type: ignore[misc]


def is_looser(value: float, due_date: dt.date, than: CoveringTarget) -> bool:
    """A lower value due on the same day or later: it asks less, and no sooner. (A lower value due
    earlier is a milestone on the way, and allowed; the cascade still names the higher target.)"""
    return value < than.value and due_date >= than.due_date


def binding_inherited(
    indicator: str, value: float, due_date: dt.date, inherited: Iterable[CoveringTarget]
) -> CoveringTarget | None:
    """The strictest inherited target of `indicator` that a target of `value` by `due_date` would be
    looser than (None: it is not looser than any)."""
    return strictest(t for t in inherited if t.indicator == indicator and is_looser(value, due_date, t))


def looser_message(binding: CoveringTarget, scope_name: str) -> str:
    """What a bureau is told when its target would be looser than `binding` (which covers `scope_name`)."""
    return (
        f"The {binding.indicator} target of {binding.value:g} by {binding.due_date.isoformat()} for {binding.scope_name}, "
        f"set by {binding.set_by_name}, already applies to {scope_name}; a target may be stricter than the ones it "
        f"inherits, never looser: set at least {binding.value:g}, or a due date before {binding.due_date.isoformat()}."
    )
