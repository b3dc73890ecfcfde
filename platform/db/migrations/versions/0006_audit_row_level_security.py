"""row-level security on the audit log

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24

The audit log is not a tenant-owned table (a move across cities must not rewrite history), but it
holds who read which personal data, so the database guards it too. Each event keeps the acting
tenant's path at the time (`tenant_path`); a transaction reads the events of its scope's subtree
and writes only events inside it. Deleting is for retention alone: the owner's prune sets the
system scope (runxin.system = 'on', which makes the scope path '/', so every path is inside) and
lifts the append-only trigger in the same transaction. The application role was only ever granted
SELECT and INSERT (0004).
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLE = "audit_event"
IN_SCOPE = "tenant_path >= runxin_scope_path() AND tenant_path < runxin_scope_upper()"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE {TABLE} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {TABLE} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY {TABLE}_read ON {TABLE} FOR SELECT USING ({IN_SCOPE})")
    op.execute(f"CREATE POLICY {TABLE}_insert ON {TABLE} FOR INSERT WITH CHECK ({IN_SCOPE})")
    op.execute(f"CREATE POLICY {TABLE}_prune ON {TABLE} FOR DELETE USING (runxin_scope_path() = '/')")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for policy in ("read", "insert", "prune"):
        op.execute(f"DROP POLICY IF EXISTS {TABLE}_{policy} ON {TABLE}")
    op.execute(f"ALTER TABLE {TABLE} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {TABLE} DISABLE ROW LEVEL SECURITY")
