"""Documents providers upload against minimum standards; standards that need an expiry date

Revision ID: h3a_documents
Revises: h7_scale_indexes
Create Date: 2026-11-23 00:34:24.973891

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'h3a_documents'
down_revision = 'h7_scale_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('standard_id', sa.Integer(), nullable=False),
    sa.Column('original_filename', sa.String(length=200), nullable=False),
    sa.Column('stored_name', sa.String(length=32), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('confidential', sa.Boolean(), nullable=False),
    sa.Column('confidential_reason', sa.Text(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("confidential = false OR confidential_reason <> ''", name=op.f('ck_documents_confidential_has_reason')),
    sa.CheckConstraint('size_bytes > 0', name=op.f('ck_documents_not_empty')),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_documents_application_id_applications')),
    sa.ForeignKeyConstraint(['standard_id'], ['minimum_standards.id'], name=op.f('fk_documents_standard_id_minimum_standards')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_documents_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_documents_stored_name'))
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_standard_id'), ['standard_id'], unique=False)

    with op.batch_alter_table('minimum_standards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('needs_expiry_date', sa.Boolean(), nullable=False, server_default=sa.false()))



def downgrade():
    with op.batch_alter_table('minimum_standards', schema=None) as batch_op:
        batch_op.drop_column('needs_expiry_date')

    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_standard_id'))
        batch_op.drop_index(batch_op.f('ix_documents_application_id'))

    op.drop_table('documents')
