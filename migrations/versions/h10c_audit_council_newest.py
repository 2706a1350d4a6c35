"""A council's newest audit event from an index: the commissioning dashboard keeps its sections while it is the same

Revision ID: h10c_audit_council_newest
Revises: h9b_call_off_list_version
Create Date: 2026-11-23 09:55:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'h10c_audit_council_newest'
down_revision = 'h9b_call_off_list_version'
branch_labels = None
depends_on = None


def upgrade():
    # plain CREATE INDEX (no batch copy of the table): SQLite and PostgreSQL both add an index in place
    op.create_index('ix_audit_events_authority_newest', 'audit_events', ['authority_id', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_audit_events_authority_newest', table_name='audit_events')
