"""accounts (app_user); the finding's rule score and the review queue's covering index

Revision ID: 0005
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005'
down_revision = '0006'  # chained after h10b's review state (merged into this branch); was 0002
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'app_user',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('units', sa.JSON(), nullable=True),
        sa.Column('disabled', sa.Boolean(), nullable=False),
        sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_app_user_name'), ['name'], unique=True)
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.add_column(sa.Column('score', sa.Float(), nullable=False, server_default='0'))
        batch_op.create_index(batch_op.f('ix_finding_score'), ['score'], unique=False)
        batch_op.create_index('ix_finding_queue', ['unit', 'review_state', 'category', 'route', 'state', 'score',
                                                   'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.drop_index('ix_finding_queue')
        batch_op.drop_index(batch_op.f('ix_finding_score'))
        batch_op.drop_column('score')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_app_user_name'))
    op.drop_table('app_user')
