"""audit log: append-only audit_event

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

One row per GraphQL operation of a signed-in principal. Append-only: a trigger refuses UPDATE and
DELETE on both backends (revision 0004 also grants the application role only SELECT and INSERT);
retention pruning is done by the owner, who lifts the trigger for one transaction
(runxin.platform.audit.retention, `runxin audit prune`). The guard's SQL is frozen here; the model
module carries the same statements for metadata.create_all.
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

TRIGGER = "audit_event_append_only"
REFUSAL = "audit_event is append-only; retention pruning is done by the owner with runxin audit prune"


def upgrade() -> None:
    op.create_table('audit_event',
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('client_id', sa.String(length=100), nullable=True),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('tenant_path', sa.String(length=400).with_variant(sa.String(length=400, collation='C'), 'postgresql'), nullable=False),
    sa.Column('operation_type', sa.String(length=16), nullable=True),
    sa.Column('operation_name', sa.String(length=200), nullable=True),
    sa.Column('document_hash', sa.String(length=64), nullable=False),
    sa.Column('writes', sa.JSON(), nullable=False),
    sa.Column('personal_fields_read', sa.JSON(), nullable=False),
    sa.Column('personal_reads', sa.Integer(), nullable=False),
    sa.Column('masked_reads', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('client_ip', sa.String(length=45), nullable=True),
    sa.Column('user_agent', sa.String(length=200), nullable=True),
    sa.Column('trace_id', sa.String(length=32), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_audit_event_tenant_id_tenant'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_occurred_at', ['occurred_at'], unique=False)
        batch_op.create_index('ix_audit_event_tenant_path_id', ['tenant_path', 'id'], unique=False)

    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"""
CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = TG_OP || ' refused: {REFUSAL}', ERRCODE = '42501';
END
$$
""")
        op.execute(f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON audit_event FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}()")
    else:
        for statement in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {TRIGGER}_{statement.lower()} BEFORE {statement} ON audit_event "
                f"BEGIN SELECT RAISE(ABORT, '{statement} refused: {REFUSAL}'); END"
            )


def downgrade() -> None:
    # Dropping the table drops its triggers (and, on SQLite, nothing else is left).
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_tenant_path_id')
        batch_op.drop_index('ix_audit_event_occurred_at')

    op.drop_table('audit_event')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"DROP FUNCTION IF EXISTS {TRIGGER}()")
