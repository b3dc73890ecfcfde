"""home_visit, mentor_assignment, mentor_team, mentor_team_member: home-school work and mentorship

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04

Student-level tables (SchoolPrivate): row-level security lets the owning school alone read and
write them; a bureau's principal reads them only in the indicator engine's counting statements.
"""

import sqlalchemy as sa
from alembic import op

from runxin.platform.db import rls

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TABLES = ("home_visit", "mentor_assignment", "mentor_team", "mentor_team_member")


def _owned(table: str) -> list:
    return [
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("root_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f(f"fk_{table}_tenant_id_tenant"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def _indexes(table: str) -> None:
    op.create_index(op.f(f"ix_{table}_tenant_id"), table, ["tenant_id"], unique=False)
    op.create_index(op.f(f"ix_{table}_root_id"), table, ["root_id"], unique=False)


def upgrade() -> None:
    op.create_table(
        "home_visit",
        sa.Column("student_file_id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=False),
        sa.Column("school_year", sa.Integer(), nullable=False),
        sa.Column("school_month", sa.Integer(), nullable=False),
        *_owned("home_visit"),
        sa.ForeignKeyConstraint(
            ["student_file_id"], ["student_file.id"], name=op.f("fk_home_visit_student_file_id_student_file"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_home_visit_staff_id_staff"), ondelete="RESTRICT"),
    )
    _indexes("home_visit")
    op.create_index(op.f("ix_home_visit_staff_id"), "home_visit", ["staff_id"], unique=False)
    op.create_index("ix_home_visit_student_year", "home_visit", ["student_file_id", "school_year"], unique=False)

    op.create_table(
        "mentor_assignment",
        sa.Column("student_file_id", sa.Uuid(), nullable=False),
        sa.Column("mentor_staff_id", sa.Uuid(), nullable=False),
        sa.Column("school_year", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=False),
        *_owned("mentor_assignment"),
        sa.ForeignKeyConstraint(
            ["student_file_id"], ["student_file.id"], name=op.f("fk_mentor_assignment_student_file_id_student_file"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["mentor_staff_id"], ["staff.id"], name=op.f("fk_mentor_assignment_mentor_staff_id_staff"), ondelete="RESTRICT"
        ),
        sa.UniqueConstraint("student_file_id", "school_year", name=op.f("uq_mentor_assignment_student_file_id_school_year")),
    )
    _indexes("mentor_assignment")
    op.create_index(op.f("ix_mentor_assignment_mentor_staff_id"), "mentor_assignment", ["mentor_staff_id"], unique=False)

    op.create_table(
        "mentor_team",
        sa.Column("student_file_id", sa.Uuid(), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=False),
        *_owned("mentor_team"),
        sa.ForeignKeyConstraint(
            ["student_file_id"], ["student_file.id"], name=op.f("fk_mentor_team_student_file_id_student_file"), ondelete="CASCADE"
        ),
        sa.UniqueConstraint("student_file_id", name=op.f("uq_mentor_team_student_file_id")),
    )
    _indexes("mentor_team")

    op.create_table(
        "mentor_team_member",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        *_owned("mentor_team_member"),
        sa.ForeignKeyConstraint(["team_id"], ["mentor_team.id"], name=op.f("fk_mentor_team_member_team_id_mentor_team"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_mentor_team_member_staff_id_staff"), ondelete="RESTRICT"),
        sa.UniqueConstraint("team_id", "staff_id", name=op.f("uq_mentor_team_member_team_id_staff_id")),
    )
    _indexes("mentor_team_member")
    op.create_index(op.f("ix_mentor_team_member_staff_id"), "mentor_team_member", ["staff_id"], unique=False)
    for table in TABLES:
        rls.enable_school_private(op, table)


def downgrade() -> None:
    for table in reversed(TABLES):
        rls.disable(op, table)
        op.drop_table(table)
