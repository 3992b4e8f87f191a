"""assessment (考核): unit profiles, contact leaders, brands, indicators and entered figures,
with the default indicator set (七率 and the platform's own measures)

Columns are only added to `unit`, never the table rebuilt: on SQLite a rebuild drops `unit`,
and with foreign keys on that would take the users with it.

Revision ID: i14a_01
Revises: i13b_01
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


revision = 'i14a_01'
down_revision = 'i13b_01'
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    columns = {c['name'] for c in sa.inspect(bind).get_columns('unit')}
    if 'population' not in columns:
        op.add_column('unit', sa.Column('population', sa.Integer(), nullable=True))
    if 'complexity' not in columns:
        op.add_column('unit', sa.Column('complexity', sa.Double(), nullable=False,
                                        server_default='1.0'))
    if bind.dialect.name == 'sqlite':
        if 'parent_id' not in columns:
            op.execute('ALTER TABLE unit ADD COLUMN parent_id INTEGER '
                       'CONSTRAINT fk_unit_parent_id_unit REFERENCES unit (id)')
    else:
        op.add_column('unit', sa.Column('parent_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_unit_parent_id_unit', 'unit', 'unit', ['parent_id'], ['id'])
    op.create_index('ix_unit_parent_id', 'unit', ['parent_id'], unique=False)

    op.create_table('unit_contact_leader',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_unit_contact_leader_unit_id_unit'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_unit_contact_leader_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('unit_id', 'user_id', name=op.f('pk_unit_contact_leader'))
    )
    indicator = op.create_table('indicator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('metric', sa.String(length=30), nullable=True),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('weight', sa.Double(), nullable=False),
    sa.Column('normalisation', sa.String(length=20), nullable=False),
    sa.Column('applies_complexity', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('rollup', sa.String(length=10), server_default='none', nullable=False),
    sa.Column('value_unit', sa.String(length=10), nullable=False),
    sa.Column('min_value', sa.Double(), nullable=True),
    sa.Column('max_value', sa.Double(), nullable=True),
    sa.Column('active', sa.Boolean(), server_default='1', nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator')),
    sa.UniqueConstraint('code', name=op.f('uq_indicator_code'))
    )
    op.create_table('figure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Double(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=False),
    sa.Column('entered_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entered_by_id'], ['user.id'], name=op.f('fk_figure_entered_by_id_user')),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicator.id'], name=op.f('fk_figure_indicator_id_indicator')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_figure_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_figure')),
    sa.UniqueConstraint('unit_id', 'period', 'indicator_id', name=op.f('uq_figure_unit_id'))
    )
    with op.batch_alter_table('figure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_figure_indicator_id'), ['indicator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_figure_period'), ['period'], unique=False)
        batch_op.create_index(batch_op.f('ix_figure_unit_id'), ['unit_id'], unique=False)
    op.create_table('brand',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('slogan', sa.String(length=120), nullable=False),
    sa.Column('method', sa.Text(), nullable=False),
    sa.Column('method_html', sa.Text(), server_default='', nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_brand_unit_id_unit')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_brand_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_brand')),
    sa.UniqueConstraint('unit_id', name=op.f('uq_brand_unit_id'))
    )
    # The default indicator set, so a new site can enter figures at once.
    from salon.assessment.indicators import DEFAULTS

    op.bulk_insert(indicator, [{
        'code': code, 'name': name, 'source': source, 'metric': metric,
        'direction': direction, 'weight': float(weight), 'normalisation': normalisation,
        'applies_complexity': complexity, 'rollup': rollup, 'value_unit': unit,
        'min_value': low, 'max_value': high, 'definition': definition, 'active': True,
        'position': position,
    } for position, (code, name, source, metric, direction, weight, normalisation, complexity,
                     rollup, unit, low, high, definition) in enumerate(DEFAULTS, 1)])


def downgrade():
    op.drop_table('brand')
    with op.batch_alter_table('figure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_figure_unit_id'))
        batch_op.drop_index(batch_op.f('ix_figure_period'))
        batch_op.drop_index(batch_op.f('ix_figure_indicator_id'))
    op.drop_table('figure')
    op.drop_table('indicator')
    op.drop_table('unit_contact_leader')
    op.drop_index('ix_unit_parent_id', table_name='unit')
    if op.get_bind().dialect.name == 'sqlite':
        # Native DROP COLUMN (no rebuild); SQLite refuses it for parent_id (a foreign key),
        # which stays behind unused.
        op.drop_column('unit', 'complexity')
        op.drop_column('unit', 'population')
    else:
        op.drop_constraint('fk_unit_parent_id_unit', 'unit', type_='foreignkey')
        for column in ('parent_id', 'complexity', 'population'):
            op.drop_column('unit', column)
