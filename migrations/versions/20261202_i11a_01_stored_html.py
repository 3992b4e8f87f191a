"""Markdown rendered once when written: stored HTML (and plain text) beside each Markdown column

Existing rows are rendered here, once; a text that does not fit today's budget (written before
there was one) is stored as plain paragraphs rather than refused.

Revision ID: i11a_01
Revises: i17_02
Create Date: 2026-12-02

"""
import sqlalchemy as sa
from alembic import op

revision = 'i11a_01'
down_revision = 'i17_02'
branch_labels = None
depends_on = None

# table, key, Markdown column, HTML column, plain-text column (or None)
RENDERED = (
    ("post", "id", "body", "body_html", "body_text"),
    ("salon", "id", "description", "description_html", "description_text"),
    ("salon", "id", "minutes", "minutes_html", None),
    ("problem", "id", "outcome", "outcome_html", None),
    ("bulletin", "id", "editor_note", "editor_note_html", None),
)
BATCH = 500


def upgrade():
    from salon.markup import render_lenient

    # Plain ADD COLUMN (not a batch copy of the table: SQLite would drop tables that rows
    # of other tables refer to); the models declare the same empty server default.
    for table, _key, _source, html, text in RENDERED:
        for column in filter(None, (html, text)):
            op.add_column(table, sa.Column(column, sa.Text(), nullable=False, server_default=""))
    connection = op.get_bind()
    for table, key, source, html, text in RENDERED:
        t = sa.table(table, *(sa.column(c) for c in filter(None, (key, source, html, text))))
        last = None
        while True:
            query = sa.select(t.c[key], t.c[source]).order_by(t.c[key]).limit(BATCH)
            if last is not None:
                query = query.where(t.c[key] > last)
            rows = connection.execute(query).all()
            if not rows:
                break
            for row_id, markdown in rows:
                rendered = render_lenient(markdown)
                values = {html: rendered.html}
                if text:
                    values[text] = rendered.text
                connection.execute(sa.update(t).where(t.c[key] == row_id).values(**values))
            last = rows[-1][0]


def downgrade():
    for table, _key, _source, html, text in RENDERED:
        with op.batch_alter_table(table) as batch:
            for column in filter(None, (html, text)):
                batch.drop_column(column)
