"""bulletin copies and reads: one row per download (the stamped copy's id, who, when, from
where), 已阅 (first read per person and bulletin) and the organizers' 提醒未读

Revision ID: i13b_01
Revises: i11c_02
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


revision = 'i13b_01'
down_revision = 'i11c_02'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bulletin_read',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bulletin_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('first_read_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['bulletin_id'], ['bulletin.id'], name=op.f('fk_bulletin_read_bulletin_id_bulletin')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_bulletin_read_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bulletin_read')),
    sa.UniqueConstraint('bulletin_id', 'user_id', name=op.f('uq_bulletin_read_bulletin_id'))
    )
    with op.batch_alter_table('bulletin_read', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bulletin_read_user_id'), ['user_id'], unique=False)

    op.create_table('bulletin_read_reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bulletin_id', sa.Integer(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('told', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['bulletin_id'], ['bulletin.id'], name=op.f('fk_bulletin_read_reminder_bulletin_id_bulletin')),
    sa.ForeignKeyConstraint(['by_id'], ['user.id'], name=op.f('fk_bulletin_read_reminder_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bulletin_read_reminder'))
    )
    with op.batch_alter_table('bulletin_read_reminder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bulletin_read_reminder_bulletin_id'), ['bulletin_id'], unique=False)

    op.create_table('bulletin_download',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('copy_id', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('remote_addr', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['revision_id'], ['bulletin_revision.id'], name=op.f('fk_bulletin_download_revision_id_bulletin_revision')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_bulletin_download_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bulletin_download')),
    sa.UniqueConstraint('copy_id', name=op.f('uq_bulletin_download_copy_id'))
    )
    with op.batch_alter_table('bulletin_download', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bulletin_download_revision_id'), ['revision_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bulletin_download_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('bulletin_download', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bulletin_download_user_id'))
        batch_op.drop_index(batch_op.f('ix_bulletin_download_revision_id'))

    op.drop_table('bulletin_download')
    with op.batch_alter_table('bulletin_read_reminder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bulletin_read_reminder_bulletin_id'))

    op.drop_table('bulletin_read_reminder')
    with op.batch_alter_table('bulletin_read', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bulletin_read_user_id'))

    op.drop_table('bulletin_read')
