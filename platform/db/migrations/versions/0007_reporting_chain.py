"""the reporting chain: rollups and their outbox, reports and snapshots, deliveries

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24

Every new table is keyed by tenant_id; on PostgreSQL each gets the subtree policy of 0004 (a
principal reads and writes rows of its subtree; workers run as system). Reading a parent's report
state (a school asking whether its county's report was approved) is a system statement in the code.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

APP_ROLE = "runxin_app"
TENANT_KEYED = (
    "aggregate",
    "aggregate_snapshot",
    "delivery",
    "delivery_attempt",
    "delivery_endpoint",
    "report",
    "report_event",
    "reporting_window",
    "rollup_dirty",
)
OWNED_BY_SUBTREE = (
    "tenant_id = ANY (ARRAY(SELECT t.id FROM tenant AS t WHERE t.path >= runxin_scope_path() AND t.path < runxin_scope_upper()))"
)


def upgrade() -> None:
    op.create_table(
        "aggregate",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=48), nullable=False),
        sa.Column("standards_version", sa.String(length=32), nullable=False),
        sa.Column("units_total", sa.Integer(), nullable=False),
        sa.Column("units_not_reported", sa.Integer(), nullable=False),
        sa.Column("numerator", sa.Float(), nullable=False),
        sa.Column("denominator", sa.Float(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("input_version", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("root_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_aggregate_tenant_id_tenant"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aggregate")),
        sa.UniqueConstraint("tenant_id", "year", "indicator", name=op.f("uq_aggregate_tenant_id_year_indicator")),
    )
    with op.batch_alter_table("aggregate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_aggregate_root_id"), ["root_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_aggregate_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "delivery_endpoint",
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("secrets", sa.Text(), nullable=False),
        sa.Column("timeout_seconds", sa.Float(), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("circuit_open_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("root_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_delivery_endpoint_tenant_id_tenant"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_endpoint")),
    )
    with op.batch_alter_table("delivery_endpoint", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delivery_endpoint_root_id"), ["root_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_delivery_endpoint_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "report",
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_by_tenant_id", sa.Uuid(), nullable=True),
        sa.Column("return_reason", sa.String(length=2000), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("root_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_tenant_id"], ["tenant.id"], name=op.f("fk_report_decided_by_tenant_id_tenant"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_report_tenant_id_tenant"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report")),
        sa.UniqueConstraint("tenant_id", "period", name=op.f("uq_report_tenant_id_period")),
    )
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_root_id"), ["root_id"], unique=False)
        batch_op.create_index("ix_report_root_period", ["root_id", "period"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "reporting_window",
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("root_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_reporting_window_tenant_id_tenant"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reporting_window")),
        sa.UniqueConstraint("tenant_id", "period", name=op.f("uq_reporting_window_tenant_id_period")),
    )
    with op.batch_alter_table("reporting_window", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reporting_window_root_id"), ["root_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reporting_window_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "rollup_dirty",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("root_id", sa.Uuid(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("done_generation", sa.Integer(), nullable=False),
        sa.Column("dirty_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("traceparent", sa.String(length=64), nullable=True),
        sa.Column("rung_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_rollup_dirty_tenant_id_tenant"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_rollup_dirty")),
    )
    with op.batch_alter_table("rollup_dirty", schema=None) as batch_op:
        batch_op.create_index(
            "ix_rollup_dirty_pending",
            ["dirty_since"],
            unique=False,
            sqlite_where=sa.text("generation > done_generation"),
            postgresql_where=sa.text("generation > done_generation"),
        )

    op.create_table(
        "aggregate_snapshot",
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=48), nullable=False),
        sa.Column("standards_version", sa.String(length=32), nullable=False),
        sa.Column("units_total", sa.Integer(), nullable=False),
        sa.Column("units_not_reported", sa.Integer(), nullable=False),
        sa.Column("numerator", sa.Float(), nullable=False),
        sa.Column("denominator", sa.Float(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("input_version", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("root_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_aggregate_snapshot_report_id_report"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_aggregate_snapshot_tenant_id_tenant"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aggregate_snapshot")),
        sa.UniqueConstraint(
            "tenant_id", "period", "version", "indicator", name=op.f("uq_aggregate_snapshot_tenant_id_period_version_indicator")
        ),
    )
    with op.batch_alter_table("aggregate_snapshot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_aggregate_snapshot_report_id"), ["report_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_aggregate_snapshot_root_id"), ["root_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_aggregate_snapshot_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "delivery",
        sa.Column("endpoint_id", sa.Uuid(), nullable=False),
        sa.Column("webhook_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("payload_sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("attempts_before_replay", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("leased_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("rejected", sa.Text(), nullable=False),
        sa.Column("traceparent", sa.String(length=64), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("root_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.ForeignKeyConstraint(
            ["endpoint_id"], ["delivery_endpoint.id"], name=op.f("fk_delivery_endpoint_id_delivery_endpoint"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_delivery_tenant_id_tenant"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery")),
        sa.UniqueConstraint("webhook_id", name=op.f("uq_delivery_webhook_id")),
    )
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.create_index("ix_delivery_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_delivery_endpoint_id"), ["endpoint_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_delivery_root_id"), ["root_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_delivery_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "report_event",
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("actor_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("root_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_tenant_id"], ["tenant.id"], name=op.f("fk_report_event_actor_tenant_id_tenant"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"], name=op.f("fk_report_event_report_id_report"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_report_event_tenant_id_tenant"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_event")),
    )
    with op.batch_alter_table("report_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_event_report_id"), ["report_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_event_root_id"), ["root_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_event_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "delivery_attempt",
        sa.Column("delivery_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=False),
        sa.Column("response_excerpt", sa.String(length=500), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("root_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"], ["delivery.id"], name=op.f("fk_delivery_attempt_delivery_id_delivery"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_delivery_attempt_tenant_id_tenant"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_attempt")),
    )
    with op.batch_alter_table("delivery_attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delivery_attempt_delivery_id"), ["delivery_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_delivery_attempt_root_id"), ["root_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_delivery_attempt_tenant_id"), ["tenant_id"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        for table in TENANT_KEYED:
            op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE}")
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY {table}_subtree ON {table} USING ({OWNED_BY_SUBTREE}) WITH CHECK ({OWNED_BY_SUBTREE})")


def downgrade() -> None:
    with op.batch_alter_table("delivery_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_attempt_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_delivery_attempt_root_id"))
        batch_op.drop_index(batch_op.f("ix_delivery_attempt_delivery_id"))

    op.drop_table("delivery_attempt")
    with op.batch_alter_table("report_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_event_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_report_event_root_id"))
        batch_op.drop_index(batch_op.f("ix_report_event_report_id"))

    op.drop_table("report_event")
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_delivery_root_id"))
        batch_op.drop_index(batch_op.f("ix_delivery_endpoint_id"))
        batch_op.drop_index("ix_delivery_due")

    op.drop_table("delivery")
    with op.batch_alter_table("aggregate_snapshot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_aggregate_snapshot_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_aggregate_snapshot_root_id"))
        batch_op.drop_index(batch_op.f("ix_aggregate_snapshot_report_id"))

    op.drop_table("aggregate_snapshot")
    with op.batch_alter_table("rollup_dirty", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_rollup_dirty_pending",
            sqlite_where=sa.text("generation > done_generation"),
            postgresql_where=sa.text("generation > done_generation"),
        )

    op.drop_table("rollup_dirty")
    with op.batch_alter_table("reporting_window", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reporting_window_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_reporting_window_root_id"))

    op.drop_table("reporting_window")
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_tenant_id"))
        batch_op.drop_index("ix_report_root_period")
        batch_op.drop_index(batch_op.f("ix_report_root_id"))

    op.drop_table("report")
    with op.batch_alter_table("delivery_endpoint", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_endpoint_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_delivery_endpoint_root_id"))

    op.drop_table("delivery_endpoint")
    with op.batch_alter_table("aggregate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_aggregate_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_aggregate_root_id"))

    op.drop_table("aggregate")
