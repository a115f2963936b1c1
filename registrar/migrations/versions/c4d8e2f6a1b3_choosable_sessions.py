"""sessions guests choose: the programme's sessions marked choosable, a seat per session, and
the session a door scan counted for

Revision ID: c4d8e2f6a1b3
Revises: a8e3c5f7d912
Create Date: 2026-12-05 03:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from registrar.models import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'c4d8e2f6a1b3'
down_revision = "a8e3c5f7d912"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        'agenda_items',
        sa.Column('choosable', sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column(
        'agenda_items',
        sa.Column('waitlist_counter', sa.Integer(), server_default='0', nullable=False),
    )
    op.create_table(
        'session_seats',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('guest_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.Enum('confirmed', 'waitlisted', name='seatstate', native_enum=False, length=24), nullable=False),
        sa.Column('queue_number', sa.Integer(), nullable=True),
        sa.Column('since', UTCDateTime(), nullable=False),
        sa.Column('hold_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['session_id'], ['agenda_items.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['guest_id'], ['guests.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['hold_id'], ['seat_holds.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('session_id', 'guest_id', name='uq_session_seats_session_guest'),
        sa.UniqueConstraint('session_id', 'queue_number', name='uq_session_seats_session_queue'),
    )
    op.create_index('ix_session_seats_session_state', 'session_seats', ['session_id', 'state', 'queue_number'])
    op.create_index(op.f('ix_session_seats_guest_id'), 'session_seats', ['guest_id'])
    op.create_index(op.f('ix_session_seats_hold_id'), 'session_seats', ['hold_id'])
    op.add_column('scans', sa.Column('session_id', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.drop_column('session_id')
    op.drop_index(op.f('ix_session_seats_hold_id'), table_name='session_seats')
    op.drop_index(op.f('ix_session_seats_guest_id'), table_name='session_seats')
    op.drop_index('ix_session_seats_session_state', table_name='session_seats')
    op.drop_table('session_seats')
    with op.batch_alter_table('agenda_items', schema=None) as batch_op:
        batch_op.drop_column('waitlist_counter')
        batch_op.drop_column('choosable')
