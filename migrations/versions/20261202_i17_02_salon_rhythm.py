"""salon rhythm: sign-up and call-for-posts deadlines, walk-ins, late permits

Revision ID: i17_02
Revises: i17_01
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i17_02'
down_revision = 'i17_01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('salon', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signup_deadline', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('call_deadline', sa.Date(), nullable=True))
    with op.batch_alter_table('sign_up', schema=None) as batch_op:
        batch_op.add_column(sa.Column('walk_in', sa.Boolean(), nullable=False,
                                      server_default="0"))  # a literal: SQLite adds it in place
    op.create_table('late_permit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('salon_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['granted_by_id'], ['user.id'], name=op.f('fk_late_permit_granted_by_id_user')),
    sa.ForeignKeyConstraint(['salon_id'], ['salon.id'], name=op.f('fk_late_permit_salon_id_salon'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_late_permit_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_late_permit')),
    sa.UniqueConstraint('salon_id', 'user_id', name=op.f('uq_late_permit_salon_id'))
    )
    with op.batch_alter_table('late_permit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_late_permit_salon_id'), ['salon_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_late_permit_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('late_permit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_late_permit_user_id'))
        batch_op.drop_index(batch_op.f('ix_late_permit_salon_id'))
    op.drop_table('late_permit')
    with op.batch_alter_table('sign_up', schema=None) as batch_op:
        batch_op.drop_column('walk_in')
    with op.batch_alter_table('salon', schema=None) as batch_op:
        batch_op.drop_column('call_deadline')
        batch_op.drop_column('signup_deadline')
