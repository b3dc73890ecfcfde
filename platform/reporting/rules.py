"""The rules of the approval chain as pure functions: which transitions are allowed, and the approval
state a report is in. No database here; `services.py` gathers the facts and calls these.

States of a report (one per tenant and period; no row is OPEN at version 1):

    OPEN ──submit──▶ SUBMITTED ──approve (parent)──▶ APPROVED ──reopen (parent)──▶ OPEN, version + 1
      ▲                  │                              │
      │               return (parent, reason)        return (parent, reason) ──▶ RETURNED, version + 1
      │                  ▼
      └── submit ── RETURNED

A root tenant (the city) has nobody above it: it never submits; it accepts its own report (OPEN ->
APPROVED, event ACCEPT) and reopens it itself. Every check raises an error whose message says what
to do next.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from runxin.platform.errors import Conflict, Invalid, PermissionDenied

MAX_REASON = 2000
# How many not-yet-approved children a refusal names before it only counts the rest.
NAMED_CHILDREN = 5


class ReportState(enum.StrEnum):
    OPEN = "OPEN"
    SUBMITTED = "SUBMITTED"
    APPROVED = "APPROVED"
    RETURNED = "RETURNED"


class ApprovalState(enum.StrEnum):
    WAITING_FOR_CHILDREN = "WAITING_FOR_CHILDREN"  # open or returned, and some child is not approved
    READY = "READY"  # open, and every child is approved (or there are none)
    SUBMITTED = "SUBMITTED"  # waiting for the parent
    APPROVED_HERE = "APPROVED_HERE"  # approved by the parent (accepted, for a root) and the parent's own is not approved yet
    APPROVED_ABOVE = "APPROVED_ABOVE"  # approved, and the parent's own report is approved too
    RETURNED = "RETURNED"  # returned with a reason, and every child is approved: it can be submitted again


class Action(enum.StrEnum):
    SUBMIT = "SUBMIT"
    APPROVE = "APPROVE"
    RETURN = "RETURN"
    ACCEPT = "ACCEPT"
    REOPEN = "REOPEN"
    COMMENT = "COMMENT"


# While its report is in one of these states, a tenant's data for the period may not change.
LOCKING_STATES = frozenset({ReportState.SUBMITTED, ReportState.APPROVED})


@dataclass(frozen=True, slots=True)
class Place:
    """The tenant whose report it is, as the messages name it."""

    name: str
    parent_name: str | None  # None for a root tenant

    @property
    def approver(self) -> str:
        """Who decides on this report: the parent, or for a root its own administrators."""
        return self.parent_name if self.parent_name is not None else f"{self.name}'s own administrators"


@dataclass(frozen=True, slots=True)
class Child:
    name: str
    state: ReportState


@dataclass(frozen=True, slots=True)
class Window:
    """The entry window that applies to a tenant (set by its nearest bureau above that set one)."""

    opens_on: dt.date
    closes_on: dt.date
    set_by: str  # the bureau's name
    set_by_id: uuid.UUID | None = None

    def closed(self, today: dt.date) -> bool:
        """Has the window closed: is a report not submitted by now late?"""
        return self.closes_on < today


def approval_state(state: ReportState, *, children_pending: int, parent_state: ReportState | None) -> ApprovalState:
    """The approval state of a report in `state` whose tenant has `children_pending` children not yet
    APPROVED and whose parent's report is in `parent_state` (None for a root tenant)."""
    if state is ReportState.SUBMITTED:
        return ApprovalState.SUBMITTED
    if state is ReportState.APPROVED:
        return ApprovalState.APPROVED_ABOVE if parent_state is ReportState.APPROVED else ApprovalState.APPROVED_HERE
    if children_pending:
        return ApprovalState.WAITING_FOR_CHILDREN
    return ApprovalState.RETURNED if state is ReportState.RETURNED else ApprovalState.READY


