"""post review (所长审核): the last review on each post, and the audit of review steps

Existing posts keep their status: a submitted post stays submitted (switching review on
hides nothing already published); the new status `pending` needs no change to old rows.

Revision ID: i17b_01
Revises: i11b_02
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


revision = 'i17b_01'
down_revision = 'i11b_02'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('post_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_post_review_actor_id_user')),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_post_review_post_id_post'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post_review'))
    )
    with op.batch_alter_table('post_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_post_review_post_id'), ['post_id'], unique=False)

    # Columns are only added, never the table rebuilt: on SQLite a rebuild drops `post`,
    # and with foreign keys on that deletes its comments and tags by cascade.
    if op.get_bind().dialect.name == 'sqlite':
        if 'reviewer_id' not in {c['name'] for c in sa.inspect(op.get_bind()).get_columns('post')}:
            op.execute('ALTER TABLE post ADD COLUMN reviewer_id INTEGER '
                       'CONSTRAINT fk_post_reviewer_id_user REFERENCES "user" (id)')
    else:
        op.add_column('post', sa.Column('reviewer_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_post_reviewer_id_user', 'post', 'user', ['reviewer_id'], ['id'])
    op.add_column('post', sa.Column('reviewed_at', sa.DateTime(), nullable=True))
    op.add_column('post', sa.Column('review_decision', sa.String(length=10), nullable=True))
    op.add_column('post', sa.Column('review_comment', sa.Text(), nullable=True))


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        # Native DROP COLUMN (no rebuild, see upgrade); SQLite refuses it for a column in a
        # foreign key, so reviewer_id stays behind, unused (an upgrade again reuses it).
        for column in ('review_comment', 'review_decision', 'reviewed_at'):
            op.drop_column('post', column)
    else:
        op.drop_constraint('fk_post_reviewer_id_user', 'post', type_='foreignkey')
        for column in ('review_comment', 'review_decision', 'reviewed_at', 'reviewer_id'):
            op.drop_column('post', column)
    op.drop_index(op.f('ix_post_review_post_id'), table_name='post_review')
    op.drop_table('post_review')
