"""review state of findings; reason, action, undone and carry-over of corrections

Revision ID: 0006
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                      server_default='pending'))
        batch_op.add_column(sa.Column('reviewed_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('reviewed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_finding_review_state'), ['review_state'], unique=False)
    with op.batch_alter_table('correction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('undone', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('carried_from', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False,
                                      server_default=''))
        batch_op.create_index(batch_op.f('ix_correction_action'), ['action'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('correction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_correction_action'))
        batch_op.drop_column('carried_from')
        batch_op.drop_column('undone')
        batch_op.drop_column('action')
        batch_op.drop_column('reason')
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finding_review_state'))
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('reviewed_by')
        batch_op.drop_column('review_state')
