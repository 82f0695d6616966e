"""accounts (app_user); the finding's rule score the review queue's covering index; finding_rule

Revision ID: 0005
Revises: 0007
"""
import json

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005'
down_revision = '0007'  # chain: 0002 → 0006 → 0007 → 0005
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


    op.create_table(
        'finding_rule',
        sa.Column('finding_id', sa.Integer(), nullable=False),
        sa.Column('rule_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.ForeignKeyConstraint(['finding_id'], ['finding.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('finding_id', 'rule_id'),
    )
    with op.batch_alter_table('finding_rule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finding_rule_rule_id'), ['rule_id'], unique=False)
    # existing findings: their rule ids from the hits JSON
    conn = op.get_bind()
    rows = []
    for fid, hits in conn.execute(sa.text("SELECT id, hits FROM finding")):
        if isinstance(hits, str):
            hits = json.loads(hits or "[]")
        for rule_id in sorted({h.get("rule_id") for h in hits or [] if h.get("rule_id")}):
            rows.append({"finding_id": fid, "rule_id": rule_id})
    if rows:
        conn.execute(sa.text("INSERT INTO finding_rule (finding_id, rule_id) VALUES (:finding_id, :rule_id)"), rows)


def downgrade() -> None:
    with op.batch_alter_table('finding_rule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finding_rule_rule_id'))
    op.drop_table('finding_rule')
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.drop_index('ix_finding_queue')
        batch_op.drop_index(batch_op.f('ix_finding_score'))
        batch_op.drop_column('score')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_app_user_name'))
    op.drop_table('app_user')
