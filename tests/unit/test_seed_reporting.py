"""The seed's reporting rhythm without a database: valid windows, figures dated by their deadlines,
and at every scale some figures missing and some late, the rest of the deployment untouched."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest

from runxin.platform.centres.models import CentreActivity
from runxin.platform.hotlines.models import Hotline, HotlineCallCount
from runxin.platform.reporting.models import ReportingWindow
from runxin.platform.reporting.windows import validate_window
from runxin.platform.seed import SCALES
from runxin.platform.seed.generator import generate
from runxin.platform.seed.rows import BASE_TIME
from runxin.platform.staffing.models import Staff
from runxin.platform.stations.models import Station
from runxin.platform.students.care import ScreeningRound
from runxin.platform.training.models import TrainingAttendance
from runxin.platform.tree.models import Tenant

CST = dt.timezone(dt.timedelta(hours=8))


def deadlines(data) -> dict[tuple, dt.date]:  # type: ignore[no-untyped-def]
    """(tenant id, period) -> the window that applies: the parent's, else the grandparent's."""
    tenants = {t["id"]: t for t in data.rows[Tenant]}
    windows = {(w["tenant_id"], w["period"]): w["closes_on"] for w in data.rows[ReportingWindow]}
    found = {}
    for t in tenants.values():
        for period in {p for _, p in windows}:
            up = t["parent_id"]
            while up is not None and (up, period) not in windows:
                up = tenants[up]["parent_id"]
            if up is not None:
                found[t["id"], period] = windows[up, period]
    return found


@pytest.mark.parametrize("scale", ["tiny", "city"])
def test_figures_arrive_on_time_late_or_never(scale: str) -> None:
    data = generate(SCALES[scale], 7)
    # Windows are valid entry windows, set by the city and by most counties
    for w in data.rows[ReportingWindow]:
        validate_window(w["period"], w["opens_on"], w["closes_on"])
    kinds = {t["id"]: t["kind"] for t in data.rows[Tenant]}
    assert {kinds[w["tenant_id"]] for w in data.rows[ReportingWindow]} == {"CITY", "COUNTY"}
    # Every call count of a school arrived on a day its deadline makes on time or late
    due = deadlines(data)
    states: dict[str, int] = defaultdict(int)
    for row in data.rows[HotlineCallCount]:
        if kinds[row["tenant_id"]] != "SCHOOL":
            continue
        last = due[row["tenant_id"], row["period"]]
        states[
            "late" if row["created_at"] >= dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), CST) else "on time"
        ] += 1
        assert row["updated_at"] >= row["created_at"]
    # And some are missing: an active school hotline without counts for a term
    active = {h["id"]: h for h in data.rows[Hotline] if h["status"] == "ACTIVE" and kinds[h["tenant_id"]] == "SCHOOL"}
    answered = {(r["hotline_id"], r["period"]) for r in data.rows[HotlineCallCount]}
    missing = [(h, p) for h in active for p in ("2025T1", "2025T2") if (h, p) not in answered]
    assert states["late"] >= 1 and states["on time"] > states["late"] and missing, (dict(states), len(missing))
    if scale == "city":
        # In proportion: about a tenth late, a few percent missing
        total = states["late"] + states["on time"] + len(missing)
        assert 0.05 < states["late"] / total < 0.2 and 0.02 < len(missing) / total < 0.12
    # And the centres' activity is dated too
    assert all(r["created_at"] != BASE_TIME for r in data.rows[CentreActivity])


def test_the_rest_of_the_deployment_is_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    # The reporting draws have their own stream: without them the same rows come out, but for the
    # figures' dates and the dropped ones.
    dated = generate(SCALES["tiny"], 7)
    monkeypatch.setattr("runxin.platform.seed.generator.add_reporting", lambda *args: None)
    plain = generate(SCALES["tiny"], 7)
    for model in (Tenant, Staff, Hotline, Station, TrainingAttendance):
        assert [_without_dates(r) for r in dated.rows[model]] == [_without_dates(r) for r in plain.rows[model]], model.__name__
    kept = {r["id"]: _without_dates(r) for r in dated.rows[HotlineCallCount]}
    before = {r["id"]: _without_dates(r) for r in plain.rows[HotlineCallCount]}
    assert kept.items() <= before.items() and len(kept) < len(before)
    assert plain.rows[ReportingWindow] == []


def _without_dates(row: dict) -> dict:  # type: ignore[type-arg]
    return {k: v for k, v in row.items() if k not in ("created_at", "updated_at")}


def test_screening_rounds_arrive_after_they_were_held() -> None:
    data = generate(SCALES["tiny"], 7)
    due = deadlines(data)
    schools = {t["id"] for t in data.rows[Tenant] if t["kind"] == "SCHOOL"}
    rounds = data.rows[ScreeningRound]
    # Every round was recorded in the week after it was held (or, late, after its deadline), never before
    for row in rounds:
        held = dt.datetime.combine(row["held_on"], dt.time(), CST)
        assert row["created_at"] >= held and row["created_at"] != BASE_TIME, row
        last = due.get((row["tenant_id"], f"{row['school_year']}SY"))
        if last is None or row["created_at"] < dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), CST):
            assert row["created_at"] < held + dt.timedelta(days=8), row
    # And this school year some schools have sent their round and some have none to send
    screened = {r["tenant_id"] for r in rounds if r["school_year"] == 2025}
    assert screened and schools - screened
