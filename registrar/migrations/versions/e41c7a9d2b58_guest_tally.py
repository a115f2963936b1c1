"""dashboard at city scale: what the dashboard counts of each guest, kept on the guest's row by
triggers, with the index the dashboard reads

Revision ID: e41c7a9d2b58
Revises: e4a7c2f9d815
Create Date: 2026-12-04 16:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

from registrar import guest_tally, search_index


# revision identifiers, used by Alembic.
revision = 'e41c7a9d2b58'
down_revision = "e4a7c2f9d815"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN on both databases: no copy of the table (SQLite's batch mode would drop
    # the search index's triggers with the old table).
    op.add_column(
        'guests', sa.Column('tally_flags', sa.Integer(), server_default='0', nullable=False)
    )
    op.add_column('guests', sa.Column('tally_channel', sa.String(length=24), nullable=True))
    op.add_column('guests', sa.Column('tally_answered_hour', sa.String(length=13), nullable=True))
    conn = op.get_bind()
    # The guests already there, from their rows; then the triggers keep every later change.
    conn.exec_driver_sql(guest_tally.recount_all(conn.dialect.name))
    guest_tally.create(conn)
    op.create_index(
        guest_tally.INDEX,
        'guests',
        ['event_id', 'category', 'tally_channel', 'tally_flags'],
        unique=False,
        sqlite_where=sa.text(guest_tally.EVERY_GUEST),
        postgresql_where=sa.text(guest_tally.EVERY_GUEST),
    )
    op.create_index(
        guest_tally.ANSWERS_INDEX,
        'guests',
        ['event_id', 'tally_answered_hour', 'tally_flags'],
        unique=False,
        sqlite_where=sa.text(guest_tally.ANSWERED),
        postgresql_where=sa.text(guest_tally.ANSWERED),
    )


def downgrade():
    conn = op.get_bind()
    op.drop_index(guest_tally.ANSWERS_INDEX, table_name='guests')
    op.drop_index(guest_tally.INDEX, table_name='guests')
    guest_tally.drop(conn)
    with op.batch_alter_table('guests', schema=None) as batch_op:
        batch_op.drop_column('tally_answered_hour')
        batch_op.drop_column('tally_channel')
        batch_op.drop_column('tally_flags')
    # SQLite's batch mode made the table again without the search index's triggers.
    search_index.create(conn)
