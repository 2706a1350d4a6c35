"""Participating authorities with spend caps; standstill and cadence per system; when each lot was added

Revision ID: h5a_system_settings
Revises: h3b_profile_colleagues
Create Date: 2026-11-23 00:31:34.578292

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'h5a_system_settings'
down_revision = 'h3b_profile_colleagues'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('participating_authorities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('system_id', sa.Integer(), nullable=False),
    sa.Column('authority_id', sa.Integer(), nullable=False),
    sa.Column('spend_cap', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('spend_cap IS NULL OR spend_cap > 0', name=op.f('ck_participating_authorities_spend_cap_positive')),
    sa.ForeignKeyConstraint(['authority_id'], ['authorities.id'], name=op.f('fk_participating_authorities_authority_id_authorities')),
    sa.ForeignKeyConstraint(['system_id'], ['purchasing_systems.id'], name=op.f('fk_participating_authorities_system_id_purchasing_systems')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_participating_authorities')),
    sa.UniqueConstraint('system_id', 'authority_id', name=op.f('uq_participating_authorities_system_id_authority_id'))
    )
    with op.batch_alter_table('participating_authorities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participating_authorities_authority_id'), ['authority_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_participating_authorities_system_id'), ['system_id'], unique=False)

    # existing lots count as added with their system, so rounds that already opened keep them frozen
    with op.batch_alter_table('lots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE lots SET created_at = (SELECT purchasing_systems.created_at FROM purchasing_systems "
               "WHERE purchasing_systems.id = lots.system_id)")
    with op.batch_alter_table('lots', schema=None) as batch_op:
        batch_op.alter_column('created_at', existing_type=sa.DateTime(), nullable=False)

    with op.batch_alter_table('purchasing_systems', schema=None) as batch_op:
        batch_op.add_column(sa.Column('standstill_working_days', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('cadence_months', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_purchasing_systems_standstill_in_range'),
            'standstill_working_days >= 0 AND standstill_working_days <= 30')
        batch_op.create_check_constraint(
            op.f('ck_purchasing_systems_cadence_in_range'),
            'cadence_months IS NULL OR (cadence_months >= 1 AND cadence_months <= 12)')


def downgrade():
    with op.batch_alter_table('purchasing_systems', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_purchasing_systems_cadence_in_range'), type_='check')
        batch_op.drop_constraint(op.f('ck_purchasing_systems_standstill_in_range'), type_='check')
        batch_op.drop_column('cadence_months')
        batch_op.drop_column('standstill_working_days')

    with op.batch_alter_table('lots', schema=None) as batch_op:
        batch_op.drop_column('created_at')

    with op.batch_alter_table('participating_authorities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_participating_authorities_system_id'))
        batch_op.drop_index(batch_op.f('ix_participating_authorities_authority_id'))

    op.drop_table('participating_authorities')
