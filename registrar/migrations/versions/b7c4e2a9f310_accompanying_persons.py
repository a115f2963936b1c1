"""accompanying persons: a guest's aides, interpreters and security officers (guests with a
principal), the event's limits per category and whether they take seats, and the role of one
a guest names through their link (a request)

Revision ID: b7c4e2a9f310
Revises: c5d2e8f4a1b7
Create Date: 2026-12-04 21:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7c4e2a9f310'
down_revision = "c5d2e8f4a1b7"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not a batch: on SQLite a batch copies the guests table and renames the copy,
# which the guest tally's triggers on rsvps, seats and check-ins (they name guests) refuse.
def upgrade():
    op.add_column('guests', sa.Column('principal_id', sa.Integer(), nullable=True))
    op.add_column(
        'guests',
        sa.Column(
            'companion_role',
            sa.Enum('aide', 'interpreter', 'security', 'other', name='companionrole',
                    native_enum=False, length=24),
            nullable=True,
        ),
    )
    op.create_index('ix_guests_principal_id', 'guests', ['principal_id'], unique=False)
    # An accompanying person a guest names through their link waits as a request.
    op.add_column(
        'change_requests',
        sa.Column(
            'companion_role',
            sa.Enum('aide', 'interpreter', 'security', 'other', name='companionrole',
                    native_enum=False, length=24),
            nullable=True,
        ),
    )
    op.add_column(
        'events', sa.Column('companion_limits', sa.String(length=200), server_default='', nullable=False)
    )
    op.add_column(
        'events',
        sa.Column('companions_take_seats', sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade():
    op.drop_index('ix_guests_principal_id', table_name='guests')
    for table, column in (
        ("change_requests", "companion_role"),
        ("events", "companions_take_seats"),
        ("events", "companion_limits"),
        ("guests", "companion_role"),
        ("guests", "principal_id"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
