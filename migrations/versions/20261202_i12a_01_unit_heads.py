"""unit heads (所长/负责人), user e-mail, 局党委 as a decision body (kind committee)

Revision ID: i12a_01
Revises: 0001
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


revision = 'i12a_01'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN with a literal default: a batch copy of `user` (which an expression
    # default like sa.false() forces on SQLite) drops the table that posts refer to, and
    # fails on any database with posts.
    op.add_column('user', sa.Column('unit_head', sa.Boolean(), nullable=False,
                                    server_default=sa.text('false')))
    op.add_column('user', sa.Column('email', sa.String(length=120), nullable=True))
    # 局党委 was filed as a 科室; it is the decision body, never a 责任单位.
    op.execute("UPDATE unit SET kind = 'committee' WHERE name LIKE '%党委'")
    op.execute("UPDATE unit SET kind = 'post' WHERE name LIKE '%警务室'")


def downgrade():
    op.execute("UPDATE unit SET kind = 'office' WHERE kind IN ('committee', 'post')")
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('email')
        batch_op.drop_column('unit_head')
