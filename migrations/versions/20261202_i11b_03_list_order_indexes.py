"""indexes for bounded lists: problems newest first, exemplary posts

Revision ID: i11b_03
Revises: i15_01
Create Date: 2026-12-02

The problem list (台账, /api/problems, 我的待办) reads a page newest first: without an index
on problem.created_at every page sorted all problems. The showcase counts exemplary posts
per unit: the index (exemplary, status, unit_id) answers it without reading a post.
"""
from alembic import op


revision = 'i11b_03'
down_revision = 'i15_01'
branch_labels = None
depends_on = None


def upgrade():
    # Plain CREATE INDEX: nothing here needs a batch rebuild of the tables.
    op.create_index('ix_problem_created_at', 'problem', ['created_at'], unique=False)
    op.create_index('ix_post_exemplary_showcase', 'post', ['exemplary', 'status', 'unit_id'],
                    unique=False)


def downgrade():
    op.drop_index('ix_post_exemplary_showcase', table_name='post')
    op.drop_index('ix_problem_created_at', table_name='problem')
