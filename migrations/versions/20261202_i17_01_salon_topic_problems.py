"""salon topic problems: the problems a salon took as its topic (选题来源)

Revision ID: i17_01
Revises: i12a_02
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i17_01'
down_revision = 'i12a_02'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('salon_topic_problem',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('salon_id', sa.Integer(), nullable=False),
    sa.Column('problem_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['problem_id'], ['problem.id'], name=op.f('fk_salon_topic_problem_problem_id_problem'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['salon_id'], ['salon.id'], name=op.f('fk_salon_topic_problem_salon_id_salon'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_salon_topic_problem')),
    sa.UniqueConstraint('salon_id', 'problem_id', name=op.f('uq_salon_topic_problem_salon_id'))
    )
    with op.batch_alter_table('salon_topic_problem', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_salon_topic_problem_problem_id'), ['problem_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_salon_topic_problem_salon_id'), ['salon_id'], unique=False)


def downgrade():
    with op.batch_alter_table('salon_topic_problem', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_salon_topic_problem_salon_id'))
        batch_op.drop_index(batch_op.f('ix_salon_topic_problem_problem_id'))
    op.drop_table('salon_topic_problem')
