"""Ledger exports too large for a request run as background jobs.

Revision ID: i11c_01
Revises: i11b_03
"""
import sqlalchemy as sa
from alembic import op

revision = "i11c_01"
down_revision = "i11b_03"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ledger_export",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("requested_by_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("storage_key", sa.String(120)),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime()),
        sa.Column("finished_at", sa.DateTime()),
    )
    op.create_index("ix_ledger_export_requested_by_id", "ledger_export", ["requested_by_id"])
    op.create_index("ix_ledger_export_status", "ledger_export", ["status"])
    op.create_index("ix_ledger_export_created_at", "ledger_export", ["created_at"])


def downgrade():
    op.drop_table("ledger_export")
