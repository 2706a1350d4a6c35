"""Indexes for a national-sized DPS: the audit log, the call-off list, a round's applications, sign-in by email

Revision ID: h7_scale_indexes
Revises: h4b_results
Create Date: 2026-11-23 00:49:52.414085

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'h7_scale_indexes'
down_revision = 'h4b_results'
branch_labels = None
depends_on = None


def upgrade():
    # plain CREATE INDEX (no batch copy of the tables): SQLite and PostgreSQL both add an index in place
    op.create_index('ix_applications_round_status', 'applications', ['round_id', 'status'], unique=False)
    op.create_index('ix_audit_events_authority_action', 'audit_events', ['authority_id', 'action'], unique=False)
    op.create_index('ix_audit_events_authority_object_type', 'audit_events', ['authority_id', 'object_type'],
                    unique=False)
    op.create_index('ix_audit_events_authority_time', 'audit_events', ['authority_id', 'occurred_at', 'id'],
                    unique=False)
    op.create_index('ix_memberships_system_status_lot', 'memberships', ['system_id', 'status', 'lot_id'],
                    unique=False)
    # expression index (autogenerate cannot see these on SQLite): sign-in looks accounts up by lower(email)
    op.create_index('ix_users_email_lower', 'users', [sa.text('lower(email)')], unique=False)


def downgrade():
    op.drop_index('ix_users_email_lower', table_name='users')
    op.drop_index('ix_memberships_system_status_lot', table_name='memberships')
    op.drop_index('ix_audit_events_authority_time', table_name='audit_events')
    op.drop_index('ix_audit_events_authority_object_type', table_name='audit_events')
    op.drop_index('ix_audit_events_authority_action', table_name='audit_events')
    op.drop_index('ix_applications_round_status', table_name='applications')
