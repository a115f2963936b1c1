"""seat holds: seats held for a named guest or for a category; the hold a seat was taken from

Revision ID: a5d3f8c1e962
Revises: f3b8d6a1c947
Create Date: 2026-12-04 18:50:00.000000

"""
from alembic import op
import sqlalchemy as sa

from registrar import guest_tally


# revision identifiers, used by Alembic.
revision = 'a5d3f8c1e962'
down_revision = "f3b8d6a1c947"
branch_labels = None
depends_on = None

_CATEGORIES = ('speaker', 'moderator', 'vip', 'delegate', 'press', 'staff')


def upgrade():
    op.create_table('seat_holds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('guest_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.Enum(*_CATEGORIES, name='category', native_enum=False, length=24), nullable=True),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.CheckConstraint('(guest_id IS NULL) <> (category IS NULL)', name='ck_seat_holds_guest_or_category'),
    sa.CheckConstraint('count >= 0', name='ck_seat_holds_count'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['guest_id'], ['guests.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id', 'category', name='uq_seat_holds_event_category'),
    sa.UniqueConstraint('event_id', 'guest_id', name='uq_seat_holds_event_guest')
    )
    # A plain ADD COLUMN (never a batch copy of the table): the seats' tally triggers stay.
    # SQLite takes the reference in the column's own clause; Alembic would add it apart.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE seats ADD COLUMN hold_id INTEGER REFERENCES seat_holds (id)')
    else:
        op.add_column('seats', sa.Column('hold_id', sa.Integer(), nullable=True))
        op.create_foreign_key(None, 'seats', 'seat_holds', ['hold_id'], ['id'])
    op.create_index(op.f('ix_seats_hold_id'), 'seats', ['hold_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_seats_hold_id'), table_name='seats')
    # SQLite copies the table to drop the column, which loses its triggers: made again after.
    conn = op.get_bind()
    guest_tally.drop(conn)
    with op.batch_alter_table('seats', schema=None) as batch_op:
        batch_op.drop_column('hold_id')
    guest_tally.create(conn)
    op.drop_table('seat_holds')
