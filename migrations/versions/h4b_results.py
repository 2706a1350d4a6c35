"""Lead provider ranking per zone as a system setting; a version on agreed standard results

Revision ID: h4b_results
Revises: h3b_clarifications_notices
Create Date: 2026-11-23 00:27:14

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'h4b_results'
down_revision = 'h3b_clarifications_notices'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('moderated_standards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))

    with op.batch_alter_table('purchasing_systems', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ranks_lead_providers', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('purchasing_systems', schema=None) as batch_op:
        batch_op.drop_column('ranks_lead_providers')

    with op.batch_alter_table('moderated_standards', schema=None) as batch_op:
        batch_op.drop_column('version')