def _children_message(place: Place, pending: Sequence[Child], doing: str) -> str:
    named = ", ".join(f"{c.name} ({c.state.value.lower()})" for c in pending[:NAMED_CHILDREN])
    more = f" and {len(pending) - NAMED_CHILDREN} more" if len(pending) > NAMED_CHILDREN else ""
    return (
        f"{place.name} can {doing} only when every tenant under it has been approved; not yet: {named}{more}. "
        "Approve their reports first (they must submit them before)."
    )


def check_submit(
    state: ReportState,
    version: int,
    place: Place,
    *,
    pending: Sequence[Child],
    period_id: str,
    period_start: dt.date,
    window: Window | None,
    today: dt.date,
) -> None:
    """Raise unless the tenant may submit its report now."""
    if place.parent_name is None:
        raise Conflict(
            f"{place.name} is at the top of the tree: nobody above approves its report. Accept it with reportAccept "
            "once every tenant under it is approved.",
            code="ROOT_ACCEPTS",
        )
    if state is ReportState.SUBMITTED:
        raise Conflict(
            f"{place.name}'s report for {period_id} (version {version}) is already submitted and waits for {place.approver}.",
            code="ALREADY_SUBMITTED",
        )
    if state is ReportState.APPROVED:
        raise Conflict(
            f"{place.name}'s report for {period_id} (version {version}) is approved; ask {place.approver} to reopen it "
            "to change and submit it again.",
            code="ALREADY_APPROVED",
        )
    if period_start > today:
        raise Invalid(
            "period",
            "PERIOD_IN_FUTURE",
            f"Period {period_id} begins on {period_start.isoformat()}, after today ({today.isoformat()}); submit it once it has begun.",
        )
    if window is not None and today < window.opens_on:
        raise Conflict(
            f"The entry window for {period_id} set by {window.set_by} opens on {window.opens_on.isoformat()} "
            f"(and closes on {window.closes_on.isoformat()}); submit then, or ask {window.set_by} to open it earlier.",
            code="WINDOW_NOT_OPEN",
        )
    if pending:
        raise Conflict(_children_message(place, pending, "submit"), code="CHILDREN_NOT_APPROVED")


def check_approve(state: ReportState, version: int, place: Place, *, pending: Sequence[Child], period_id: str) -> None:
    """Raise unless the parent may approve the report now."""
    if state is ReportState.APPROVED:
        raise Conflict(f"{place.name}'s report for {period_id} (version {version}) is already approved.", code="ALREADY_APPROVED")
    if state is not ReportState.SUBMITTED:
        raise Conflict(
            f"{place.name}'s report for {period_id} is {state.value.lower()}, not submitted: {place.name} submits it "
            "first (reportSubmit), then it can be approved.",
            code="NOT_SUBMITTED",
        )
    if pending:
        # Submission checked this already and reopening a child of a submitted report is refused, so
        # this holds unless the data were changed outside the chain; refuse rather than approve it.
        raise Conflict(_children_message(place, pending, "be approved"), code="CHILDREN_NOT_APPROVED")


def check_root(place: Place) -> None:
    """Refuse to accept the report of a tenant that has a parent (it submits instead)."""
    if place.parent_name is not None:
        raise Conflict(
            f"Only a tenant at the top of the tree accepts its own report; {place.name}'s report goes to {place.parent_name} "
            "with reportSubmit.",
            code="NOT_ROOT",
        )


def check_not_root(place: Place, doing: str) -> None:
    """Refuse to approve or return the report of a root tenant: nobody is above it."""
    if place.parent_name is None:
        raise Conflict(
            f"{place.name} is at the top of the tree: nobody above it can {doing} its report. Its own administrators "
            "accept it (reportAccept) or reopen it (reportReopen).",
            code="ROOT_ACCEPTS",
        )


