"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tenant',
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('parent_id', sa.Uuid(), nullable=True),
    sa.Column('path', sa.String(length=400).with_variant(sa.String(length=400, collation='C'), 'postgresql'), nullable=False),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.Column('root_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['tenant.id'], name=op.f('fk_tenant_parent_id_tenant'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenant')),
    sa.UniqueConstraint('code', name=op.f('uq_tenant_code')),
    sa.UniqueConstraint('path', name=op.f('uq_tenant_path'))
    )
    with op.batch_alter_table('tenant', schema=None) as batch_op:
        batch_op.create_index('ix_tenant_kind_path', ['kind', 'path'], unique=False)
        batch_op.create_index(batch_op.f('ix_tenant_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tenant_root_id'), ['root_id'], unique=False)

    op.create_table('counselling_centre',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('opening_date', sa.Date(), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('online', sa.Boolean(), nullable=False),
    sa.Column('offline', sa.Boolean(), nullable=False),
    sa.Column('volunteer_team_size', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('root_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_counselling_centre_tenant_id_tenant'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counselling_centre'))
    )
    with op.batch_alter_table('counselling_centre', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_counselling_centre_root_id'), ['root_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_counselling_centre_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('hotline',
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('always_open', sa.Boolean(), nullable=False),
    sa.Column('schedule', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('root_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_hotline_tenant_id_tenant'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotline'))
    )
    with op.batch_alter_table('hotline', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hotline_root_id'), ['root_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hotline_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('school_enrolment',
    sa.Column('school_year', sa.Integer(), nullable=False),
    sa.Column('students', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('root_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_school_enrolment_tenant_id_tenant'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_enrolment')),
    sa.UniqueConstraint('tenant_id', 'school_year', name=op.f('uq_school_enrolment_tenant_id_school_year'))
    )
    with op.batch_alter_table('school_enrolment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_school_enrolment_root_id'), ['root_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_school_enrolment_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('school_profile',
    sa.Column('category', sa.String(length=2), nullable=False),
    sa.Column('stages', sa.String(length=64), nullable=False),
    sa.Column('central_rank', sa.Boolean(), nullable=False),
    sa.Column('small_scale', sa.Boolean(), nullable=False),
    sa.Column('vocational', sa.Boolean(), nullable=False),
    sa.Column('independent', sa.Boolean(), nullable=False),
    sa.Column('cluster_centre_id', sa.Uuid(), nullable=True),
    sa.Column('model_school_level', sa.String(length=16), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('root_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['cluster_centre_id'], ['tenant.id'], name=op.f('fk_school_profile_cluster_centre_id_tenant'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_school_profile_tenant_id_tenant'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_profile')),
    sa.UniqueConstraint('tenant_id', name=op.f('uq_school_profile_tenant_id'))
    )
    with op.batch_alter_table('school_profile', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_school_profile_root_id'), ['root_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_school_profile_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('staff',
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('gender', sa.String(length=12), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('qualifications', sa.String(length=200), nullable=False),
    sa.Column('strong_teacher', sa.Boolean(), nullable=False),
    sa.Column('employed_since', sa.Date(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('root_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_staff_tenant_id_tenant'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff'))
    )
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_root_id'), ['root_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_staff_tenant_kind', ['tenant_id', 'kind'], unique=False)

    op.create_table('station',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=True),
    sa.Column('area_m2', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('weekly_open_hours', sa.Numeric(precision=5, scale=1), nullable=False),
    sa.Column('individual_counselling', sa.Boolean(), nullable=False),
    sa.Column('assessment', sa.Boolean(), nullable=False),
    sa.Column('sandplay', sa.Boolean(), nullable=False),
    sa.Column('appointment_in_person', sa.Boolean(), nullable=False),
    sa.Column('appointment_phone', sa.Boolean(), nullable=False),
    sa.Column('appointment_online', sa.Boolean(), nullable=False),
    sa.Column('duty_roster', sa.Boolean(), nullable=False),
    sa.Column('records_kept', sa.Boolean(), nullable=False),
    sa.Column('shown_to_new_students', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('root_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_station_tenant_id_tenant'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_station'))
    )
    with op.batch_alter_table('station', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_station_root_id'), ['root_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_station_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('target',
    sa.Column('indicator', sa.String(length=48), nullable=False),
    sa.Column('set_by_id', sa.Uuid(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('root_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['set_by_id'], ['tenant.id'], name=op.f('fk_target_set_by_id_tenant'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_target_tenant_id_tenant'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_target'))
    )
    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_target_root_id'), ['root_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_target_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('tenant_parent_link',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('parent_id', sa.Uuid(), nullable=False),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('valid_to', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['tenant.id'], name=op.f('fk_tenant_parent_link_parent_id_tenant'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_tenant_parent_link_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenant_parent_link'))
    )
    with op.batch_alter_table('tenant_parent_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tenant_parent_link_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('training_programme',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('audience', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('root_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_training_programme_tenant_id_tenant'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_programme'))
    )
    with op.batch_alter_table('training_programme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_programme_root_id'), ['root_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_programme_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('centre_activity',
    sa.Column('centre_id', sa.Uuid(), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('guidance_visits', sa.Integer(), nullable=False),
    sa.Column('trainings_delivered', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('root_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['counselling_centre.id'], name=op.f('fk_centre_activity_centre_id_counselling_centre'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_centre_activity_tenant_id_tenant'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_centre_activity')),
    sa.UniqueConstraint('centre_id', 'period', name=op.f('uq_centre_activity_centre_id_period'))
    )
    with op.batch_alter_table('centre_activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_centre_activity_centre_id'), ['centre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_centre_activity_root_id'), ['root_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_centre_activity_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('hotline_call_count',
    sa.Column('hotline_id', sa.Uuid(), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('calls', sa.Integer(), nullable=False),
    sa.Column('crisis_calls', sa.Integer(), nullable=False),
    sa.Column('referrals', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('root_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['hotline_id'], ['hotline.id'], name=op.f('fk_hotline_call_count_hotline_id_hotline'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_hotline_call_count_tenant_id_tenant'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotline_call_count')),
    sa.UniqueConstraint('hotline_id', 'period', name=op.f('uq_hotline_call_count_hotline_id_period'))
    )
    with op.batch_alter_table('hotline_call_count', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hotline_call_count_hotline_id'), ['hotline_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hotline_call_count_root_id'), ['root_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hotline_call_count_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('training_session',
    sa.Column('programme_id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('hours', sa.Numeric(precision=5, scale=1), nullable=False),
    sa.Column('credits', sa.Numeric(precision=5, scale=1), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('root_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['training_programme.id'], name=op.f('fk_training_session_programme_id_training_programme'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_training_session_tenant_id_tenant'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_session'))
    )
    with op.batch_alter_table('training_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_session_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_session_root_id'), ['root_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_session_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('training_attendance',
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('staff_id', sa.Uuid(), nullable=False),
    sa.Column('completed', sa.Boolean(), nullable=False),
    sa.Column('credits_awarded', sa.Numeric(precision=5, scale=1), nullable=False),
    sa.Column('credit_year', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('root_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['training_session.id'], name=op.f('fk_training_attendance_session_id_training_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_training_attendance_staff_id_staff'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_training_attendance_tenant_id_tenant'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_attendance')),
    sa.UniqueConstraint('session_id', 'staff_id', name=op.f('uq_training_attendance_session_id_staff_id'))
    )
    with op.batch_alter_table('training_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_attendance_root_id'), ['root_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_attendance_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_attendance_staff_id'), ['staff_id'], unique=False)
        batch_op.create_index('ix_training_attendance_staff_year', ['staff_id', 'credit_year'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_attendance_tenant_id'), ['tenant_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('training_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_attendance_tenant_id'))
        batch_op.drop_index('ix_training_attendance_staff_year')
        batch_op.drop_index(batch_op.f('ix_training_attendance_staff_id'))
        batch_op.drop_index(batch_op.f('ix_training_attendance_session_id'))
        batch_op.drop_index(batch_op.f('ix_training_attendance_root_id'))

    op.drop_table('training_attendance')
    with op.batch_alter_table('training_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_session_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_training_session_root_id'))
        batch_op.drop_index(batch_op.f('ix_training_session_programme_id'))

    op.drop_table('training_session')
    with op.batch_alter_table('hotline_call_count', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hotline_call_count_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_hotline_call_count_root_id'))
        batch_op.drop_index(batch_op.f('ix_hotline_call_count_hotline_id'))

    op.drop_table('hotline_call_count')
    with op.batch_alter_table('centre_activity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_centre_activity_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_centre_activity_root_id'))
        batch_op.drop_index(batch_op.f('ix_centre_activity_centre_id'))

    op.drop_table('centre_activity')
    with op.batch_alter_table('training_programme', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_programme_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_training_programme_root_id'))

    op.drop_table('training_programme')
    with op.batch_alter_table('tenant_parent_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tenant_parent_link_tenant_id'))

    op.drop_table('tenant_parent_link')
    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_target_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_target_root_id'))

    op.drop_table('target')
    with op.batch_alter_table('station', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_station_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_station_root_id'))

    op.drop_table('station')
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_tenant_kind')
        batch_op.drop_index(batch_op.f('ix_staff_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_staff_root_id'))

    op.drop_table('staff')
    with op.batch_alter_table('school_profile', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_school_profile_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_school_profile_root_id'))

    op.drop_table('school_profile')
    with op.batch_alter_table('school_enrolment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_school_enrolment_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_school_enrolment_root_id'))

    op.drop_table('school_enrolment')
    with op.batch_alter_table('hotline', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hotline_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_hotline_root_id'))

    op.drop_table('hotline')
    with op.batch_alter_table('counselling_centre', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_counselling_centre_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_counselling_centre_root_id'))

    op.drop_table('counselling_centre')
    with op.batch_alter_table('tenant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tenant_root_id'))
        batch_op.drop_index(batch_op.f('ix_tenant_parent_id'))
        batch_op.drop_index('ix_tenant_kind_path')

    op.drop_table('tenant')
