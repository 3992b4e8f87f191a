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
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_head', sa.Boolean(), nullable=False,
                                      server_default="0"))  # a literal: SQLite adds it in place
        batch_op.add_column(sa.Column('email', sa.String(length=120), nullable=True))
    # 局党委 was filed as a 科室; it is the decision body, never a 责任单位.
    op.execute("UPDATE unit SET kind = 'committee' WHERE name LIKE '%党委'")
    op.execute("UPDATE unit SET kind = 'post' WHERE name LIKE '%警务室'")


def downgrade():
    op.execute("UPDATE unit SET kind = 'office' WHERE kind IN ('committee', 'post')")
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('email')
        batch_op.drop_column('unit_head')
