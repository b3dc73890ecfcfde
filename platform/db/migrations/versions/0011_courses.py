"""courses and activities: a school's classes, their term hours, and its activity records

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04

Three tenant-owned tables, each keyed by tenant_id: on PostgreSQL each gets the subtree policy of
0004 with forced row-level security (a principal reads and writes rows of its subtree; workers run
as system). Dropping a table drops its policy with it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

APP_ROLE = "runxin_app"
TENANT_KEYED = ("school_class", "class_term_hours", "school_activity")
OWNED_BY_SUBTREE = (
    "tenant_id = ANY (ARRAY(SELECT t.id FROM tenant AS t WHERE t.path >= runxin_scope_path() AND t.path < runxin_scope_upper()))"
)


def _owned_columns() -> list[sa.Column]:
    """The TenantOwned mixin's columns (fresh objects per table)."""
    return [
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("root_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "school_class",
        sa.Column("school_year", sa.Integer(), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("homeroom_staff_id", sa.Uuid(), nullable=True),
        sa.Column("students", sa.Integer(), nullable=True),
        sa.Column("health_committee_boys", sa.Integer(), nullable=True),
        sa.Column("health_committee_girls", sa.Integer(), nullable=True),
        *_owned_columns(),
        sa.ForeignKeyConstraint(
            ["homeroom_staff_id"], ["staff.id"], name=op.f("fk_school_class_homeroom_staff_id_staff"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_school_class_tenant_id_tenant"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school_class")),
        sa.UniqueConstraint("tenant_id", "school_year", "name", name=op.f("uq_school_class_tenant_id_school_year_name")),
    )
    with op.batch_alter_table("school_class", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_school_class_root_id"), ["root_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_school_class_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "class_term_hours",
        sa.Column("class_id", sa.Uuid(), nullable=False),
        sa.Column("term", sa.String(length=8), nullable=False),
        sa.Column("teaching_weeks", sa.Integer(), nullable=False),
        sa.Column("mental_health_hours", sa.Integer(), nullable=False),
        sa.Column("class_meeting_hours", sa.Integer(), nullable=False),
        *_owned_columns(),
        sa.ForeignKeyConstraint(
            ["class_id"], ["school_class.id"], name=op.f("fk_class_term_hours_class_id_school_class"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_class_term_hours_tenant_id_tenant"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_class_term_hours")),
        sa.UniqueConstraint("class_id", "term", name=op.f("uq_class_term_hours_class_id_term")),
    )
    with op.batch_alter_table("class_term_hours", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_class_term_hours_root_id"), ["root_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_class_term_hours_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "school_activity",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=True),
        sa.Column("school_year", sa.Integer(), nullable=False),
        sa.Column("term", sa.Integer(), nullable=True),
        *_owned_columns(),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_school_activity_tenant_id_tenant"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school_activity")),
    )
    with op.batch_alter_table("school_activity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_school_activity_root_id"), ["root_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_school_activity_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index("ix_school_activity_tenant_year", ["tenant_id", "school_year"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        for table in TENANT_KEYED:
            op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE}")
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY {table}_subtree ON {table} USING ({OWNED_BY_SUBTREE}) WITH CHECK ({OWNED_BY_SUBTREE})")


def downgrade() -> None:
    with op.batch_alter_table("school_activity", schema=None) as batch_op:
        batch_op.drop_index("ix_school_activity_tenant_year")
        batch_op.drop_index(batch_op.f("ix_school_activity_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_school_activity_root_id"))
    op.drop_table("school_activity")

    with op.batch_alter_table("class_term_hours", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_class_term_hours_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_class_term_hours_root_id"))
    op.drop_table("class_term_hours")

    with op.batch_alter_table("school_class", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_school_class_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_school_class_root_id"))
    op.drop_table("school_class")
