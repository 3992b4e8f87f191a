"""assessment_report: published 考核通报 (PDF and .xlsx frozen with their SHA-256, per revision)

Revision ID: i14b_01
Revises: i14a_01
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


revision = 'i14b_01'
down_revision = 'i14a_01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'assessment_report',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('pdf_key', sa.String(length=120), nullable=False),
        sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
        sa.Column('pdf_size', sa.Integer(), nullable=False),
        sa.Column('pages', sa.Integer(), nullable=False),
        sa.Column('xlsx_key', sa.String(length=120), nullable=False),
        sa.Column('xlsx_sha256', sa.String(length=64), nullable=False),
        sa.Column('xlsx_size', sa.Integer(), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('signed_by_id', sa.Integer(), nullable=False),
        sa.Column('signed_at', sa.DateTime(), nullable=False),
        sa.Column('published_by_id', sa.Integer(), nullable=False),
        sa.Column('published_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['published_by_id'], ['user.id']),
        sa.ForeignKeyConstraint(['signed_by_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('period', 'number'),
        sa.UniqueConstraint('pdf_key'),
        sa.UniqueConstraint('xlsx_key'),
    )
    with op.batch_alter_table('assessment_report') as batch_op:
        batch_op.create_index('ix_assessment_report_period', ['period'])


def downgrade():
    op.drop_table('assessment_report')
