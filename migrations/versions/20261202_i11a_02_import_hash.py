"""posts import: the hash of each imported line's content, so a file imported twice adds nothing

Revision ID: i11a_02
Revises: i12b_01
Create Date: 2026-12-02

"""
import sqlalchemy as sa
from alembic import op

revision = 'i11a_02'
down_revision = 'i12b_01'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('post', sa.Column('import_hash', sa.String(length=64), nullable=True))
    op.create_index(op.f('ix_post_import_hash'), 'post', ['import_hash'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_post_import_hash'), table_name='post')
    op.drop_column('post', 'import_hash')
