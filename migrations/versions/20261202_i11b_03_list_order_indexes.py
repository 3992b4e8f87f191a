"""indexes for bounded lists: problems newest first, exemplary posts

Revision ID: i11b_03
Revises: i11b_02
Create Date: 2026-12-02

The problem list (台账, /api/problems, 我的待办) reads a page newest first: without an index
on problem.created_at every page sorted all problems. The showcase counts exemplary posts
per unit: the index (exemplary, status, unit_id) answers it without reading a post.
"""
from alembic import op


revision = 'i11b_03'
down_revision = 'i11b_02'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('problem', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_problem_created_at'), ['created_at'], unique=False)
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.create_index('ix_post_exemplary_showcase', ['exemplary', 'status', 'unit_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.drop_index('ix_post_exemplary_showcase')
    with op.batch_alter_table('problem', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_problem_created_at'))
