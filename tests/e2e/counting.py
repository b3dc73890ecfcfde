"""Count the SQL statements the app runs while a block runs (query-count guards)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from runxin.platform.indicators.facts import FAMILIES, UNIT_KIND
from runxin.platform.tree.models import TenantKind

TRANSACTION_CONTROL = frozenset({"BEGIN", "COMMIT", "ROLLBACK"})
RLS_SCOPE_PREFIX = "SELECT set_config('runxin.tenant_path'"
# ... and the switch a counting statement turns on and off around itself (tenants/scoping.py).
COUNTING_PREFIX = "SELECT set_config('runxin.counting'"
# A suppression pattern computed for a new data version of the tree (platform/disclosure/patterns.py):
# the city's threshold with the tree's version, its tenants, the pending check and the schools' figures.
# Once per tree and data version, whatever the page; a page asking for a student-derived figure pays it.
PATTERN_STATEMENTS = 4
# A later batch of the same page finds the pattern kept: the threshold with the version only.
PATTERN_HIT_STATEMENTS = 1
# The operation's audit event, written after it in a transaction of its own (graphql/audit): a
# constant one statement per operation, not part of what the query reads.
AUDIT_INSERT_PREFIX = "INSERT INTO audit_event"
# ... and the setting that lets an institutional read's audit transaction skip the WAL flush wait.
AUDIT_SETUP = "SET LOCAL synchronous_commit = off"
# One indicator computation is one statement per fact family the subtree can hold: a bureau's every
# family (county, school, teacher, class, ...), a school's all but the county family. Counted, so
# that a new family does not rewrite every query-count guard.
FACT_FAMILIES = len(FAMILIES)
SCHOOL_FACT_FAMILIES = sum(1 for unit in FAMILIES if UNIT_KIND[unit] in (TenantKind.SCHOOL, None))


async def warm_up(api: Any, *tenants: Any) -> None:
    """Have the app look up each tenant's place in the tree (cached), so counts show the query alone."""
    for tenant in tenants:
        response = await api.post("{ viewer { subject } }", as_=tenant)
        assert response.status_code == 200, response.text


class StatementCounter:
    """`with StatementCounter(api) as counter: ...` then `counter.count`."""

    def __init__(self, api: Any) -> None:
        self.engine = api.app.state.runtime.engine.sync_engine
        self.count = 0
        self.statements: list[str] = []

    def _count(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # SQLite's explicit BEGIN (see platform/db/engine.py) is transaction control, not a query;
        # PostgreSQL's BEGIN never reaches a cursor, so counting it would make the backends differ.
        if statement.strip().upper() in TRANSACTION_CONTROL:
            return
        # The row-level-security scope sent at each PostgreSQL transaction's start (tenants/scoping.py)
        # is transaction setup too, and has no SQLite counterpart.
        if statement.startswith((RLS_SCOPE_PREFIX, COUNTING_PREFIX, AUDIT_INSERT_PREFIX, AUDIT_SETUP)):
            return
        self.count += 1
        self.statements.append(statement)

    def __enter__(self) -> StatementCounter:
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)
