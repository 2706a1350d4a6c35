"""A round's applications by reference: the round page reads only its page of 50 in this order

Revision ID: h9d_round_reference_index
Revises: h9c_work_list_index
Create Date: 2026-11-23 06:39:20.444903

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'h9d_round_reference_index'
down_revision = 'h9c_work_list_index'
branch_labels = None
depends_on = None


def upgrade():
    # plain CREATE INDEX (no batch copy of the table): SQLite and PostgreSQL both add an index in place
    op.create_index('ix_applications_round_reference', 'applications', ['round_id', 'reference'], unique=False)


def downgrade():
    op.drop_index('ix_applications_round_reference', table_name='applications')
