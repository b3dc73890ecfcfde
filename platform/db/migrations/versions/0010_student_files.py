"""student_file: the school's file per student, walled to the school itself

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04

The first student-level table. Its row-level security (platform/db/rls.py, school-private) lets
the owning school alone read and write it; a bureau's principal reads it only in the indicator
engine's counting statements, which aggregate.
"""

import sqlalchemy as sa
from alembic import op

from runxin.platform.db import rls

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "student_file",
        sa.Column("student_ref", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("gender", sa.String(length=12), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("class_name", sa.String(length=64), nullable=False),
        sa.Column("four_special", sa.String(length=64), nullable=False),
        sa.Column("concern_level", sa.String(length=12), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("root_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_student_file_tenant_id_tenant"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_student_file")),
        sa.UniqueConstraint("tenant_id", "student_ref", name=op.f("uq_student_file_tenant_id_student_ref")),
    )
    op.create_index(op.f("ix_student_file_tenant_id"), "student_file", ["tenant_id"], unique=False)
    op.create_index(op.f("ix_student_file_root_id"), "student_file", ["root_id"], unique=False)
    op.create_index("ix_student_file_tenant_active", "student_file", ["tenant_id", "active"], unique=False)
    rls.enable_school_private(op, "student_file")


def downgrade() -> None:
    rls.disable(op, "student_file")
    op.drop_table("student_file")
