"""The rules of completeness and timeliness as pure functions: deadlines, a figure's state, the rates.

A tenant owes a required figure (requirements.py) for a period, or it does not (NOT_REQUIRED). A
figure it owes is MISSING until it arrives; once it has arrived it is PRESENT if it arrived by the
deadline and LATE if after. The states are facts about arrivals and deadlines only, not about
today: a figure still missing reads MISSING whether or not its deadline has passed (the deadline is
shown beside it, so a reader tells "not yet due" from "overdue"), and becomes PRESENT or LATE the
moment it arrives.

The deadline is the entry window's (platform/reporting/windows.py): the window of the period set by
the tenant's nearest bureau strictly above it, the one its report is due by. A window closing on
28 February accepts figures until the end of that day on the bureaus' clock, China Standard Time
(UTC+8, no daylight saving), whatever the server's zone. Without a window (none set above the
tenant, and always for a root) the deployment's rule applies: by default nothing is ever late, as
a report without a window is never late (windows.late_reports); with RUNXIN_COMPLETENESS_GRACE_DAYS
set, the deadline is the end of the period plus that many days.

Arrival is the first arrival: a figure entered on time and corrected after the deadline stays
PRESENT (the record's `created_at` is kept when it is updated; records.upsert_record updates in
place), because the bureau had the figure in time, and a correction is what the approval chain is
for. A figure owed per record (each active hotline's call counts) arrives when the last owing
record's figure arrives.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from runxin.platform.periods import Period
from runxin.platform.reporting.rules import Window

# The bureaus' clock (中国标准时间): the end of a deadline day is midnight here.
BUREAU_TIME = dt.timezone(dt.timedelta(hours=8), "CST")
MAX_GRACE_DAYS = 366


class FigureState(enum.StrEnum):
    PRESENT = "PRESENT"  # owed, arrived by the deadline (or there is no deadline)
    LATE = "LATE"  # owed, arrived after the deadline
    MISSING = "MISSING"  # owed, not there
    NOT_REQUIRED = "NOT_REQUIRED"  # not owed by this tenant for this period


class DeadlineRule(enum.StrEnum):
    WINDOW = "WINDOW"  # the entry window set by a bureau above the tenant
    GRACE = "GRACE"  # no window: the period's end plus the deployment's grace days


@dataclass(frozen=True, slots=True)
class Deadline:
    """The last day figures are on time, and the first instant that is late."""

    last_day: dt.date
    due_at: dt.datetime
    rule: DeadlineRule
    window: Window | None = None  # the window it comes from (rule WINDOW)


def day_end(day: dt.date) -> dt.datetime:
    """The first instant after `day` on the bureaus' clock (an aware datetime)."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), BUREAU_TIME)


def deadline_of(window: Window | None, period: Period, grace_days: int | None) -> Deadline | None:
    """The deadline for a tenant whose governing window is `window` (None: no deadline, never late)."""
    if window is not None:
        return Deadline(window.closes_on, day_end(window.closes_on), DeadlineRule.WINDOW, window)
    if grace_days is None:
        return None
    last = period.end + dt.timedelta(days=grace_days)
    return Deadline(last, day_end(last), DeadlineRule.GRACE)


def aware(moment: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive times; they were written in UTC."""
    return moment.replace(tzinfo=dt.UTC) if moment is not None and moment.tzinfo is None else moment


def state_of(*, owed: bool, present: bool, arrived_at: dt.datetime | None, deadline: Deadline | None) -> FigureState:
    """The state of one figure of one tenant for one period."""
    if not owed:
        return FigureState.NOT_REQUIRED
    if not present:
        return FigureState.MISSING
    arrived = aware(arrived_at)
    if deadline is not None and arrived is not None and arrived >= deadline.due_at:
        return FigureState.LATE
    return FigureState.PRESENT


@dataclass(frozen=True, slots=True)
class Rates:
    """Counts of owed figures by state, and the two rates over them.

    completeness = (on time + late) / required; timeliness = on time / required; both None when
    nothing is required. Counts add, so a subtree's rates are its figures' counts summed, never a
    mean of its tenants' rates.
    """

    required: int = 0
    on_time: int = 0
    late: int = 0

    @property
    def missing(self) -> int:
        return self.required - self.on_time - self.late

    @property
    def completeness(self) -> float | None:
        return (self.on_time + self.late) / self.required if self.required else None

    @property
    def timeliness(self) -> float | None:
        return self.on_time / self.required if self.required else None

    def __add__(self, other: Rates) -> Rates:
        return Rates(self.required + other.required, self.on_time + other.on_time, self.late + other.late)

    @classmethod
    def of(cls, state: FigureState) -> Rates:
        """What one figure in `state` counts."""
        return _ONE[state]


# What one figure counts in each state (made once: a city's answer counts thousands).
_ONE = {
    FigureState.PRESENT: Rates(1, 1, 0),
    FigureState.LATE: Rates(1, 0, 1),
    FigureState.MISSING: Rates(1, 0, 0),
    FigureState.NOT_REQUIRED: Rates(),
}


def check_grace_days(value: int | None) -> int | None:
    """The grace days setting, or ValueError saying what to set."""
    if value is not None and not 0 <= value <= MAX_GRACE_DAYS:
        raise ValueError(
            f"is {value}; set 0 to {MAX_GRACE_DAYS} days after a period's end, or leave it empty (never late without a window)"
        )
    return value
