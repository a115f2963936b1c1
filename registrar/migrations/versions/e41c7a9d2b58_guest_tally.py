"""dashboard at city scale: what the dashboard counts of each guest, kept in a table of its own
by triggers, with the indexes the dashboard reads

Revision ID: e41c7a9d2b58
Revises: e4a7c2f9d815
Create Date: 2026-12-04 16:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

from registrar import guest_tally


# revision identifiers, used by Alembic.
revision = 'e41c7a9d2b58'
down_revision = "e4a7c2f9d815"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        guest_tally.TABLE,
        sa.Column('guest_id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('category', sa.String(length=24), nullable=False),
        sa.Column('flags', sa.Integer(), server_default='0', nullable=False),
        sa.Column('channel', sa.String(length=24), nullable=True),
        sa.Column('answered_hour', sa.String(length=13), nullable=True),
        sa.ForeignKeyConstraint(['guest_id'], ['guests.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('guest_id'),
    )
    conn = op.get_bind()
    # The guests already there, from their rows; then the triggers keep every later change.
    conn.exec_driver_sql(guest_tally.recount_all(conn.dialect.name))
    guest_tally.create(conn)
    op.create_index(
        guest_tally.INDEX,
        guest_tally.TABLE,
        ['event_id', 'category', 'channel', 'flags'],
        unique=False,
    )
    op.create_index(
        guest_tally.ANSWERS_INDEX,
        guest_tally.TABLE,
        ['event_id', 'answered_hour', 'flags'],
        unique=False,
        sqlite_where=sa.text(guest_tally.ANSWERED),
        postgresql_where=sa.text(guest_tally.ANSWERED),
    )


def downgrade():
    conn = op.get_bind()
    guest_tally.drop(conn)
    op.drop_index(guest_tally.ANSWERS_INDEX, table_name=guest_tally.TABLE)
    op.drop_index(guest_tally.INDEX, table_name=guest_tally.TABLE)
    op.drop_table(guest_tally.TABLE)
