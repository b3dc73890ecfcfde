"""The approval chain's rules without a database: approval states, every transition's refusal, entry
window validation and the comparison of live figures with a snapshot."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from runxin.platform.errors import Conflict, Invalid, InvalidMany, PermissionDenied
from runxin.platform.indicators import IndicatorValue, ValueState
from runxin.platform.reporting.rules import (
    ApprovalState,
    Child,
    Place,
    ReportState,
    Window,
    approval_state,
    check_accept,
    check_approve,
    check_approver,
    check_comment,
    check_parent_open,
    check_reason,
    check_reopen,
    check_return,
    check_submit,
)
from runxin.platform.reporting.snapshots import Snapshot, compare, period_year
from runxin.platform.reporting.windows import validate_window

SCHOOL = Place("第一小学", "东湖区")
COUNTY = Place("东湖区", "南昌市")
CITY = Place("南昌市", None)
TODAY = dt.date(2026, 3, 1)
S = ReportState


@pytest.mark.parametrize(
    ("state", "pending", "parent", "expected"),
    [
        (S.OPEN, 0, S.OPEN, ApprovalState.READY),
        (S.OPEN, 2, S.OPEN, ApprovalState.WAITING_FOR_CHILDREN),
        (S.RETURNED, 0, S.OPEN, ApprovalState.RETURNED),
        (S.RETURNED, 1, S.OPEN, ApprovalState.WAITING_FOR_CHILDREN),
        (S.SUBMITTED, 0, S.OPEN, ApprovalState.SUBMITTED),
        (S.APPROVED, 0, S.OPEN, ApprovalState.APPROVED_HERE),
        (S.APPROVED, 0, S.SUBMITTED, ApprovalState.APPROVED_HERE),
        (S.APPROVED, 0, S.APPROVED, ApprovalState.APPROVED_ABOVE),
        (S.APPROVED, 0, None, ApprovalState.APPROVED_HERE),  # a root's acceptance
        (S.OPEN, 0, None, ApprovalState.READY),
    ],
)
def test_approval_state(state: ReportState, pending: int, parent: ReportState | None, expected: ApprovalState) -> None:
    assert approval_state(state, children_pending=pending, parent_state=parent) is expected


def submit(state: ReportState = S.OPEN, place: Place = SCHOOL, *, pending=(), window=None, start=dt.date(2025, 1, 1)) -> None:  # type: ignore[no-untyped-def]
    check_submit(state, 1, place, pending=list(pending), period_id="2025", period_start=start, window=window, today=TODAY)


@pytest.mark.parametrize("state", [S.OPEN, S.RETURNED])
def test_an_open_or_returned_report_with_every_child_approved_can_be_submitted(state: ReportState) -> None:
    submit(state)
    submit(state, COUNTY, window=Window(dt.date(2026, 1, 1), dt.date(2026, 1, 31), "南昌市"))  # late is allowed


@pytest.mark.parametrize(
    ("state", "place", "code", "says"),
    [
        (S.SUBMITTED, SCHOOL, "ALREADY_SUBMITTED", "waits for 东湖区"),
        (S.APPROVED, SCHOOL, "ALREADY_APPROVED", "ask 东湖区 to reopen it"),
        (S.OPEN, CITY, "ROOT_ACCEPTS", "reportAccept"),
    ],
)
def test_submitting_is_refused_in_the_wrong_state_or_at_the_root(state: ReportState, place: Place, code: str, says: str) -> None:
    with pytest.raises(Conflict) as refused:
        submit(state, place)
    assert refused.value.code == code and says in refused.value.message


def test_submitting_waits_for_every_child_and_names_them() -> None:
    pending = [Child(f"学校{i}", S.SUBMITTED if i % 2 else S.OPEN) for i in range(7)]
    with pytest.raises(Conflict) as refused:
        submit(place=COUNTY, pending=pending)
    message = refused.value.message
    assert refused.value.code == "CHILDREN_NOT_APPROVED"
    assert (
        "学校0 (open), 学校1 (submitted)" in message and "学校4" in message and "学校5" not in message and "and 2 more" in message
    )


def test_submitting_a_future_period_or_before_the_window_opens_is_refused() -> None:
    with pytest.raises(Invalid) as refused:
        submit(start=dt.date(2027, 1, 1))
    assert (refused.value.field, refused.value.code) == ("period", "PERIOD_IN_FUTURE")
    with pytest.raises(Conflict) as refused:
        submit(window=Window(dt.date(2026, 3, 2), dt.date(2026, 3, 31), "东湖区"))
    assert refused.value.code == "WINDOW_NOT_OPEN" and "opens on 2026-03-02" in refused.value.message
    submit(window=Window(TODAY, dt.date(2026, 3, 31), "东湖区"))  # the opening day itself


@pytest.mark.parametrize(
    ("state", "code"), [(S.OPEN, "NOT_SUBMITTED"), (S.RETURNED, "NOT_SUBMITTED"), (S.APPROVED, "ALREADY_APPROVED")]
)
def test_only_a_submitted_report_is_approved(state: ReportState, code: str) -> None:
    with pytest.raises(Conflict) as refused:
        check_approve(state, 1, SCHOOL, pending=[], period_id="2025")
    assert refused.value.code == code
    check_approve(S.SUBMITTED, 1, SCHOOL, pending=[], period_id="2025")


def test_accepting_is_for_the_root_once_every_child_is_approved() -> None:
    check_accept(S.OPEN, 1, CITY, pending=[], period_id="2025")
    for state, place, pending, code in [
        (S.OPEN, COUNTY, [], "NOT_ROOT"),
        (S.APPROVED, CITY, [], "ALREADY_APPROVED"),
        (S.OPEN, CITY, [Child("东湖区", S.SUBMITTED)], "CHILDREN_NOT_APPROVED"),
    ]:
        with pytest.raises(Conflict) as refused:
            check_accept(state, 1, place, pending=pending, period_id="2025")
        assert refused.value.code == code


def test_returning_and_reopening_need_the_right_state() -> None:
    check_return(S.SUBMITTED, 1, SCHOOL, period_id="2025")
    check_return(S.APPROVED, 1, SCHOOL, period_id="2025")
    for state, place, code in [(S.OPEN, SCHOOL, "NOT_SUBMITTED"), (S.SUBMITTED, CITY, "ROOT_ACCEPTS")]:
        with pytest.raises(Conflict) as refused:
            check_return(state, 1, place, period_id="2025")
        assert refused.value.code == code
    check_reopen(S.APPROVED, 1, CITY, period_id="2025")
    with pytest.raises(Conflict) as refused:
        check_reopen(S.SUBMITTED, 1, SCHOOL, period_id="2025")
    assert refused.value.code == "NOT_APPROVED" and "reportReturn" in refused.value.message


@pytest.mark.parametrize(
    ("parent", "says"), [(S.SUBMITTED, "return 东湖区's report first"), (S.APPROVED, "reopen 东湖区's report first")]
)
def test_undoing_an_approval_waits_for_the_parent(parent: ReportState, says: str) -> None:
    with pytest.raises(Conflict) as refused:
        check_parent_open(SCHOOL, parent, 3, doing="reopen", period_id="2025")
    assert refused.value.code == "PARENT_LOCKED"
    assert "东湖区's own report for 2025 (version 3)" in refused.value.message and says in refused.value.message
    for open_state in (S.OPEN, S.RETURNED, None):
        check_parent_open(SCHOOL, open_state, 1, doing="reopen", period_id="2025")


def test_only_the_parent_decides_and_the_root_decides_for_itself() -> None:
    check_approver(SCHOOL, is_root=False, actor_is_tenant=False, actor_is_parent=True, doing="approve")
    check_approver(CITY, is_root=True, actor_is_tenant=True, actor_is_parent=False, doing="reopen")
    for place, is_root, own in [(SCHOOL, False, True), (SCHOOL, False, False), (CITY, True, False)]:
        with pytest.raises(PermissionDenied) as denied:
            check_approver(place, is_root=is_root, actor_is_tenant=own, actor_is_parent=False, doing="approve")
        assert denied.value.code == "NOT_APPROVER"
    with pytest.raises(PermissionDenied) as denied:
        check_approver(SCHOOL, is_root=False, actor_is_tenant=False, actor_is_parent=False, doing="approve")
    assert "decided by 东湖区" in denied.value.message


def test_reasons_and_comments() -> None:
    assert check_reason("  数据有误 ") == "数据有误"
    with pytest.raises(Invalid) as refused:
        check_reason(None)
    assert (refused.value.field, refused.value.code) == ("reason", "REQUIRED")
    with pytest.raises(Invalid) as refused:
        check_reason("x" * 2001)
    assert refused.value.code == "TOO_LONG"
    assert check_comment(None, required=False) == ""
    with pytest.raises(Invalid):
        check_comment(" ", required=True)


def test_windows_are_validated_together() -> None:
    assert validate_window("2025t1", dt.date(2026, 1, 5), dt.date(2026, 2, 10)).id == "2025T1"
    with pytest.raises(InvalidMany) as refused:
        validate_window("2025-1", dt.date(2026, 2, 1), dt.date(2026, 1, 1))
    assert {(e.field, e.code) for e in refused.value.errors} == {("period", "PERIOD_FORMAT"), ("closes_on", "DATE_ORDER")}
    with pytest.raises(Invalid) as one:
        validate_window("2025", None, dt.date(2026, 1, 1))
    assert (one.value.field, one.value.code) == ("opens_on", "REQUIRED")
    with pytest.raises(Invalid) as one:
        validate_window("2025", dt.date(2024, 1, 1), dt.date(2027, 6, 1))
    assert one.value.code == "WINDOW_TOO_LONG"


def test_the_year_of_a_period_is_its_first_four_digits() -> None:
    assert [period_year(p) for p in ("2025", "202503", "2025T2", "2025SY")] == [2025] * 4


def value(code: str, numerator: float, denominator: float, state: ValueState = ValueState.REPORTED) -> IndicatorValue:
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    ratio = numerator / denominator if state is ValueState.REPORTED else None
    units = int(denominator)
    return IndicatorValue(uuid.UUID(int=1), code, numerator, denominator, ratio, state, units, 0, now, "2023", 2025)


def test_changes_are_the_indicators_that_moved_only() -> None:
    snapshot = Snapshot(
        uuid.UUID(int=1),
        "2025",
        2,
        7,
        dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        {"A": value("A", 1, 2), "B": value("B", 1, 2), "C": value("C", 0, 0, ValueState.NOT_APPLICABLE), "D": value("D", 1, 4)},
    )
    live = {
        "A": value("A", 1, 2),  # the same
        "B": value("B", 2, 4),  # the same value from other sums: the data changed
        "C": value("C", 0, 1),  # became reportable
        "D": value("D", 1.0000000000001, 4),  # float noise only
        "E": value("E", 1, 1),  # a new indicator: never approved, not compared
    }
    changes = compare(snapshot, live)
    assert [c.indicator for c in changes] == ["B", "C"]
    assert changes[1].approved.state is ValueState.NOT_APPLICABLE and changes[1].current.state is ValueState.REPORTED
    assert {c.approved_version for c in changes} == {2}
