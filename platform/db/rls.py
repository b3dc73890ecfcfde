"""Row-level security for the tables later migrations add, so each migration says one line per table.

Revision 0004 explains the trust model; revision 0016 why membership is tested with
`tenant_id IN (SELECT ...)` (a hashed sub-plan: one hash probe per row) rather than 0004's
`= ANY (ARRAY(...))` (a linear search of the subtree's ids per row). A migration must build the
same schema whatever the code says later, so the SQL here is frozen: a changed policy is a new
function (and a migration that alters the old policies), never an edit of these strings.

Two kinds of tenant-keyed table:
- institutional records (`enable_subtree`): visible and writable within the scope's subtree, so a
  bureau sees its schools' stations;
- student-level records (`enable_school_private`, `SchoolPrivate` models): visible and writable by
  the owning school alone, or by a system job. A bureau's principal never reads them, with one
  narrow exception: a statement of the indicator engine, which only counts (tenants/scoping.py
  `COUNTING_KEY`), runs with `runxin.counting` = 'on' and may read the rows of its subtree to
  aggregate them. Writes are never allowed in counting mode (the WITH CHECK has no exception).
"""

from __future__ import annotations

from typing import Any

APP_ROLE = "runxin_app"

OWNED_BY_SUBTREE = "tenant_id IN (SELECT t.id FROM tenant AS t WHERE t.path >= runxin_scope_path() AND t.path < runxin_scope_upper())"
# The scope's own tenant (or every tenant for a system job, whose scope path is '/').
OWNED_BY_SCOPE_TENANT = (
    "tenant_id IN (SELECT t.id FROM tenant AS t WHERE t.path >= runxin_scope_path() AND t.path < runxin_scope_upper()"
    " AND (t.path = runxin_scope_path() OR runxin_scope_path() = '/'))"
)
COUNTED_IN_SUBTREE = f"(current_setting('runxin.counting', true) = 'on' AND {OWNED_BY_SUBTREE})"


def _wall(op: Any, table: str) -> None:
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE}")
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")


def enable_subtree(op: Any, table: str) -> None:
    """Forced RLS on an institutional tenant-keyed table: the scope's subtree reads and writes it."""
    if op.get_bind().dialect.name != "postgresql":
        return
    _wall(op, table)
    op.execute(f"CREATE POLICY {table}_subtree ON {table} USING ({OWNED_BY_SUBTREE}) WITH CHECK ({OWNED_BY_SUBTREE})")


def enable_school_private(op: Any, table: str) -> None:
    """Forced RLS on a student-level table: the owning school (or a system job) alone reads and
    writes it; the indicator engine's counting statements read it across the subtree."""
    if op.get_bind().dialect.name != "postgresql":
        return
    _wall(op, table)
    op.execute(f"CREATE POLICY {table}_own_read ON {table} FOR SELECT USING ({OWNED_BY_SCOPE_TENANT} OR {COUNTED_IN_SUBTREE})")
    op.execute(f"CREATE POLICY {table}_own_insert ON {table} FOR INSERT WITH CHECK ({OWNED_BY_SCOPE_TENANT})")
    op.execute(
        f"CREATE POLICY {table}_own_update ON {table} FOR UPDATE USING ({OWNED_BY_SCOPE_TENANT}) WITH CHECK ({OWNED_BY_SCOPE_TENANT})"
    )
    op.execute(f"CREATE POLICY {table}_own_delete ON {table} FOR DELETE USING ({OWNED_BY_SCOPE_TENANT})")


def disable(op: Any, table: str) -> None:
    """Undo either of the above (for downgrades), before the table is dropped."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for suffix in ("subtree", "own_read", "own_insert", "own_update", "own_delete"):
        op.execute(f"DROP POLICY IF EXISTS {table}_{suffix} ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute(f"REVOKE ALL ON {table} FROM {APP_ROLE}")
