"""screening rounds and results, follow-ups, referrals and crisis plans

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-04

Rounds and crisis plans are institutional (row-level security by subtree, as stations); results,
follow-ups and referrals are about one student each and walled to their school
(platform/db/rls.py, school-private), like student_file.
"""

import sqlalchemy as sa
from alembic import op

from runxin.platform.db import rls

revision = "0014"
down_revision = "0012"
branch_labels = None
depends_on = None

INSTITUTIONAL = ("screening_round", "crisis_plan")
STUDENT_LEVEL = ("screening_result", "concern_follow_up", "referral")


def _owned(table: str) -> list[sa.Column | sa.Constraint]:
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


def _student_fk(table: str) -> sa.Constraint:
    return sa.ForeignKeyConstraint(
        ["student_id"], ["student_file.id"], name=op.f(f"fk_{table}_student_id_student_file"), ondelete="RESTRICT"
    )


def upgrade() -> None:
    op.create_table(
        "screening_round",
        sa.Column("school_year", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("instrument", sa.String(length=100), nullable=False),
        *_owned("screening_round"),
    )
    _indexes("screening_round")
    op.create_index("ix_screening_round_tenant_year", "screening_round", ["tenant_id", "school_year"], unique=False)

    op.create_table(
        "crisis_plan",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("adopted_on", sa.Date(), nullable=False),
        sa.Column("adopted_year", sa.Integer(), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_owned("crisis_plan"),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_crisis_plan_tenant_id")),
    )
    _indexes("crisis_plan")

    op.create_table(
        "screening_result",
        sa.Column("round_id", sa.Uuid(), nullable=False),
        sa.Column("student_id", sa.Uuid(), nullable=False),
        sa.Column("level", sa.String(length=12), nullable=False),
        *_owned("screening_result"),
        sa.ForeignKeyConstraint(
            ["round_id"], ["screening_round.id"], name=op.f("fk_screening_result_round_id_screening_round"), ondelete="RESTRICT"
        ),
        _student_fk("screening_result"),
        sa.UniqueConstraint("round_id", "student_id", name=op.f("uq_screening_result_round_id_student_id")),
    )
    _indexes("screening_result")
    op.create_index(op.f("ix_screening_result_round_id"), "screening_result", ["round_id"], unique=False)
    op.create_index(op.f("ix_screening_result_student_id"), "screening_result", ["student_id"], unique=False)

    op.create_table(
        "concern_follow_up",
        sa.Column("student_id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        *_owned("concern_follow_up"),
        _student_fk("concern_follow_up"),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_concern_follow_up_staff_id_staff"), ondelete="RESTRICT"
        ),
    )
    _indexes("concern_follow_up")
    op.create_index(op.f("ix_concern_follow_up_student_id"), "concern_follow_up", ["student_id"], unique=False)
    op.create_index(op.f("ix_concern_follow_up_staff_id"), "concern_follow_up", ["staff_id"], unique=False)

    op.create_table(
        "referral",
        sa.Column("student_id", sa.Uuid(), nullable=False),
        sa.Column("hospital", sa.String(length=200), nullable=False),
        sa.Column("referred_on", sa.Date(), nullable=False),
        sa.Column("referred_year", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("certificate_received_on", sa.Date(), nullable=True),
        sa.Column("certificate_year", sa.Integer(), nullable=True),
        *_owned("referral"),
        _student_fk("referral"),
    )
    _indexes("referral")
    op.create_index(op.f("ix_referral_student_id"), "referral", ["student_id"], unique=False)

    for table in INSTITUTIONAL:
        rls.enable_subtree(op, table)
    for table in STUDENT_LEVEL:
        rls.enable_school_private(op, table)


def downgrade() -> None:
    for table in (*STUDENT_LEVEL, *INSTITUTIONAL):
        rls.disable(op, table)
    for table in ("referral", "concern_follow_up", "screening_result", "crisis_plan", "screening_round"):
        op.drop_table(table)
