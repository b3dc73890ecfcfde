"""a city's disclosure policy, as data

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24

One row per city (the root of a tree). Every tenant of the city reads it (a county must know
what its city publishes), only the city writes it. On PostgreSQL the row-level security of 0004
covers it: reads for the scope's subtree and its ancestors, writes for the subtree.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

APP_ROLE = "runxin_app"
TABLE = "disclosure_policy"
SUBTREE_IDS = "SELECT t.id FROM tenant AS t WHERE t.path >= runxin_scope_path() AND t.path < runxin_scope_upper()"
ANCESTOR_IDS = "SELECT t.id FROM tenant AS t WHERE t.path = ANY (runxin_scope_ancestor_paths())"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("detail_resources", sa.String(length=300), nullable=False),
        sa.Column("personal_roles", sa.String(length=200), nullable=False),
        sa.Column("personal_fields", sa.String(length=200), nullable=False),
        sa.Column("suppression_threshold", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("root_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_disclosure_policy_tenant_id_tenant"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_policy")),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_disclosure_policy_tenant_id")),
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disclosure_policy_root_id"), ["root_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_disclosure_policy_tenant_id"), ["tenant_id"], unique=False)
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {TABLE} TO {APP_ROLE}")
    op.execute(f"ALTER TABLE {TABLE} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {TABLE} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY {TABLE}_read ON {TABLE} FOR SELECT "
        f"USING (tenant_id = ANY (ARRAY({SUBTREE_IDS})) OR tenant_id = ANY (ARRAY({ANCESTOR_IDS})))"
    )
    for command in ("INSERT", "UPDATE", "DELETE"):
        using = "" if command == "INSERT" else f"USING (tenant_id = ANY (ARRAY({SUBTREE_IDS})))"
        check = "" if command == "DELETE" else f"WITH CHECK (tenant_id = ANY (ARRAY({SUBTREE_IDS})))"
        op.execute(f"CREATE POLICY {TABLE}_{command.lower()} ON {TABLE} FOR {command} {using} {check}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for policy in ("read", "insert", "update", "delete"):
            op.execute(f"DROP POLICY IF EXISTS {TABLE}_{policy} ON {TABLE}")
        op.execute(f"REVOKE ALL ON {TABLE} FROM {APP_ROLE}")
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disclosure_policy_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_disclosure_policy_root_id"))
    op.drop_table(TABLE)
