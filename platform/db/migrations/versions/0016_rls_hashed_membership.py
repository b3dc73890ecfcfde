"""row-level security: test subtree membership with a hash, not a linear search

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04

0004 wrote the tenant-keyed policies as `tenant_id = ANY (ARRAY(SELECT id ... subtree))` so that a
scan of a big table by a small scope uses the tenant_id index. But most reads are correlated
probes (`staff.tenant_id = tenant.id` for each school of a county or city: the indicator
engine's facts), where the index condition comes from the probe and the policy is a per-row
filter, and `= ANY(array)` is a linear search of the subtree's ids for every row: 1,309 ids for a
city. Measured on 1,296 schools with 8 staff each, as the application role, the city's per-school
staff count took 229 ms with `= ANY (ARRAY(...))` and 8.4 ms with `IN (SELECT ...)`, which
PostgreSQL runs as a hashed sub-plan (the subtree's ids hashed once, one probe per row).

The case 0004 worried about, a scan of a big table by a small scope with no other predicate, does
not arise from the application: the ORM hook (tenants/scoping.py) always adds its own
`tenant_id IN (SELECT ...)` criterion, which the planner turns into an index-driven semi-join
(measured: 2.4 ms for a school's staff among 518,400, either policy). Text SQL without it scans.

The policies keep their names and meaning; only the expression changes (ALTER POLICY) on every
`<table>_subtree` policy. Tables created from 0010 on (platform/db/rls.py) have the hashed form
already, school-private ones included.
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

ARRAY_FORM = (
    "tenant_id = ANY (ARRAY(SELECT t.id FROM tenant AS t WHERE t.path >= runxin_scope_path() AND t.path < runxin_scope_upper()))"
)
HASHED_FORM = "tenant_id IN (SELECT t.id FROM tenant AS t WHERE t.path >= runxin_scope_path() AND t.path < runxin_scope_upper())"


def _set_all(expression: str) -> None:
    """Give every `<table>_subtree` policy `expression` for both reading and writing."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    tables = bind.exec_driver_sql(
        "SELECT tablename FROM pg_policies WHERE schemaname = current_schema() AND policyname = tablename || '_subtree'"
    ).scalars().all()
    for table in sorted(tables):
        op.execute(f"ALTER POLICY {table}_subtree ON {table} USING ({expression}) WITH CHECK ({expression})")


def upgrade() -> None:
    _set_all(HASHED_FORM)


def downgrade() -> None:
    # Every subtree policy goes back to the array form, also those of tables created after 0010
    # with the hashed form (platform/db/rls.py): the two forms admit exactly the same rows.
    _set_all(ARRAY_FORM)
