"""Each audit event's cells in the CSV download, stored with the event and filled for the events already there

Revision ID: h9b_audit_export_cells
Revises: h9c_assignment_round
Create Date: 2026-11-23 06:37:36.151850

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'h9b_audit_export_cells'
down_revision = 'h9c_assignment_round'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('csv_start', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('csv_end', sa.Text(), nullable=True))

    # fill the cells of the events already recorded, as the portal writes them for a new event
    from portal.audit.cells import fill_missing

    fill_missing(op.get_bind())


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_column('csv_end')
        batch_op.drop_column('csv_start')
