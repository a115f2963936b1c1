"""seating plan: the rows of an event's room, and the reserved seat's label a seat is given

Revision ID: b4c8e2a6d1f3
Revises: c7e2d94b1a03
Create Date: 2026-12-04 21:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b4c8e2a6d1f3'
down_revision = "c7e2d94b1a03"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('seating_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=4), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('aisles_after', sa.String(length=400), nullable=False),
    sa.Column('reserved', sa.String(length=1000), nullable=False),
    sa.CheckConstraint('seats >= 1', name='ck_seating_rows_seats'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id', 'label', name='uq_seating_rows_event_label')
    )
    # Plain ALTER TABLE ... ADD COLUMN and CREATE INDEX: a batch would rebuild the seats table,
    # which the tally's triggers name.
    op.add_column('seats', sa.Column('label', sa.String(length=12), nullable=True))
    op.create_index('uq_seats_event_label', 'seats', ['event_id', 'label'], unique=True)


def downgrade():
    op.drop_index('uq_seats_event_label', table_name='seats')
    op.execute("ALTER TABLE seats DROP COLUMN label")
    op.drop_table('seating_rows')
