"""rounds and units as records, report items, task deadline source / escalation / flags

Revision ID: 0009
Revises: 0005
Create Date: 2026-12-02 13:45:54.942133
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0009'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inspectionround',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('team', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('started', sa.Date(), nullable=True),
    sa.Column('ended', sa.Date(), nullable=True),
    sa.Column('revisit', sa.Boolean(), nullable=False),
    sa.Column('edited', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('inspectionround', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspectionround_key'), ['key'], unique=True)

    op.create_table('unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
    sa.Column('aliases', sa.JSON(), nullable=True),
    sa.Column('edited', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_key'), ['key'], unique=True)

    op.create_table('reportitem',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('stated', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('measures', sa.Text(), nullable=True),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.ForeignKeyConstraint(['finding_id'], ['finding.id'], ),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reportitem', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reportitem_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reportitem_finding_id'), ['finding_id'], unique=True)
        batch_op.create_index(batch_op.f('ix_reportitem_task_id'), ['task_id'], unique=False)

    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_document_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_unit_id'), ['unit_id'], unique=False)
        batch_op.create_foreign_key('fk_document_unit_id', 'unit', ['unit_id'], ['id'])
        batch_op.create_foreign_key('fk_document_round_id', 'inspectionround', ['round_id'], ['id'])

    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_finding_unit_id'), ['unit_id'], unique=False)
        batch_op.create_foreign_key('fk_finding_unit_id', 'unit', ['unit_id'], ['id'])

    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('deadline_source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default='routing'))
        batch_op.add_column(sa.Column('deadline_phrase', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('escalated_from', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('flags', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('supervisor', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_task_escalated_from'), ['escalated_from'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_unit_id'), ['unit_id'], unique=False)
        batch_op.create_foreign_key('fk_task_unit_id', 'unit', ['unit_id'], ['id'])
        batch_op.create_foreign_key('fk_task_escalated_from', 'task', ['escalated_from'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_constraint('fk_task_unit_id', type_='foreignkey')
        batch_op.drop_constraint('fk_task_escalated_from', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_task_unit_id'))
        batch_op.drop_index(batch_op.f('ix_task_escalated_from'))
        batch_op.drop_column('supervisor')
        batch_op.drop_column('flags')
        batch_op.drop_column('escalated_from')
        batch_op.drop_column('deadline_phrase')
        batch_op.drop_column('deadline_source')
        batch_op.drop_column('unit_id')

    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.drop_constraint('fk_finding_unit_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_finding_unit_id'))
        batch_op.drop_column('unit_id')

    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_constraint('fk_document_unit_id', type_='foreignkey')
        batch_op.drop_constraint('fk_document_round_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_document_unit_id'))
        batch_op.drop_index(batch_op.f('ix_document_round_id'))
        batch_op.drop_column('unit_id')
        batch_op.drop_column('round_id')

    with op.batch_alter_table('reportitem', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reportitem_task_id'))
        batch_op.drop_index(batch_op.f('ix_reportitem_finding_id'))
        batch_op.drop_index(batch_op.f('ix_reportitem_document_id'))

    op.drop_table('reportitem')
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_key'))

    op.drop_table('unit')
    with op.batch_alter_table('inspectionround', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspectionround_key'))

    op.drop_table('inspectionround')
