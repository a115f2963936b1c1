"""seats at city scale: how many seats each event has confirmed, waitlisted and taken from its
holds, kept in a table of its own by triggers

Revision ID: d5b9e3f7a2c6
Revises: c4d8e2f6a1b3
Create Date: 2026-12-05 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from registrar import seat_tally


# revision identifiers, used by Alembic.
revision = 'd5b9e3f7a2c6'
down_revision = "c4d8e2f6a1b3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        seat_tally.TABLE,
        sa.Column('event_id', sa.Integer(), nullable=False),
        *(
            sa.Column(name, sa.Integer(), server_default='0', nullable=False)
            for name in seat_tally.COLUMNS
        ),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('event_id'),
    )
    conn = op.get_bind()
    # The seats already there, counted; then the triggers keep every later change.
    conn.exec_driver_sql(seat_tally.recount_all())
    seat_tally.create(conn)


def downgrade():
    conn = op.get_bind()
    seat_tally.drop(conn)
    op.drop_table(seat_tally.TABLE)
