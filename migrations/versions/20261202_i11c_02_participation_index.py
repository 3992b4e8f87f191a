"""index for counting posts per unit and period (看板 participation, 考核)

Revision ID: i11c_02
Revises: i13a_01

Counting a unit's submitted posts read every post row (bodies and rendered HTML included);
the index (status, kind, unit_id, created_at) answers those counts by itself.
"""
from alembic import op

revision = "i11c_02"
down_revision = "i13a_01"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_post_participation", "post", ["status", "kind", "unit_id", "created_at"])


def downgrade():
    op.drop_index("ix_post_participation", table_name="post")
