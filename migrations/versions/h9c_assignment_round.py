"""Each assignment keeps its application's round: the work list counts and pages an evaluator's
assignments by round from one index (evaluator, round) instead of reading every application

Revision ID: h9c_assignment_round
Revises: h9d_round_reference_index
Create Date: 2026-11-23 07:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'h9c_assignment_round'
down_revision = 'h9d_round_reference_index'
branch_labels = None
depends_on = None


# the table is copied on SQLite: without reflecting the tables its foreign keys point to (users' expression
# index cannot be reflected and would warn)
def upgrade():
    with op.batch_alter_table('assignments', schema=None, reflect_kwargs={'resolve_fks': False}) as batch_op:
        batch_op.add_column(sa.Column('round_id', sa.Integer(), nullable=True))
    # an application never moves round: every existing assignment takes its application's
    op.execute("UPDATE assignments SET round_id = (SELECT applications.round_id FROM applications "
               "WHERE applications.id = assignments.application_id)")
    with op.batch_alter_table('assignments', schema=None, reflect_kwargs={'resolve_fks': False}) as batch_op:
        batch_op.alter_column('round_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_assignments_round_id_rounds'), 'rounds', ['round_id'], ['id'])
        batch_op.drop_index('ix_assignments_evaluator_application')
        batch_op.create_index('ix_assignments_evaluator_round', ['evaluator_id', 'round_id'], unique=False)


def downgrade():
    with op.batch_alter_table('assignments', schema=None, reflect_kwargs={'resolve_fks': False}) as batch_op:
        batch_op.drop_index('ix_assignments_evaluator_round')
        batch_op.create_index('ix_assignments_evaluator_application', ['evaluator_id', 'application_id'],
                              unique=False)
        batch_op.drop_constraint(batch_op.f('fk_assignments_round_id_rounds'), type_='foreignkey')
        batch_op.drop_column('round_id')
