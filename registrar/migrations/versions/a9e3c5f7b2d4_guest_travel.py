"""guest travel: a travelling guest's arrival, departure, airport pickups and hotel, and the
hotels an event booked

Revision ID: a9e3c5f7b2d4
Revises: d2f6a8c4b1e9
Create Date: 2026-12-05 00:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

import registrar.models  # noqa: F401  (column types such as UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'a9e3c5f7b2d4'
down_revision = "d2f6a8c4b1e9"
branch_labels = None
depends_on = None


def _airport(name):
    return sa.Column(
        name,
        sa.Enum('KHH', 'TPE', 'other', name='airport', native_enum=False, length=24),
        nullable=False,
    )


def upgrade():
    op.add_column('events', sa.Column('travel_hotels', sa.Text(), server_default='', nullable=False))
    op.create_table(
        'guest_travel',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('guest_id', sa.Integer(), nullable=False),
        sa.Column('arrival_date', sa.Date(), nullable=False),
        sa.Column('arrival_time', sa.Time(), nullable=False),
        sa.Column('arrival_flight', sa.String(length=10), nullable=False),
        _airport('arrival_airport'),
        sa.Column('arrival_airport_name', sa.String(length=100), nullable=False),
        sa.Column('arrival_pickup', sa.Boolean(), nullable=False),
        sa.Column('departure_date', sa.Date(), nullable=False),
        sa.Column('departure_time', sa.Time(), nullable=False),
        sa.Column('departure_flight', sa.String(length=10), nullable=False),
        _airport('departure_airport'),
        sa.Column('departure_airport_name', sa.String(length=100), nullable=False),
        sa.Column('departure_pickup', sa.Boolean(), nullable=False),
        sa.Column(
            'hotel_choice',
            sa.Enum('booked', 'own', name='hotelchoice', native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column('hotel_name', sa.String(length=200), nullable=False),
        sa.Column('check_in', sa.Date(), nullable=False),
        sa.Column('check_out', sa.Date(), nullable=False),
        sa.Column('arrival_driver', sa.String(length=100), nullable=False),
        sa.Column('arrival_driver_phone', sa.String(length=40), nullable=False),
        sa.Column('departure_driver', sa.String(length=100), nullable=False),
        sa.Column('departure_driver_phone', sa.String(length=40), nullable=False),
        sa.Column('given_at', registrar.models.UTCDateTime(), nullable=False),
        sa.Column('updated_at', registrar.models.UTCDateTime(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['guest_id'], ['guests.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('guest_id'),
    )
    op.create_index('ix_guest_travel_event_id', 'guest_travel', ['event_id'], unique=False)


def downgrade():
    op.drop_index('ix_guest_travel_event_id', table_name='guest_travel')
    op.drop_table('guest_travel')
    op.execute("ALTER TABLE events DROP COLUMN travel_hotels")
