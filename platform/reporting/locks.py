"""Period locks: a submitted or approved report freezes its tenant's data for that period.

A flush that inserts, changes or deletes a period-keyed record is refused when the record's
tenant's report for the record's period is SUBMITTED or APPROVED (a change of period or owner is
checked on both sides). Period-keyed records and the period each belongs to:

- `HotlineCallCount.period`, `CentreActivity.period`: the period id itself (e.g. 202503);
- `SchoolEnrolment.school_year`: the school year, period f"{year}SY";
- `TrainingAttendance.credit_year`: the calendar year, period f"{year}".
- `ClassTermHours.term`: the term's period id itself (e.g. 2025T1).

Current-state records (stations, staff, profiles, ...) are not locked: what was approved is kept in
the report's snapshot, and the live figures move on (see snapshots.py, and "changes since approved").

The listener is on every `Session`, and installed wherever models are used (`platform/models.py`
imports this module). Report rows are read with a system statement: the writer may be a county
changing a school's record, and the names of the report's tenant and its approver are looked up
for the message. Writes that bypass the unit of work (bulk UPDATE statements, seeding) are not seen
here; they are system or maintenance paths.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from itertools import chain
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, aliased

from runxin.platform.centres.models import CentreActivity
from runxin.platform.courses.models import ClassTermHours
from runxin.platform.errors import Invalid
from runxin.platform.hotlines.models import HotlineCallCount
from runxin.platform.reporting.models import Report
from runxin.platform.reporting.rules import LOCKING_STATES, Place, ReportState
from runxin.platform.schools.models import SchoolEnrolment
from runxin.platform.training.models import TrainingAttendance
from runxin.platform.tree.models import Tenant

# model -> (the attribute that names the period, how its value becomes a period id, what the records are)
LOCKED: dict[type, tuple[str, Callable[[Any], str], str]] = {
    HotlineCallCount: ("period", str, "hotline call counts"),
    CentreActivity: ("period", str, "centre activity"),
    SchoolEnrolment: ("school_year", lambda year: f"{year}SY", "enrolment"),
    TrainingAttendance: ("credit_year", lambda year: f"{year}", "training credits"),
    ClassTermHours: ("term", str, "class term hours"),
}


def _values(obj: Any, attr: str) -> set[Any]:
    """The attribute's value now and, for a changed row, before (history of the pending change)."""
    history = inspect(obj).attrs[attr].history
    return {v for v in chain((getattr(obj, attr),), history.deleted or ()) if v is not None}


def touched(session: Session) -> dict[tuple[uuid.UUID, str], tuple[str, str]]:
    """(tenant id, period id) -> (attribute, what) for every period-keyed record this flush writes."""
    found: dict[tuple[uuid.UUID, str], tuple[str, str]] = {}
    dirty = session.dirty  # a new set on every access: take it once, not once per object
    for obj in chain(session.new, dirty, session.deleted):
        spec = LOCKED.get(type(obj))
        if spec is None or (obj in dirty and not session.is_modified(obj)):
            continue
        attr, to_period, what = spec
        for tenant_id in _values(obj, "tenant_id"):
            for value in _values(obj, attr):
                found.setdefault((tenant_id, to_period(value)), (attr, what))
    return found


@event.listens_for(Session, "before_flush")
def _refuse_locked_periods(session: Session, _flush_context: Any, _instances: Any) -> None:
    written = touched(session)
    if not written:
        return
    parent = aliased(Tenant)
    rows = session.execute(
        select(Report.tenant_id, Report.period, Report.state, Report.version, Tenant.name, parent.name.label("parent_name"))
        .join(Tenant, Tenant.id == Report.tenant_id)
        .outerjoin(parent, parent.id == Tenant.parent_id)
        .where(
            Report.tenant_id.in_({t for t, _ in written}),
            Report.period.in_({p for _, p in written}),
            Report.state.in_([s.value for s in LOCKING_STATES]),
        )
        .order_by(Tenant.name, Report.period),
        execution_options={"system": True},
    ).all()
    for row in rows:
        spec = written.get((row.tenant_id, row.period))
        if spec is None:
            continue
        attr, what = spec
        place = Place(row.name, row.parent_name)
        state = ReportState(row.state)
        undo = "reopen" if state is ReportState.APPROVED else "return"
        raise Invalid(
            attr,
            "PERIOD_LOCKED",
            f"{place.name}'s report for {row.period} is {state.value.lower()} (version {row.version}), so its {what} for "
            f"{row.period} are locked; ask {place.approver} to {undo} the report to change them.",
        )
