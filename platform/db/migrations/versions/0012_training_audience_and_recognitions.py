"""training_attendance.audience; model_school_recognition replaces school_profile.model_school_level

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04

- Attendance carries its programme's audience (as it carries the session's year), so the coverage
  of homeroom teachers and principals counts a school's attendance without reading the county's or
  city's programme rows. Existing rows take their programme's audience.
- A school's model-school level becomes its recognitions (one row per award, with its authority,
  certificate, validity and withdrawal), walled like every institutional table (platform/db/rls.py,
  subtree). Each profile with a level other than NONE becomes one recognition of that level,
  granted on the day the profile was created (the earliest day the deployment knew of it; the true
  date and certificate are the bureau's to complete), and the profile column is dropped. The
  downgrade puts back, per school, the highest level in force on the day it runs.
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

from runxin.platform.db import rls
from runxin.platform.ids import new_id

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

LEVELS = ("COUNTY", "CITY", "PROVINCE", "NATIONAL")
TITLE = {
    "COUNTY": "县级心理健康特色学校",
    "CITY": "市级心理健康特色学校",
    "PROVINCE": "省级心理健康特色学校",
    "NATIONAL": "全国心理健康特色学校",
}

profile = sa.table(
    "school_profile",
    sa.column("id", sa.Uuid()),
    sa.column("tenant_id", sa.Uuid()),
    sa.column("root_id", sa.Uuid()),
    sa.column("model_school_level", sa.String()),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
recognition = sa.table(
    "model_school_recognition",
    sa.column("id", sa.Uuid()),
    sa.column("tenant_id", sa.Uuid()),
    sa.column("root_id", sa.Uuid()),
    sa.column("level", sa.String()),
    sa.column("title", sa.String()),
    sa.column("recognised_on", sa.Date()),
    sa.column("awarded_by", sa.String()),
    sa.column("certificate_no", sa.String()),
    sa.column("valid_until", sa.Date()),
    sa.column("revoked_on", sa.Date()),
)


def _as_system() -> None:
    # The data moves read and write every tenant's rows; under forced row-level security the
    # migrating role sees them only as a system job (a superuser bypasses the policies anyway).
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT set_config('runxin.system', 'on', true)")


def _day(value) -> dt.date:  # type: ignore[no-untyped-def]
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):  # SQLite hands back text when the column type is not reflected
        return dt.date.fromisoformat(value[:10])
    return dt.date.today()


def upgrade() -> None:
    _as_system()
    bind = op.get_bind()
    with op.batch_alter_table("training_attendance", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("audience", sa.String(length=32), nullable=False, server_default="MENTAL_HEALTH_TEACHERS")
        )
    op.execute(
        "UPDATE training_attendance SET audience = (SELECT p.audience FROM training_session AS s "
        "JOIN training_programme AS p ON p.id = s.programme_id WHERE s.id = training_attendance.session_id)"
    )
    with op.batch_alter_table("training_attendance", schema=None) as batch_op:
        batch_op.alter_column("audience", server_default=None)

    op.create_table(
        "model_school_recognition",
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("recognised_on", sa.Date(), nullable=False),
        sa.Column("awarded_by", sa.String(length=200), nullable=False),
        sa.Column("certificate_no", sa.String(length=64), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("revoked_on", sa.Date(), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("root_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_model_school_recognition_tenant_id_tenant"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_school_recognition")),
    )
    op.create_index(op.f("ix_model_school_recognition_tenant_id"), "model_school_recognition", ["tenant_id"], unique=False)
    op.create_index(op.f("ix_model_school_recognition_root_id"), "model_school_recognition", ["root_id"], unique=False)
    rls.enable_subtree(op, "model_school_recognition")

    rows = bind.execute(
        sa.select(profile.c.tenant_id, profile.c.root_id, profile.c.model_school_level, profile.c.created_at).where(
            profile.c.model_school_level.in_(LEVELS)
        )
    ).all()
    if rows:
        bind.execute(
            recognition.insert(),
            [
                {
                    "id": new_id(),
                    "tenant_id": row.tenant_id,
                    "root_id": row.root_id,
                    "level": row.model_school_level,
                    "title": TITLE[row.model_school_level],
                    "recognised_on": _day(row.created_at),
                    "awarded_by": "",
                    "certificate_no": None,
                    "valid_until": None,
                    "revoked_on": None,
                }
                for row in rows
            ],
        )
    with op.batch_alter_table("school_profile", schema=None) as batch_op:
        batch_op.drop_column("model_school_level")


def downgrade() -> None:
    _as_system()
    bind = op.get_bind()
    with op.batch_alter_table("school_profile", schema=None) as batch_op:
        batch_op.add_column(sa.Column("model_school_level", sa.String(length=16), nullable=False, server_default="NONE"))
    today = dt.date.today()
    best: dict = {}
    for row in bind.execute(sa.select(recognition.c.tenant_id, recognition.c.level, recognition.c.recognised_on,
                                      recognition.c.valid_until, recognition.c.revoked_on)).all():  # fmt: skip
        in_force = row.recognised_on <= today and (row.revoked_on is None or row.revoked_on > today) and (
            row.valid_until is None or row.valid_until >= today
        )
        known = best.get(row.tenant_id)
        if in_force and (known is None or LEVELS.index(row.level) > LEVELS.index(known)):
            best[row.tenant_id] = row.level
    for tenant_id, level in best.items():
        bind.execute(profile.update().where(profile.c.tenant_id == tenant_id).values(model_school_level=level))
    with op.batch_alter_table("school_profile", schema=None) as batch_op:
        batch_op.alter_column("model_school_level", server_default=None)
    rls.disable(op, "model_school_recognition")
    op.drop_index(op.f("ix_model_school_recognition_root_id"), table_name="model_school_recognition")
    op.drop_index(op.f("ix_model_school_recognition_tenant_id"), table_name="model_school_recognition")
    op.drop_table("model_school_recognition")
    with op.batch_alter_table("training_attendance", schema=None) as batch_op:
        batch_op.drop_column("audience")
