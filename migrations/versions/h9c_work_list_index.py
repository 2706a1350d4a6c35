"""An evaluator's assignments by application, for the work list's counts by round and its page of rows

Revision ID: h9c_work_list_index
Revises: h8d_zone_admissions
Create Date: 2026-11-23 06:37:17.593950

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'h9c_work_list_index'
down_revision = 'h8d_zone_admissions'
branch_labels = None
depends_on = None


def upgrade():
    # plain CREATE INDEX (no batch copy of the table): SQLite and PostgreSQL both add an index in place
    op.create_index('ix_assignments_evaluator_application', 'assignments', ['evaluator_id', 'application_id'],
                    unique=False)


def downgrade():
    op.drop_index('ix_assignments_evaluator_application', table_name='assignments')
