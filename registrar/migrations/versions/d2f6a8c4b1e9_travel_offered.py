"""travel offered: the categories of an event whose guests are offered travel, and guests
offered it one by one

Revision ID: d2f6a8c4b1e9
Revises: b7c4e2a9f310
Create Date: 2026-12-04 23:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd2f6a8c4b1e9'
down_revision = "b7c4e2a9f310"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not a batch: on SQLite a batch copies the guests table and renames the copy,
# which the guest tally's triggers on rsvps, seats and check-ins (they name guests) refuse.
def upgrade():
    op.add_column(
        'events', sa.Column('travel_categories', sa.String(length=100), server_default='', nullable=False)
    )
    op.add_column(
        'guests',
        sa.Column('travel_offered', sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    # The few guests of an event offered travel one by one, found without reading the rest.
    op.create_index(
        'ix_guests_travel_offered',
        'guests',
        ['event_id'],
        sqlite_where=sa.text('travel_offered = 1'),
        postgresql_where=sa.text('travel_offered'),
    )


def downgrade():
    op.drop_index('ix_guests_travel_offered', table_name='guests')
    for table, column in (("guests", "travel_offered"), ("events", "travel_categories")):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
