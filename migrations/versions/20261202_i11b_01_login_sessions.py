"""login sessions: one row per sign-in, ended at sign-out

Revision ID: i11b_01
Revises: i11a_01
Create Date: 2026-12-02

The session and remember-me cookies now name a sign-in; signing out ends it here, so a copy
of the cookies replayed later is refused. Cookies issued before this revision name none and
are refused once: everybody signs in again after the upgrade.
"""
from alembic import op
import sqlalchemy as sa


revision = 'i11b_01'
down_revision = 'i11a_01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_session',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_login_session_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_session'))
    )
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_session_ended_at'), ['ended_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_session_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_session_user_id'))
        batch_op.drop_index(batch_op.f('ix_login_session_ended_at'))
    op.drop_table('login_session')