def check_accept(state: ReportState, version: int, place: Place, *, pending: Sequence[Child], period_id: str) -> None:
    """Raise unless a root tenant may accept its own report now."""
    check_root(place)
    if state is ReportState.APPROVED:
        raise Conflict(
            f"{place.name}'s report for {period_id} (version {version}) is already accepted; reopen it (reportReopen) "
            "to accept a new version.",
            code="ALREADY_APPROVED",
        )
    if pending:
        raise Conflict(_children_message(place, pending, "accept"), code="CHILDREN_NOT_APPROVED")


def check_reason(reason: str | None, field: str = "reason") -> str:
    """The reason for returning a report, trimmed; required, at most MAX_REASON characters."""
    text = (reason or "").strip()
    if not text:
        raise Invalid(field, "REQUIRED", "Say why the report is returned, so its tenant knows what to fix.")
    if len(text) > MAX_REASON:
        raise Invalid(field, "TOO_LONG", f"The reason is {len(text)} characters; shorten it to {MAX_REASON} at most.")
    return text


def check_comment(comment: str | None, *, required: bool, field: str = "comment") -> str:
    text = (comment or "").strip()
    if required and not text:
        raise Invalid(field, "REQUIRED", "Write the comment's text.")
    if len(text) > MAX_REASON:
        raise Invalid(field, "TOO_LONG", f"The comment is {len(text)} characters; shorten it to {MAX_REASON} at most.")
    return text


def check_parent_open(place: Place, parent_state: ReportState | None, parent_version: int, *, doing: str, period_id: str) -> None:
    """Refuse to undo an approval while the parent's own report, which includes it, is submitted or approved."""
    if parent_state is None or parent_state not in LOCKING_STATES:
        return
    parent = place.parent_name or place.name
    if parent_state is ReportState.SUBMITTED:
        then = f"ask the level above {parent} to return {parent}'s report first"
    else:
        then = f"reopen {parent}'s report first (its approver does that)"
    raise Conflict(
        f"{parent}'s own report for {period_id} (version {parent_version}) is {parent_state.value.lower()} and includes "
        f"{place.name}'s: {then}, then {doing} this one.",
        code="PARENT_LOCKED",
    )


def check_return(state: ReportState, version: int, place: Place, *, period_id: str) -> None:
    """Raise unless the report can be returned (the parent's state is checked by check_parent_open)."""
    check_not_root(place, "return")
    if state not in LOCKING_STATES:
        raise Conflict(
            f"{place.name}'s report for {period_id} is {state.value.lower()}: only a submitted or approved report can be returned.",
            code="NOT_SUBMITTED",
        )


def check_reopen(state: ReportState, version: int, place: Place, *, period_id: str) -> None:
    """Raise unless the report is approved (only an approved report is reopened)."""
    if state is ReportState.APPROVED:
        return
    if state is ReportState.SUBMITTED:
        hint = f"it waits for {place.approver}, who can return it (reportReturn) instead"
    else:
        hint = "it is open for changes already"
    raise Conflict(
        f"{place.name}'s report for {period_id} (version {version}) is {state.value.lower()}, not approved: {hint}.",
        code="NOT_APPROVED",
    )


def check_approver(place: Place, *, is_root: bool, actor_is_tenant: bool, actor_is_parent: bool, doing: str) -> None:
    """Raise unless the actor is the one who decides on this report: the parent (a root: itself)."""
    if is_root:
        if actor_is_tenant:
            return
        raise PermissionDenied(f"Only {place.name}'s own administrators {doing} its report.", code="NOT_APPROVER")
    if actor_is_parent:
        return
    if actor_is_tenant:
        raise PermissionDenied(
            f"A tenant does not {doing} its own report: {place.parent_name} decides on {place.name}'s.", code="NOT_APPROVER"
        )
    raise PermissionDenied(
        f"{place.name}'s report is decided by {place.parent_name}, the level directly above it; ask them to {doing} it.",
        code="NOT_APPROVER",
    )
