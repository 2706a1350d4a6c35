"""The audit log's filters read from an index each: a council's events by action, kind of record (and its
number) or who acted, newest first and counted from the index alone (the first two replace the council's
action and kind-of-record indexes, which they cover)

Revision ID: h11d_audit_filter_indexes
Revises: h10c_audit_council_newest
Create Date: 2026-11-23 14:30:44

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'h11d_audit_filter_indexes'
down_revision = 'h10c_audit_council_newest'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_audit_events_authority_action_time', 'audit_events',
                    ['authority_id', 'action', 'occurred_at', 'id'], unique=False)
    op.create_index('ix_audit_events_authority_type_time', 'audit_events',
                    ['authority_id', 'object_type', 'occurred_at', 'id'], unique=False)
    op.create_index('ix_audit_events_authority_object_time', 'audit_events',
                    ['authority_id', 'object_type', 'object_id', 'occurred_at', 'id'], unique=False)
    op.create_index('ix_audit_events_authority_actor_time', 'audit_events',
                    ['authority_id', 'actor_id', 'occurred_at', 'id'], unique=False)
    op.drop_index('ix_audit_events_authority_action', table_name='audit_events')
    op.drop_index('ix_audit_events_authority_object_type', table_name='audit_events')


def downgrade():
    op.create_index('ix_audit_events_authority_action', 'audit_events', ['authority_id', 'action'], unique=False)
    op.create_index('ix_audit_events_authority_object_type', 'audit_events', ['authority_id', 'object_type'],
                    unique=False)
    op.drop_index('ix_audit_events_authority_actor_time', table_name='audit_events')
    op.drop_index('ix_audit_events_authority_object_time', table_name='audit_events')
    op.drop_index('ix_audit_events_authority_type_time', table_name='audit_events')
    op.drop_index('ix_audit_events_authority_action_time', table_name='audit_events')
