"""data versions: per-tenant write counters that key the response cache

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

One row per tenant that was ever written under (and the EPOCH row, the nil UUID), raised at the end
of every writing transaction (platform/dataversion.py). No foreign key: the EPOCH row has no tenant,
and a counter must outlive nothing it counts.

Row-level security on PostgreSQL: the counters carry no record, only how often the data under a
tenant changed, so any transaction may read them (the response cache reads the reader's chain
before anything is scoped). A transaction may write only the rows of its scope's own chain — the
tenant it works for and its ancestors, whose ids are the segments of the scope path — or, as a
system job, any row.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

APP_ROLE = "runxin_app"
IN_SCOPE_CHAIN = (
    "runxin_scope_path() = '/' OR strpos(runxin_scope_path(), '/' || replace(tenant_id::text, '-', '') || '/') > 0"
)


def upgrade() -> None:
    op.create_table(
        "data_version",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("own_writes", sa.BigInteger(), nullable=False),
        sa.Column("subtree_writes", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_data_version")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"GRANT SELECT, INSERT, UPDATE ON data_version TO {APP_ROLE}")
        op.execute("ALTER TABLE data_version ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE data_version FORCE ROW LEVEL SECURITY")
        op.execute("CREATE POLICY data_version_read ON data_version FOR SELECT USING (true)")
        op.execute(f"CREATE POLICY data_version_insert ON data_version FOR INSERT WITH CHECK ({IN_SCOPE_CHAIN})")
        op.execute(f"CREATE POLICY data_version_update ON data_version FOR UPDATE USING ({IN_SCOPE_CHAIN}) WITH CHECK ({IN_SCOPE_CHAIN})")


def downgrade() -> None:
    op.drop_table("data_version")
