"""index for a salon's posts of one kind, newest first, and their count

Revision ID: i11c_03
Revises: i14b_01

A salon page lists one kind of post newest first and counts them; with every post in one
salon the count read each post's row (body and HTML included). The index (salon_id, kind,
created_at, status) walks the page newest first and counts from the index alone.
"""
from alembic import op

revision = "i11c_03"
down_revision = "i14b_01"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_post_salon_kind_created", "post",
                    ["salon_id", "kind", "created_at", "status"])


def downgrade():
    op.drop_index("ix_post_salon_kind_created", table_name="post")
