"""staff.staff_code: the employer's staff number (工号), the key a roster import matches rows by

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

A column on an existing tenant-owned table: the table's row-level security policies of 0004 cover it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(sa.Column("staff_code", sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint("uq_staff_tenant_id_staff_code", ["tenant_id", "staff_code"])


def downgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_constraint("uq_staff_tenant_id_staff_code", type_="unique")
        batch_op.drop_column("staff_code")
